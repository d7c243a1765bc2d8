/**
 * The lean step's in-place optimizer update (src/tfjs/lean/in-place-update.ts) against tfjs's own
 * `applyGradients`, on real tfjs training steps, on the wasm and the cpu backend: twin models
 * (the same seeded weights) trained on the same batches, one with each update, end with
 * bit-identical weights, optimizer slots, Adam's accumulated β powers and step counts; the
 * in-place step runs none of the optimizer's kernels; a buffer shared with a tensor the caller
 * keeps (after `optimizer.setWeights`, `model.setWeights`) or an array it read (`dataSync`, a
 * PBT capture) is left as it was; a PBT capture restores and trains on as with `applyGradients`;
 * no tensor leaks.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { loadTensorFlow, type TensorFlow } from "../../src/tfjs/backend";
import { watchTensors } from "../../src/tfjs/memoryGuard";
import { disposeModel, type ModelBuilder } from "../../src/tfjs/train";
import { buildTrialModel } from "../../src/tfjs/model-setup";
import { leanPlanOf, leanTrainStep, updatesInPlace } from "../../src/tfjs/lean";
import { captureMemberState, restoreMemberState, type MemberState } from "../../src/tfjs/member-state";
import type { TrainStep } from "../../src/tfjs/train-step";
import { breastCancer } from "./fixtures";

let tf: TensorFlow;

before(async () => {
  ({ tf } = await loadTensorFlow());
});

const BACKENDS = ["wasm", "cpu"] as const;
const BATCH_SIZE = 32;

/** Runs `body` with `backend` active, then goes back to wasm (the process's backend). */
async function onBackend<T>(backend: string, body: () => Promise<T>): Promise<T> {
  await tf.setBackend(backend);
  try {
    return await body();
  } finally {
    await tf.setBackend("wasm");
  }
}

/** The breast-cancer rows scaled to [0, 1] per column, targets one-hot; as plain arrays (tensors per backend). */
function rows(): { x: number[][]; y: number[][] } {
  const { x, y } = breastCancer();
  const max = x[0]!.map((_, j) => Math.max(...x.map((row) => Math.abs(row[j]!))) || 1);
  return { x: x.map((row) => row.map((v, j) => v / max[j]!)), y: y.map((label) => (label === 1 ? [0, 1] : [1, 0])) };
}

/** 30 → 12 relu → 2 softmax, categorical cross-entropy, with `optimizer`. */
function builder(optimizer: () => tfjs.Optimizer): ModelBuilder<Record<string, never>> {
  return () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 12, activation: "relu", inputShape: [30] }), tf.layers.dense({ units: 2, activation: "softmax" })] });
    model.compile({ optimizer: optimizer(), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    return model;
  };
}

/** The optimizers compared, and how many kernels tfjs's `applyGradients` runs per step for v variables. */
const OPTIMIZERS: readonly { readonly name: string; readonly make: () => tfjs.Optimizer; readonly kernels: (v: number) => number }[] = [
  { name: "Adam, default β and ε", make: () => tf.train.adam(0.01), kernels: (v) => 14 * v + 4 },
  { name: "Adam, β₁ 0.8, β₂ 0.99, ε 1e-6", make: () => tf.train.adam(0.005, 0.8, 0.99, 1e-6), kernels: (v) => 14 * v + 4 },
  { name: "SGD", make: () => tf.train.sgd(0.1), kernels: (v) => 2 * v },
  { name: "momentum", make: () => tf.train.momentum(0.05, 0.9), kernels: (v) => 4 * v },
  { name: "momentum (Nesterov)", make: () => tf.train.momentum(0.05, 0.9, true), kernels: (v) => 6 * v },
  // tfjs's plain RMSprop computes the mean square twice (4 kernels more)
  { name: "RMSprop", make: () => tf.train.rmsprop(0.005, 0.9, 0.1), kernels: (v) => 15 * v },
  { name: "RMSprop, centered", make: () => tf.train.rmsprop(0.005, 0.8, 0.2, 1e-6, true), kernels: (v) => 16 * v },
];

/** A model (seeded weights) and its lean step with the in-place update or `applyGradients`. */
interface Trained {
  readonly model: tfjs.LayersModel;
  readonly step: TrainStep;
}

async function twin(make: () => tfjs.Optimizer, inPlaceUpdate: boolean): Promise<Trained> {
  const model = await buildTrialModel(builder(make), {}, 0, { seed: 11 });
  const plan = leanPlanOf(tf, model);
  if (!plan.lean) throw new Error(`no lean plan: ${plan.reason}`);
  return { model, step: leanTrainStep(tf, model, plan.plan, { inPlaceUpdate }) };
}

/** Batches of the rows, cycled: steps `first` to `first + count − 1` (disposes what it makes). */
function trainSteps(trained: Trained, data: { x: number[][]; y: number[][] }, first: number, count: number): void {
  const batches = Math.floor(data.x.length / BATCH_SIZE);
  for (let s = first; s < first + count; s++) {
    const start = (s % batches) * BATCH_SIZE;
    tf.tidy(() => {
      trained.step.train(tf.tensor2d(data.x.slice(start, start + BATCH_SIZE)), tf.tensor2d(data.y.slice(start, start + BATCH_SIZE)));
    });
  }
}

/** Everything the update writes, as plain numbers: weights, the optimizer's weights (step count first), Adam's β powers. */
async function stateOf(model: tfjs.LayersModel): Promise<{ weights: number[][]; optimizer: number[][]; accBeta: number[]; iterations: number }> {
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  const optimizerWeights = await model.optimizer.getWeights();
  const optimizer = optimizerWeights.map((w) => Array.from(w.tensor.dataSync()));
  tf.dispose(optimizerWeights.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  const adam = model.optimizer as unknown as { accBeta1?: tfjs.Variable; accBeta2?: tfjs.Variable };
  const accBeta = [adam.accBeta1, adam.accBeta2].flatMap((v) => (v === undefined ? [] : [v.dataSync()[0]!]));
  return { weights, optimizer, accBeta, iterations: model.optimizer.iterations };
}

async function assertSameState(actual: tfjs.LayersModel, expected: tfjs.LayersModel, what: string): Promise<void> {
  const [a, e] = [await stateOf(actual), await stateOf(expected)];
  // deepStrictEqual: bit for bit (Object.is per element: −0 ≠ 0, NaN = NaN)
  assert.deepStrictEqual(a.weights, e.weights, `${what}: weights`);
  assert.deepStrictEqual(a.optimizer, e.optimizer, `${what}: optimizer weights`);
  assert.deepStrictEqual(a.accBeta, e.accBeta, `${what}: accumulated β powers`);
  assert.equal(a.iterations, e.iterations, `${what}: step count`);
}

/** Kernel names of one step. */
async function kernelsOfStep(trained: Trained, data: { x: number[][]; y: number[][] }, s: number): Promise<string[]> {
  const info = await tf.profile(() => {
    trainSteps(trained, data, s, 1);
    return [];
  });
  return info.kernels.map((kernel) => kernel.name);
}

for (const backend of BACKENDS) {
  for (const { name, make, kernels } of OPTIMIZERS) {
    test(`${backend}: the in-place update gives applyGradients's weights and state bit for bit, without its kernels: ${name}`, async () => {
      await onBackend(backend, async () => {
        const data = rows();
        const watch = watchTensors(tf);
        const [inPlace, applied] = [await twin(make, true), await twin(make, false)];
        try {
          assert.equal(updatesInPlace(tf, inPlace.model.optimizer), true, "the optimizer updates in place on this backend");
          // the first step makes the optimizer's state (through applyGradients), then 15 in place
          trainSteps(inPlace, data, 0, 16);
          trainSteps(applied, data, 0, 16);
          await assertSameState(inPlace.model, applied.model, "after 16 steps");
          const variables = inPlace.model.trainableWeights.length;
          const tensorsBefore = tf.memory().numTensors;
          const [inPlaceKernels, appliedKernels] = [await kernelsOfStep(inPlace, data, 16), await kernelsOfStep(applied, data, 16)];
          assert.equal(tf.memory().numTensors, tensorsBefore, "a step leaves no tensor behind");
          assert.equal(appliedKernels.length - inPlaceKernels.length, kernels(variables), `kernels of a step: ${inPlaceKernels.join(" ")} vs ${appliedKernels.join(" ")}`);
          assert.ok(!inPlaceKernels.includes("Sqrt") && !inPlaceKernels.includes("RealDiv"), inPlaceKernels.join(" "));
          await assertSameState(inPlace.model, applied.model, "after 17 steps");
        } finally {
          disposeModel(inPlace.model);
          disposeModel(applied.model);
        }
        // tfjs's MomentumOptimizer.dispose leaves SGD's learning-rate scalar (one per model)
        watch.assertNoLeak("two models trained and disposed", name.startsWith("momentum") ? 2 : 0);
      });
    });
  }

  test(`${backend}: optimizer.setWeights and model.setWeights with tensors the caller keeps: the caller's tensors keep their values, training goes on as with applyGradients`, async () => {
    await onBackend(backend, async () => {
      const data = rows();
      const make = (): tfjs.Optimizer => tf.train.adam(0.01);
      const [inPlace, applied] = [await twin(make, true), await twin(make, false)];
      const kept: tfjs.Tensor[] = [];
      try {
        trainSteps(inPlace, data, 0, 4);
        trainSteps(applied, data, 0, 4);
        const saved = await stateOf(inPlace.model);
        const optimizerWeights = await inPlace.model.optimizer.getWeights();
        const shapes = optimizerWeights.map((w) => ({ name: w.name, shape: w.tensor.shape, dtype: w.tensor.dtype }));
        tf.dispose(optimizerWeights.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
        const weightShapes = inPlace.model.getWeights().map((w) => w.shape);
        for (const trained of [inPlace, applied]) {
          // the optimizer's slots and the model's weights become the buffers of these tensors
          const slots = shapes.map(({ name, shape, dtype }, i) => ({ name, tensor: tf.tensor(saved.optimizer[i]!, shape, dtype) }));
          const weights = weightShapes.map((shape, i) => tf.tensor(saved.weights[i]!, shape));
          kept.push(...slots.map((w) => w.tensor), ...weights);
          await trained.model.optimizer.setWeights(slots);
          trained.model.setWeights(weights);
        }
        trainSteps(inPlace, data, 4, 6);
        trainSteps(applied, data, 4, 6);
        await assertSameState(inPlace.model, applied.model, "6 steps after setWeights");
        const [slotCount, weightCount] = [shapes.length, weightShapes.length];
        const expected = [...saved.optimizer, ...saved.weights];
        kept.slice(0, slotCount + weightCount).forEach((tensor, i) => assert.deepStrictEqual(Array.from(tensor.dataSync()), expected[i], `kept tensor ${i}`));
      } finally {
        tf.dispose(kept);
        disposeModel(inPlace.model);
        disposeModel(applied.model);
      }
    });
  });

  test(`${backend}: a PBT capture keeps its values while the model trains on, and restores to train on as with applyGradients`, async () => {
    await onBackend(backend, async () => {
      const data = rows();
      const make = (): tfjs.Optimizer => tf.train.adam(0.01);
      const source = await twin(make, true);
      let restored: tfjs.LayersModel[] = [];
      try {
        trainSteps(source, data, 0, 5);
        const held = source.model.getWeights()[0]!.dataSync(); // on cpu: the buffer itself
        const heldCopy = Array.from(held);
        const captured: MemberState = await captureMemberState(tf, source.model);
        const capturedCopy = [...captured.model.weights, ...captured.optimizer].map((w) => Array.from(w.values));
        trainSteps(source, data, 5, 5);
        assert.deepStrictEqual(Array.from(held), heldCopy, "an array read before the steps");
        assert.deepStrictEqual([...captured.model.weights, ...captured.optimizer].map((w) => Array.from(w.values)), capturedCopy, "the capture");

        restored = [await restoreMemberState(tf, captured), await restoreMemberState(tf, captured)];
        const [inPlace, applied] = restored.map((model, i): Trained => {
          const plan = leanPlanOf(tf, model);
          if (!plan.lean) throw new Error(plan.reason);
          return { model, step: leanTrainStep(tf, model, plan.plan, { inPlaceUpdate: i === 0 }) };
        });
        const roundTrip = await stateOf(inPlace!.model);
        assert.deepStrictEqual([...roundTrip.weights, ...roundTrip.optimizer], [...capturedCopy.slice(0, captured.model.weights.length), ...capturedCopy.slice(captured.model.weights.length)], "restored state");
        trainSteps(inPlace!, data, 5, 6);
        trainSteps(applied!, data, 5, 6);
        await assertSameState(inPlace!.model, applied!.model, "6 steps after a restore");
        assert.deepStrictEqual([...captured.model.weights, ...captured.optimizer].map((w) => Array.from(w.values)), capturedCopy, "the capture, after the restored models trained");
      } finally {
        disposeModel(source.model);
        for (const model of restored) disposeModel(model);
      }
    });
  });
}

/**
 * The lean trainer (`trainTrial`: its own batch loop over the compiled loss, metrics and optimizer)
 * against the trainer it replaced (`model.fit` per epoch, fit-reference.ts) on real tfjs training:
 * with the same seed, every trained weight and every validation log is the same to the last bit,
 * and the training logs (`loss`, `acc`, summed per epoch rather than per batch) the same to float32
 * rounding; with dropout, regularisers, a partial last batch, a tf.Sequential and a functional model.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { loadTensorFlow, type TensorFlow } from "../../src/tfjs/backend";
import { watchTensors } from "../../src/tfjs/memoryGuard";
import { disposeModel, trainTrial, type ModelBuilder } from "../../src/tfjs/train";
import type { TrainingData } from "../../src/tfjs/trainingData";
import { breastCancerSplits } from "./fixtures";
import { fitPerEpoch } from "./fit-reference";

let tf: TensorFlow;
let data: TrainingData;
let hotData: TrainingData;

before(async () => {
  ({ tf } = await loadTensorFlow());
  ({ binary: data, hot: hotData } = breastCancerSplits(tf));
});

/** dense(relu, L2 on the kernel, L1 on the bias) → dropout → dense(sigmoid); Adam; two metrics. */
const regularisedSequential: ModelBuilder<{ units: number }> = ({ units }) => {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units, activation: "relu", inputShape: [30], kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }), biasRegularizer: tf.regularizers.l1({ l1: 1e-3 }) }));
  model.add(tf.layers.dropout({ rate: 0.3 }));
  model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
  model.compile({ optimizer: tf.train.adam(0.01), loss: "binaryCrossentropy", metrics: ["accuracy", "mse"] });
  return model;
};

/** A functional model: dense(tanh) → dropout → dense(softmax over 2); RMSProp; categorical cross-entropy. */
const functionalSoftmax: ModelBuilder<{ units: number }> = ({ units }) => {
  const input = tf.input({ shape: [30] });
  const hidden = tf.layers.dense({ units, activation: "tanh", biasRegularizer: tf.regularizers.l1l2({ l1: 1e-3, l2: 1e-3 }) }).apply(input) as tfjs.SymbolicTensor;
  const dropped = tf.layers.dropout({ rate: 0.2 }).apply(hidden) as tfjs.SymbolicTensor;
  const output = tf.layers.dense({ units: 2, activation: "softmax" }).apply(dropped) as tfjs.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  model.compile({ optimizer: tf.train.rmsprop(0.005), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return model;
};

function weightsOf(model: tfjs.LayersModel): number[][] {
  return model.getWeights().map((weight) => Array.from(weight.dataSync()));
}

async function assertSameAsFit(build: ModelBuilder<{ units: number }>, trainingData: TrainingData, metric: string): Promise<void> {
  const options = { epochs: 4, batchSize: 32, seed: 11 };
  const watch = watchTensors(tf);
  const reference = await fitPerEpoch(tf, build, { units: 12 }, trainingData, options);
  const lean = await trainTrial(tf, build, { units: 12 }, trainingData, { ...options, metric, keepModel: true, validateEveryEpoch: true });
  try {
    assert.deepEqual(Object.keys(lean.history).sort(), Object.keys(reference.history).sort());
    for (const [key, values] of Object.entries(reference.history)) {
      if (key.startsWith("val_")) {
        assert.deepEqual(lean.history[key], values, `${key} per epoch`);
      } else {
        // The training logs are summed once per epoch rather than batch by batch (epoch.ts): the
        // same quantity up to float32 rounding.
        lean.history[key]!.forEach((value, e) => assert.ok(Math.abs(value - values[e]!) <= 1e-6 * Math.max(1, Math.abs(values[e]!)), `${key} at epoch ${e}: ${value} vs fit's ${values[e]}`));
      }
    }
    assert.deepEqual(weightsOf(lean.model!), weightsOf(reference.model));
    assert.equal(lean.value, reference.history[metric]![options.epochs - 1]);
  } finally {
    disposeModel(lean.model!);
    disposeModel(reference.model);
  }
  watch.assertNoLeak("two trainings whose models were disposed");
}

test("a seeded trial learns exactly what model.fit did, and logs the same: a tf.Sequential with dropout and regularisers", async () => {
  await assertSameAsFit(regularisedSequential, data, "val_acc");
});

test("a seeded trial learns exactly what model.fit did, and logs the same: a functional model, one-hot targets", async () => {
  await assertSameAsFit(functionalSoftmax, hotData, "val_loss");
});

test("the same seed reproduces a trial exactly; another seed does not", async () => {
  const run = (seed: number) => trainTrial(tf, regularisedSequential, { units: 12 }, data, { epochs: 3, batchSize: 32, metric: "val_acc", seed, validateEveryEpoch: true });
  const [a, b, c] = [await run(3), await run(3), await run(4)];
  assert.deepEqual(a.history, b.history);
  assert.notDeepEqual(a.history["loss"], c.history["loss"]);
});

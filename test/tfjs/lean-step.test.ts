/**
 * The lean step (src/tfjs/lean: hand-written backward pass, the optimizer's update without kernels)
 * against today's step (`optimizer.minimize` over the compiled loss) on real tfjs training:
 * with the same seed, the same per-epoch logs, final weights and optimizer state (step count,
 * Adam's moments) to float32 rounding, for several models, losses and optimizers, batch sizes
 * that do not divide the rows; training on from a written-back state (PBT rounds); the models it
 * does not take fall back with a reason; no tensor leaks; an interrupt still stops between batches.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { loadTensorFlow, type TensorFlow } from "../../src/tfjs/backend";
import { watchTensors } from "../../src/tfjs/memoryGuard";
import { disposeModel, trainTrial, TrainingAbortedError, type ModelBuilder, type TrainOptions, type TrialTraining } from "../../src/tfjs/train";
import { trainRound } from "../../src/tfjs/train-rounds";
import type { TrainingData } from "../../src/tfjs/trainingData";
import { buildTrialModel } from "../../src/tfjs/model-setup";
import { sgdHD } from "../../src/tfjs/hypergradient";
import { breastCancerSplits } from "./fixtures";
import { describeModel, restoreModel } from "../../src/tfjs/pool/model-transfer";

let tf: TensorFlow;
/** 455 training rows, 114 validation rows; targets 0/1 (one column), or one-hot (two). */
let data: TrainingData;
let hotData: TrainingData;

before(async () => {
  ({ tf } = await loadTensorFlow());
  ({ binary: data, hot: hotData } = breastCancerSplits(tf));
});

type Params = Record<string, never>;

/** A model of Dense (and Dropout) layers compiled with `loss`, `optimizer`, accuracy. */
function builder(layers: () => tfjs.layers.Layer[], loss: string, optimizer: () => tfjs.Optimizer, metrics: string[] = ["accuracy"]): ModelBuilder<Params> {
  return () => {
    const model = tf.sequential({ layers: layers() });
    model.compile({ optimizer: optimizer(), loss, metrics });
    return model;
  };
}

/** `leaks`: tensors tfjs itself leaves per model (its MomentumOptimizer.dispose skips SGD's learning-rate scalar). */
const CASES: readonly { readonly name: string; readonly build: () => ModelBuilder<Params>; readonly hot: boolean; readonly batchSize: number; readonly leaks?: number }[] = [
  {
    name: "one hidden relu layer, sigmoid, binary cross-entropy, Adam, batch 32 (last batch 7)",
    build: () => builder(() => [tf.layers.dense({ units: 12, activation: "relu", inputShape: [30] }), tf.layers.dense({ units: 1, activation: "sigmoid" })], "binaryCrossentropy", () => tf.train.adam(0.01)),
    hot: false,
    batchSize: 32,
  },
  {
    name: "two hidden layers (relu, tanh) with dropout, softmax, categorical cross-entropy, Adam, batch 24",
    build: () =>
      builder(
        () => [
          tf.layers.dense({ units: 16, activation: "relu", inputShape: [30] }),
          tf.layers.dropout({ rate: 0.3 }),
          tf.layers.dense({ units: 8, activation: "tanh" }),
          tf.layers.dropout({ rate: 0.2 }),
          tf.layers.dense({ units: 2, activation: "softmax" }),
        ],
        "categoricalCrossentropy",
        () => tf.train.adam(0.005, 0.8, 0.99, 1e-6),
      ),
    hot: true,
    batchSize: 24,
  },
  {
    name: "input dropout, elu without bias, softmax, sparse categorical cross-entropy, SGD, batch 50",
    build: () =>
      builder(
        () => [
          tf.layers.dropout({ rate: 0.1, inputShape: [30] }),
          tf.layers.dense({ units: 10, activation: "elu", useBias: false }),
          tf.layers.dense({ units: 2, activation: "softmax" }),
        ],
        "sparseCategoricalCrossentropy",
        () => tf.train.sgd(0.1),
      ),
    hot: false,
    batchSize: 50,
  },
  {
    name: "sigmoid hidden layer, linear output, mean squared error, SGD, batch 64",
    build: () =>
      builder(() => [tf.layers.dense({ units: 8, activation: "sigmoid", inputShape: [30] }), tf.layers.dense({ units: 1, activation: "linear" })], "meanSquaredError", () => tf.train.sgd(0.05), []),
    hot: false,
    batchSize: 64,
  },
  {
    name: "tanh hidden layer, sigmoid, binary cross-entropy, momentum (Nesterov), batch 40",
    build: () => builder(() => [tf.layers.dense({ units: 9, activation: "tanh", inputShape: [30] }), tf.layers.dense({ units: 1, activation: "sigmoid" })], "binaryCrossentropy", () => tf.train.momentum(0.05, 0.9, true)),
    hot: false,
    batchSize: 40,
    leaks: 1,
  },
  {
    name: "relu hidden layer with dropout, softmax, categorical cross-entropy, RMSprop, batch 32",
    build: () =>
      builder(
        () => [tf.layers.dense({ units: 14, activation: "relu", inputShape: [30] }), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 2, activation: "softmax" })],
        "categoricalCrossentropy",
        () => tf.train.rmsprop(0.005, 0.9, 0.1),
      ),
    hot: true,
    batchSize: 32,
  },
  {
    name: "relu output, mean squared error on one-hot targets, Adam, batch 100",
    build: () => builder(() => [tf.layers.dense({ units: 6, activation: "tanh", inputShape: [30] }), tf.layers.dense({ units: 2, activation: "relu" })], "meanSquaredError", () => tf.train.adam(0.01)),
    hot: true,
    batchSize: 100,
  },
];

/** |a − b| ≤ tolerance · max(1, |b|), element by element. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance * Math.max(1, Math.abs(expected[i]!)), `${what}[${i}]: ${actual[i]} vs today's step's ${expected[i]}`);
  }
}

async function optimizerState(model: tfjs.LayersModel): Promise<number[][]> {
  const weights = await model.optimizer.getWeights();
  const values = weights.map((w) => Array.from(w.tensor.dataSync()));
  tf.dispose(weights.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  return values;
}

/** Lean and today's step trained the same way: the same logs, weights and optimizer state. */
async function assertSameTraining(lean: TrialTraining, standard: TrialTraining): Promise<void> {
  assert.equal(lean.stepFallback, undefined, "the lean step trained");
  assert.equal(standard.stepFallback, "the lean step is switched off");
  assert.deepEqual(Object.keys(lean.history).sort(), Object.keys(standard.history).sort());
  for (const [key, values] of Object.entries(standard.history)) assertClose(lean.history[key]!, values, 1e-4, key);
  const leanWeights = lean.model!.getWeights();
  const standardWeights = standard.model!.getWeights();
  leanWeights.forEach((w, i) => assertClose(w.dataSync(), standardWeights[i]!.dataSync(), 1e-4, `weight ${i}`));
  const [leanState, standardState] = [await optimizerState(lean.model!), await optimizerState(standard.model!)];
  assert.equal(leanState.length, standardState.length, "optimizer weights");
  assert.deepEqual(leanState[0], standardState[0], "step count");
  leanState.forEach((values, i) => assertClose(values, standardState[i]!, 1e-4, `optimizer weight ${i}`));
}

for (const { name, build, hot, batchSize, leaks = 0 } of CASES) {
  test(`the lean step trains as today's step: ${name}`, async () => {
    const options: TrainOptions = { epochs: 4, batchSize, seed: 7, metric: "val_loss", keepModel: true, validateEveryEpoch: true };
    const trainingData = hot ? hotData : data;
    const watch = watchTensors(tf);
    const lean = await trainTrial(tf, build(), {}, trainingData, options);
    const standard = await trainTrial(tf, build(), {}, trainingData, { ...options, leanStep: false });
    try {
      await assertSameTraining(lean, standard);
    } finally {
      disposeModel(lean.model!);
      disposeModel(standard.model!);
    }
    watch.assertNoLeak("two trainings whose models were disposed", 2 * leaks);
  });
}

test("PBT rounds: the lean step trains on from the model's weights and optimizer state as today's step does", async () => {
  const build = CASES[1]!.build();
  const fold = hotData.folds[0]!;
  const rounds = async (leanStep: boolean): Promise<tfjs.LayersModel> => {
    const model = await buildTrialModel(build, {}, 0, { seed: 5 });
    for (const [r, seed] of [3, 4].entries()) {
      await trainRound(tf, model, fold, { epochs: 2, batchSize: 32, seed, metric: "val_acc", firstStep: 2 * r, leanStep });
    }
    return model;
  };
  const watch = watchTensors(tf);
  const [lean, standard] = [await rounds(true), await rounds(false)];
  try {
    lean.getWeights().forEach((w, i) => assertClose(w.dataSync(), standard.getWeights()[i]!.dataSync(), 1e-4, `weight ${i}`));
    const [leanState, standardState] = [await optimizerState(lean), await optimizerState(standard)];
    assert.deepEqual(leanState[0], [2 * Math.ceil(fold.xTrain.shape[0]! / 32) * 2], "step count after two rounds of two epochs");
    leanState.forEach((values, i) => assertClose(values, standardState[i]!, 1e-4, `optimizer weight ${i}`));
  } finally {
    disposeModel(lean);
    disposeModel(standard);
  }
  watch.assertNoLeak("two members' rounds");
});

test("models the lean step does not take train with today's step, saying why", async () => {
  const relu12 = (extra: Partial<Parameters<typeof tf.layers.dense>[0]> = {}): tfjs.layers.Layer => tf.layers.dense({ units: 12, activation: "relu", inputShape: [30], ...extra });
  const out = (activation: "sigmoid" | "softmax" | "linear" = "sigmoid"): tfjs.layers.Layer => tf.layers.dense({ units: 1, activation });
  const cases: [ModelBuilder<Params>, RegExp][] = [
    [builder(() => [relu12({ kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }), out()], "binaryCrossentropy", () => tf.train.adam(0.01)), /kernel regularizer/],
    [builder(() => [relu12(), out()], "binaryCrossentropy", () => sgdHD(tf, 0.01)), /its optimizer is SGDHD/],
    [builder(() => [relu12(), out()], "hinge", () => tf.train.adam(0.01)), /its loss is hinge/],
    [builder(() => [relu12(), out("linear")], "binaryCrossentropy", () => tf.train.adam(0.01)), /last layer's activation linear with the loss binaryCrossentropy/],
    [builder(() => [relu12({ activation: "softplus" }), out()], "binaryCrossentropy", () => tf.train.adam(0.01)), /activation softplus/],
    [builder(() => [relu12(), tf.layers.batchNormalization(), out()], "binaryCrossentropy", () => tf.train.adam(0.01)), /BatchNormalization/],
  ];
  const watch = watchTensors(tf);
  for (const [build, reason] of cases) {
    const result = await trainTrial(tf, build, {}, data, { epochs: 1, batchSize: 64, seed: 1, metric: "loss" });
    assert.match(result.stepFallback ?? "", reason);
  }
  watch.assertNoLeak("fallback trainings");
});

test("a model compiled without metrics takes the lean step, also when rebuilt from its description as a worker thread does", async () => {
  const build = builder(() => [tf.layers.dense({ units: 8, activation: "relu", inputShape: [30] }), tf.layers.dense({ units: 1, activation: "sigmoid" })], "binaryCrossentropy", () => tf.train.adam(0.01), []);
  const noMetrics = (): tfjs.LayersModel => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 8, activation: "relu", inputShape: [30] }), tf.layers.dense({ units: 1, activation: "sigmoid" })] });
    model.compile({ optimizer: tf.train.adam(0.01), loss: "binaryCrossentropy" });
    return model;
  };
  // A worker thread compiles the model from its training config, where no metrics became `{}`.
  const rebuilt: ModelBuilder<Params> = async () => {
    const original = noMetrics();
    try {
      return await restoreModel(tf, describeModel(original));
    } finally {
      disposeModel(original);
    }
  };
  for (const [what, make] of [["an empty list", build], ["none", noMetrics], ["none, rebuilt", rebuilt]] as const) {
    const result = await trainTrial(tf, make, {}, data, { epochs: 1, batchSize: 64, seed: 1, metric: "loss" });
    assert.equal(result.stepFallback, undefined, `metrics ${what}: ${result.stepFallback}`);
  }
});

test("an interrupt between batches stops the lean step, keeping no tensor", async () => {
  // Read once before training, then before every batch: aborted from the 7th read, after 5 batches.
  let reads = 0;
  const signal = {
    get aborted(): boolean {
      return ++reads > 6;
    },
  };
  const watch = watchTensors(tf);
  await assert.rejects(
    trainTrial(tf, CASES[0]!.build(), {}, data, { epochs: 3, batchSize: 32, seed: 1, metric: "val_acc", signal, reporter: { report: () => undefined, shouldPrune: () => false } }),
    (error: unknown) => error instanceof TrainingAbortedError && error.batchesRun === 5 && error.epochsRun === 0,
  );
  watch.assertNoLeak("an interrupted lean training");
});

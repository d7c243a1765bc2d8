/**
 * The fused trainer against the single trainer (`trainTrial`) on real tfjs training: K trials of
 * different widths, batch sizes, learning rates (and dropout rates) trained at once in one fused
 * computation give each trial the weights, training logs and validation logs the single trainer
 * gives it alone, within float32 tolerance; with dropout too (the masks are drawn as tfjs draws them).
 */
import { before, after, test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { loadTensorFlow, type TensorFlow } from "../../../src/tfjs/backend";
import { watchTensors } from "../../../src/tfjs/memoryGuard";
import { disposeModel, trainTrial, type ModelBuilder, type TrialTraining } from "../../../src/tfjs/train";
import type { TrainingData } from "../../../src/tfjs/trainingData";
import { FusedTrainer, trainTrialFused } from "../../../src/tfjs/fused";
import { breastCancerSplits } from "../fixtures";

let tf: TensorFlow;
let binary: TrainingData;
let hot: TrainingData;

before(async () => {
  ({ tf } = await loadTensorFlow());
  ({ binary, hot } = breastCancerSplits(tf));
});

after(() => {
  binary.dispose();
  hot.dispose();
});

interface Params {
  readonly units: number;
  readonly lr: number;
  readonly dropout: number;
  readonly batchSize: number;
}

/** dense(units, relu) → dropout → dense(1, sigmoid); Adam(lr); binary cross-entropy; accuracy. */
const adamSigmoid: ModelBuilder<Params> = (p) => {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: p.units, activation: "relu", inputShape: [30] }));
  model.add(tf.layers.dropout({ rate: p.dropout }));
  model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
  model.compile({ optimizer: tf.train.adam(p.lr), loss: "binaryCrossentropy", metrics: ["accuracy"] });
  return model;
};

/** dense(units, sigmoid) → dense(units/2, tanh, no bias) → dense(2, softmax); SGD; categorical cross-entropy. */
const sgdSoftmax: ModelBuilder<Params> = (p) => {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: p.units, activation: "sigmoid", inputShape: [30] }));
  model.add(tf.layers.dense({ units: Math.max(2, Math.round(p.units / 2)), activation: "tanh", useBias: false }));
  model.add(tf.layers.dropout({ rate: p.dropout }));
  model.add(tf.layers.dense({ units: 2, activation: "softmax" }));
  model.compile({ optimizer: tf.train.sgd(p.lr), loss: "categoricalCrossentropy", metrics: ["accuracy", "mse"] });
  return model;
};

const TRIALS: readonly Params[] = [
  { units: 8, lr: 0.01, dropout: 0, batchSize: 16 },
  { units: 21, lr: 0.003, dropout: 0, batchSize: 32 },
  { units: 13, lr: 0.03, dropout: 0, batchSize: 50 },
];

function weightsOf(model: tfjs.LayersModel): Float32Array[] {
  return model.getWeights().map((weight) => weight.dataSync() as Float32Array);
}

function assertClose(actual: number, expected: number, what: string, tolerance = 2e-4): void {
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what}: fused ${actual} vs single ${expected}`);
}

function assertSameTraining(fused: TrialTraining, single: TrialTraining, label: string): void {
  assert.equal(fused.epochsRun, single.epochsRun, `${label} epochs`);
  assert.equal(fused.batchesRun, single.batchesRun, `${label} batches`);
  assert.equal(fused.metric, single.metric);
  assert.deepEqual(Object.keys(fused.history).sort(), Object.keys(single.history).sort(), `${label} history keys`);
  for (const [key, values] of Object.entries(single.history)) {
    values.forEach((value, e) => assertClose(fused.history[key]![e]!, value, `${label} ${key} at epoch ${e}`));
  }
  const fusedWeights = weightsOf(fused.model!);
  weightsOf(single.model!).forEach((weight, i) => {
    assert.deepEqual(fusedWeights[i]!.length, weight.length, `${label} weight ${i} size`);
    weight.forEach((value, j) => assertClose(fusedWeights[i]![j]!, value, `${label} weight ${i}[${j}]`, 1e-3));
  });
}

async function compare(build: ModelBuilder<Params>, data: TrainingData, trials: readonly Params[], metric: string): Promise<void> {
  const watch = watchTensors(tf);
  const trainer = new FusedTrainer(tf, data.folds[0]!, trials.length);
  const options = (p: Params, i: number) => ({ epochs: 4, batchSize: p.batchSize, metric, seed: 100 + i, keepModel: true, validateEveryEpoch: true });
  const fused = await Promise.all(trials.map((p, i) => trainTrialFused(tf, trainer, build, p, data, options(p, i))));
  trainer.dispose();
  const single: TrialTraining[] = [];
  for (const [i, p] of trials.entries()) single.push(await trainTrial(tf, build, p, data, options(p, i)));
  try {
    fused.forEach((result, i) => {
      assert.equal(result.fallback, undefined, `trial ${i} trained fused`);
      assertSameTraining(result, single[i]!, `trial ${i}`);
    });
  } finally {
    for (const result of [...fused, ...single]) disposeModel(result.model!);
  }
  watch.assertNoLeak("fused and single trainings whose models were disposed");
}

test("three trials of different widths, batch sizes and learning rates fused = each trained alone (Adam, sigmoid output)", async () => {
  await compare(adamSigmoid, binary, TRIALS, "val_acc");
});

test("two hidden layers (sigmoid, a bias-free tanh), SGD, softmax: fused = alone", async () => {
  await compare(sgdSoftmax, hot, TRIALS, "val_loss");
});

test("with dropout the masks are tfjs's own: fused = alone, rates differing per trial", async () => {
  await compare(adamSigmoid, binary, TRIALS.map((p, i) => ({ ...p, dropout: [0.3, 0, 0.5][i]! })), "val_acc");
  await compare(sgdSoftmax, hot, TRIALS.map((p, i) => ({ ...p, dropout: [0.2, 0.4, 0][i]! })), "val_acc");
});

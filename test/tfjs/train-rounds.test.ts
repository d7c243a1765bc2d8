/**
 * Continuing a member's training (src/tfjs/train-rounds.ts) with real TensorFlow.js training on
 * the breast-cancer data: a rebuilt copy holds its parent's weights and optimizer state, so it
 * trains on exactly as the parent would; an architecture change is refused; no tensor leaks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { loadTensorFlow } from "../../src/tfjs/backend";
import { buildTrialModel, disposeModel } from "../../src/tfjs/train";
import { ArchitectureMismatchError, rebuildWithState, trainRound } from "../../src/tfjs/train-rounds";
import { prepareTrainingData, type TrainingData } from "../../src/tfjs/trainingData";
import { breastCancer, denseClassifier, type DenseParams } from "./fixtures";

/** Every weight's values, in order. */
function weightValues(model: tfjs.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

/** The optimizer's state as plain numbers (the step count first), disposing what getWeights made. */
async function optimizerState(tf: typeof tfjs, model: tfjs.LayersModel): Promise<number[][]> {
  const named = await model.optimizer.getWeights();
  const values = named.map((w) => Array.from(w.tensor.dataSync()));
  tf.dispose(named.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  return values;
}

/** |a_i − b_i| ≤ tolerance · max(1, |b_i|) for every i. */
function assertClose(a: readonly number[], b: readonly number[], tolerance: number, what: string): void {
  assert.equal(a.length, b.length, what);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= tolerance * Math.max(1, Math.abs(b[i]!)), `${what}[${i}]: ${v} vs ${b[i]}`));
}

async function setUp(): Promise<{ tf: typeof tfjs; data: TrainingData; build: (p: DenseParams) => tfjs.LayersModel }> {
  const { tf } = await loadTensorFlow();
  const { x, y } = breastCancer();
  const data = prepareTrainingData(tf, x, y, { validation: { kind: "fraction", fraction: 0.25 }, seed: 5 });
  return { tf, data, build: denseClassifier(tf) };
}

const ROUND = { epochs: 2, batchSize: 32, metric: "val_loss", firstStep: 0 } as const;

test("a copy's weights and optimizer state equal its parent's at the copy, and it trains on exactly as the parent", async () => {
  const { tf, data, build } = await setUp();
  const before = tf.memory().numTensors;
  const params = { units: 8, lr: 0.01, dropout: 0 };
  const parent = await buildTrialModel(build, params, 0, { seed: 11 });
  const fold = data.folds[0]!;
  await trainRound(tf, parent, fold, { ...ROUND, seed: 1 });
  const copy = await rebuildWithState(tf, build, params, parent, fold, { seed: 99 });
  assert.deepEqual(weightValues(copy), weightValues(parent), "weights copied");
  const parentState = await optimizerState(tf, parent);
  assert.equal(parentState.length, 1 + 2 * 4, "Adam: the step count and two moments per weight");
  assert.ok(parentState[1]!.some((v) => v !== 0), "the parent's moments are not zero after training");
  assert.deepEqual(await optimizerState(tf, copy), parentState, "optimizer state copied");
  // Same seed, same round: the copy continues as its parent does, to float32 rounding (Adam's β^t is
  // recomputed as a power at the copy, not the running product), while fresh moments would not.
  const fromParent = await trainRound(tf, parent, fold, { ...ROUND, seed: 2, firstStep: 2 });
  const fromCopy = await trainRound(tf, copy, fold, { ...ROUND, seed: 2, firstStep: 2 });
  assert.deepEqual(Object.keys(fromCopy.history).sort(), Object.keys(fromParent.history).sort());
  for (const [name, values] of Object.entries(fromParent.history)) assertClose(fromCopy.history[name]!, values, 1e-5, name);
  weightValues(parent).forEach((values, i) => assertClose(weightValues(copy)[i]!, values, 1e-5, `weight ${i}`));
  const fresh = await buildTrialModel(build, params, 0, { seed: 99 });
  fresh.setWeights(parent.getWeights());
  const withoutState = await trainRound(tf, fresh, fold, { ...ROUND, seed: 3 });
  const withState = await trainRound(tf, copy, fold, { ...ROUND, seed: 3 });
  const gap = Math.abs(withoutState.history["val_loss"]![0]! - withState.history["val_loss"]![0]!);
  assert.ok(gap > 1e-3, `the optimizer state matters: fresh moments change the next epoch's val_loss by ${gap}`);
  [parent, copy, fresh].forEach(disposeModel);
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
  data.dispose();
});

test("a copy takes new perturbable parameters: its optimizer's learning rate and its dropout rate", async () => {
  const { tf, data, build } = await setUp();
  const before = tf.memory().numTensors;
  const parent = await buildTrialModel(build, { units: 8, lr: 0.01, dropout: 0 }, 0, { seed: 11 });
  await trainRound(tf, parent, data.folds[0]!, { ...ROUND, seed: 1 });
  const copy = await rebuildWithState(tf, build, { units: 8, lr: 0.012, dropout: 0.3 }, parent, data.folds[0]!, { seed: 5 });
  assert.equal((copy.optimizer as unknown as { learningRate: number }).learningRate, 0.012);
  assert.equal((copy.layers[1]!.getConfig() as { rate: number }).rate, 0.3);
  assert.deepEqual(weightValues(copy), weightValues(parent));
  [parent, copy].forEach(disposeModel);
  assert.equal(tf.memory().numTensors, before);
  data.dispose();
});

test("a copy with another architecture is refused with the weight that differs, and nothing leaks", async () => {
  const { tf, data, build } = await setUp();
  const before = tf.memory().numTensors;
  const parent = await buildTrialModel(build, { units: 8, lr: 0.01, dropout: 0 }, 0, { seed: 11 });
  await trainRound(tf, parent, data.folds[0]!, { ...ROUND, seed: 1 });
  await assert.rejects(
    rebuildWithState(tf, build, { units: 9, lr: 0.01, dropout: 0 }, parent, data.folds[0]!, { seed: 5 }),
    (error: unknown) => error instanceof ArchitectureMismatchError && /weight 0 .* has shape \[30, 9\], but the member it copies has \[30, 8\]/.test(error.message),
  );
  disposeModel(parent);
  assert.equal(tf.memory().numTensors, before);
  data.dispose();
});

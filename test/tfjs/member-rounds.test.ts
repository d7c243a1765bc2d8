/**
 * PBT members as data (src/tfjs/member-state.ts) and their rounds on a pool's thread
 * (TrainingPool.trainRound), with real TensorFlow.js training on the breast-cancer data: state
 * round trips exactly, a copy made on data holds its parent's weights and optimizer state with its
 * own parameters, and a round on a worker thread gives what the same round gives in this thread.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { loadTensorFlow } from "../../src/tfjs/backend";
import { buildTrialModel, disposeModel } from "../../src/tfjs/train";
import { ArchitectureMismatchError, trainRound } from "../../src/tfjs/train-rounds";
import { captureMemberState, copyMemberState, restoreMemberState, trainMemberRound, type MemberState } from "../../src/tfjs/member-state";
import { TrainingPool } from "../../src/tfjs/pool";
import { prepareTrainingData, type TrainingData } from "../../src/tfjs/trainingData";
import { breastCancer, denseClassifier, RecordingReporter, type DenseParams } from "./fixtures";

const ROUND = { epochs: 2, batchSize: 32, metric: "val_loss", firstStep: 0 } as const;
const DATA_NAMES = { x: "x", y: "y" } as const;

async function setUp(): Promise<{ tf: typeof tfjs; backend: string; data: TrainingData; build: (p: DenseParams) => tfjs.LayersModel }> {
  const { tf, backend } = await loadTensorFlow();
  const { x, y } = breastCancer();
  const data = prepareTrainingData(tf, x, y, { validation: { kind: "fraction", fraction: 0.25 }, seed: 5 });
  return { tf, backend, data, build: denseClassifier(tf) };
}

/** A state's weights and optimizer slots as plain numbers. */
function numbers(state: MemberState): { weights: number[][]; optimizer: number[][] } {
  return { weights: state.model.weights.map((w) => Array.from(w.values)), optimizer: state.optimizer.map((w) => Array.from(w.values)) };
}

/** A member trained for one round in this thread, as data. */
async function trainedMember(tf: typeof tfjs, build: (p: DenseParams) => tfjs.LayersModel, data: TrainingData, params: DenseParams): Promise<MemberState> {
  const model = await buildTrialModel(build, params, 0, { seed: 11 });
  try {
    await trainRound(tf, model, data.folds[0]!, { ...ROUND, seed: 1 });
    return await captureMemberState(tf, model);
  } finally {
    disposeModel(model);
  }
}

test("a member's state round-trips exactly: weights, Adam's step count and moments", async () => {
  const { tf, data, build } = await setUp();
  const before = tf.memory().numTensors;
  const state = await trainedMember(tf, build, data, { units: 8, lr: 0.01, dropout: 0 });
  assert.equal(state.optimizer.length, 1 + 2 * 4, "the step count and two moments per weight");
  assert.ok(state.optimizer[1]!.values.some((v) => v !== 0), "the moments are not zero after a round");
  const model = await restoreMemberState(tf, state);
  const again = await captureMemberState(tf, model);
  assert.deepEqual(numbers(again), numbers(state));
  disposeModel(model);
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
  data.dispose();
});

test("a copy on data: the parent's weights and optimizer state at the copy, its own learning rate and dropout, no shared buffer", async () => {
  const { tf, data, build } = await setUp();
  const parent = await trainedMember(tf, build, data, { units: 8, lr: 0.01, dropout: 0 });
  const before = numbers(parent);
  const copy = await copyMemberState(build, { units: 8, lr: 0.012, dropout: 0.3 }, parent, data.folds[0]!, { seed: 5 });
  assert.deepEqual(numbers(copy), before, "weights and optimizer state equal the parent's at the copy");
  const config = copy.model.trainingConfig as { optimizer_config: { config: { learningRate: number } } };
  assert.equal(config.optimizer_config.config.learningRate, 0.012);
  const layers = (copy.model.topology as { config: { layers: { class_name: string; config: { rate?: number } }[] } }).config.layers;
  assert.equal(layers.find((l) => l.class_name === "Dropout")!.config.rate, 0.3);
  copy.model.weights[0]!.values[0] = 1234;
  assert.deepEqual(numbers(parent), before, "the parent is unchanged and shares no buffer with the copy");
  await assert.rejects(
    copyMemberState(build, { units: 9, lr: 0.01, dropout: 0 }, parent, data.folds[0]!, { seed: 5 }),
    (error: unknown) => error instanceof ArchitectureMismatchError && /has shape \[30, 9\], but the member it copies has \[30, 8\]/.test(error.message),
  );
  data.dispose();
});

test("a round on a pool's thread gives the values, reports and state of the same round in this thread", async () => {
  const { tf, backend, data, build } = await setUp();
  const state = await trainedMember(tf, build, data, { units: 8, lr: 0.01, dropout: 0.1 });
  const options = { ...ROUND, seed: 7, firstStep: 2 };
  const here = new RecordingReporter();
  const local = await trainMemberRound(tf, state, data.folds[0]!, { ...options, reporter: here, dataNames: DATA_NAMES });
  const pool = await TrainingPool.start({ size: 1, backend: backend as "wasm", data });
  try {
    const there = new RecordingReporter();
    const pooled = await pool.trainRound({ state, ...options, dataNames: DATA_NAMES }, there);
    assert.deepEqual(pooled.result, local.result);
    assert.deepEqual(there.reports, here.reports);
    assert.deepEqual(here.reports.map((r) => r.step), [2, 3], "steps count from the member's first epoch of the round");
    assert.deepEqual(numbers(pooled.state), numbers(local.state));
    assert.ok(state.model.weights.every((w) => w.values.length > 0), "the caller's state is not transferred away");
  } finally {
    await pool.close();
  }
  data.dispose();
});

test("an aborted round on a pool's thread rejects as an interrupt", async () => {
  const { tf, backend, data, build } = await setUp();
  const state = await trainedMember(tf, build, data, { units: 8, lr: 0.01, dropout: 0 });
  const pool = await TrainingPool.start({ size: 1, backend: backend as "wasm", data });
  try {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(pool.trainRound({ state, ...ROUND, seed: 3, dataNames: DATA_NAMES }, undefined, controller.signal), (error: unknown) => (error as Error).name === "AbortError");
  } finally {
    await pool.close();
  }
  data.dispose();
});

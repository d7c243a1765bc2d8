/** The one best-model rule of a model search (and its top K), on stand-in models (no TensorFlow.js). */
import { test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { BestModelKeeper, type KeptModels } from "../../../src/magic/tune/best-model";

/** A stand-in model that records whether it was disposed (and fails when disposed twice). */
function fakeModel(name: string): tfjs.LayersModel & { disposed: boolean } {
  const model = {
    name,
    disposed: false,
    optimizer: undefined,
    dispose: () => {
      assert.equal(model.disposed, false, `${name} disposed twice`);
      model.disposed = true;
    },
  };
  return model as unknown as tfjs.LayersModel & { disposed: boolean };
}

/** What a study holds for the keeper. */
function keptModels(): KeptModels {
  return { bestModel: undefined, bestModelTrialNumber: undefined, runnerUpModels: new Map() };
}

const minimize = (a: number, b: number): boolean => a < b;

test("models in hand: the best of the run is kept with its trial number, every other one disposed", async () => {
  const bound = keptModels();
  const keeper = new BestModelKeeper(bound, minimize);
  const [a, b, c, d, e] = ["a", "b", "c", "d", "e"].map(fakeModel);
  await keeper.offer(0.5, false, { kind: "in-hand", model: a! }, 0);
  assert.equal(bound.bestModel, a);
  assert.equal(bound.bestModelTrialNumber, 0);
  await keeper.offer(0.7, false, { kind: "in-hand", model: b! }, 1);
  assert.equal(bound.bestModel, a);
  assert.ok(b!.disposed, "a worse model is disposed");
  await keeper.offer(0.2, true, { kind: "in-hand", model: c! }, 2);
  assert.ok(c!.disposed && bound.bestModel === a, "a pruned trial's model is never kept");
  await keeper.offer(Number.NaN, false, { kind: "in-hand", model: d! }, 3);
  assert.ok(d!.disposed && bound.bestModel === a, "nor one without a finite value");
  await keeper.offer(0.5, false, { kind: "in-hand", model: e! }, 4);
  assert.ok(e!.disposed && bound.bestModel === a, "a tie keeps the first");
  await keeper.offer(0.1, false, undefined, 5);
  assert.equal(bound.bestModel, a, "no model on offer (--no-keep-best) changes nothing");
  const f = fakeModel("f");
  await keeper.offer(0.3, false, { kind: "in-hand", model: f }, 6);
  assert.ok(bound.bestModel === f && a!.disposed, "a better model replaces (and disposes) the kept one");
  assert.equal(bound.bestModelTrialNumber, 6);
  assert.equal(bound.runnerUpModels.size, 0, "the best only: no runner-ups");
});

test("restorable models: decided on arrival, a rebuild overtaken meanwhile is disposed", async () => {
  const bound = keptModels();
  const keeper = new BestModelKeeper(bound, (a, b) => a > b);
  const slow = fakeModel("slow");
  const fast = fakeModel("fast");
  let release: () => void = () => undefined;
  const slowRestore = new Promise<void>((resolve) => (release = resolve));
  let restoredWorse = false;
  const first = keeper.offer(0.8, false, { kind: "restorable", restore: async () => (await slowRestore, slow) }, 0);
  await keeper.offer(0.9, false, { kind: "restorable", restore: async () => fast }, 1);
  await keeper.offer(0.85, false, { kind: "restorable", restore: async () => ((restoredWorse = true), fakeModel("worse")) }, 2);
  assert.equal(restoredWorse, false, "a model not better than the kept one is not even rebuilt");
  release();
  await first;
  assert.equal(bound.bestModel, fast);
  assert.equal(bound.bestModelTrialNumber, 1);
  assert.ok(slow.disposed, "the overtaken rebuild is disposed");
});

test("the top K (--test-top): the K best kept, best first, each dropped one disposed once, in any arrival order", async () => {
  const bound = keptModels();
  const keeper = new BestModelKeeper(bound, minimize, 3);
  const values = [0.5, 0.9, 0.3, 0.7, 0.1, 0.6, 0.4];
  const models = values.map((_, i) => fakeModel(`m${i}`));
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  // Trial 4 (the best) is rebuilt slowly: the others arrive meanwhile.
  const slow = keeper.offer(values[4]!, false, { kind: "restorable", restore: async () => (await held, models[4]!) }, 4);
  for (const i of [0, 1, 2, 3, 5, 6]) await keeper.offer(values[i]!, false, { kind: "in-hand", model: models[i]! }, i);
  assert.equal(bound.bestModelTrialNumber, 2, "until #4's model arrives, the best in hand is on show");
  release();
  await slow;
  // Best three: #4 (0.1), #2 (0.3), #6 (0.4).
  assert.equal(bound.bestModel, models[4]);
  assert.equal(bound.bestModelTrialNumber, 4);
  assert.deepEqual([...bound.runnerUpModels.keys()], [2, 6], "runner-ups best first");
  assert.deepEqual(models.map((m) => m.disposed), [true, true, false, true, false, true, false]);
  const refit = fakeModel("refit");
  keeper.replace(refit, 4);
  assert.ok(bound.bestModel === refit && models[4]!.disposed && bound.bestModelTrialNumber === 4, "the refit replaces the best one only");
  assert.deepEqual([...bound.runnerUpModels.keys()], [2, 6]);
});

test("replace (the --cv refit) swaps the kept model, takes the refitted trial's number and disposes the old one", async () => {
  const bound = keptModels();
  const keeper = new BestModelKeeper(bound, minimize);
  const trial = fakeModel("trial");
  await keeper.offer(1, false, { kind: "in-hand", model: trial }, 7);
  const refitted = fakeModel("refit");
  keeper.replace(refitted, 2);
  assert.equal(bound.bestModel, refitted);
  assert.equal(bound.bestModelTrialNumber, 2, "a refit of the best trial (say one --from copied) is that trial's model");
  assert.ok(trial.disposed);
  assert.throws(() => new BestModelKeeper(keptModels(), minimize, 0), /capacity must be a positive integer/);
});

/** The one best-model rule of a model search, on stand-in models (no TensorFlow.js). */
import { test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { BestModelKeeper } from "../../../src/magic/tune/best-model";

/** A stand-in model that records whether it was disposed. */
function fakeModel(name: string): tfjs.LayersModel & { disposed: boolean } {
  const model = { name, disposed: false, optimizer: undefined, dispose: () => void (model.disposed = true) };
  return model as unknown as tfjs.LayersModel & { disposed: boolean };
}

const minimize = (a: number, b: number): boolean => a < b;

test("models in hand: the best of the run is kept, every other one disposed", async () => {
  const bound: { bestModel: tfjs.LayersModel | undefined } = { bestModel: undefined };
  const keeper = new BestModelKeeper(bound, minimize);
  const [a, b, c, d, e] = ["a", "b", "c", "d", "e"].map(fakeModel);
  await keeper.offer(0.5, false, { kind: "in-hand", model: a! });
  assert.equal(bound.bestModel, a);
  await keeper.offer(0.7, false, { kind: "in-hand", model: b! });
  assert.equal(bound.bestModel, a);
  assert.ok(b!.disposed, "a worse model is disposed");
  await keeper.offer(0.2, true, { kind: "in-hand", model: c! });
  assert.ok(c!.disposed && bound.bestModel === a, "a pruned trial's model is never kept");
  await keeper.offer(Number.NaN, false, { kind: "in-hand", model: d! });
  assert.ok(d!.disposed && bound.bestModel === a, "nor one without a finite value");
  await keeper.offer(0.5, false, { kind: "in-hand", model: e! });
  assert.ok(e!.disposed && bound.bestModel === a, "a tie keeps the first");
  await keeper.offer(0.1, false, undefined);
  assert.equal(bound.bestModel, a, "no model on offer (--no-keep-best) changes nothing");
  const f = fakeModel("f");
  await keeper.offer(0.3, false, { kind: "in-hand", model: f });
  assert.ok(bound.bestModel === f && a!.disposed, "a better model replaces (and disposes) the kept one");
});

test("restorable models: decided on arrival, a rebuild overtaken meanwhile is disposed", async () => {
  const bound: { bestModel: tfjs.LayersModel | undefined } = { bestModel: undefined };
  const keeper = new BestModelKeeper(bound, (a, b) => a > b);
  const slow = fakeModel("slow");
  const fast = fakeModel("fast");
  let release: () => void = () => undefined;
  const slowRestore = new Promise<void>((resolve) => (release = resolve));
  let restoredWorse = false;
  const first = keeper.offer(0.8, false, { kind: "restorable", restore: async () => (await slowRestore, slow) });
  await keeper.offer(0.9, false, { kind: "restorable", restore: async () => fast });
  await keeper.offer(0.85, false, { kind: "restorable", restore: async () => ((restoredWorse = true), fakeModel("worse")) });
  assert.equal(restoredWorse, false, "a model not better than the kept one is not even rebuilt");
  release();
  await first;
  assert.equal(bound.bestModel, fast);
  assert.ok(slow.disposed, "the overtaken rebuild is disposed");
});

test("replace (the --cv refit) swaps the kept model and disposes the old one", async () => {
  const bound: { bestModel: tfjs.LayersModel | undefined } = { bestModel: undefined };
  const keeper = new BestModelKeeper(bound, minimize);
  const trial = fakeModel("trial");
  await keeper.offer(1, false, { kind: "in-hand", model: trial });
  const refitted = fakeModel("refit");
  keeper.replace(refitted);
  assert.equal(bound.bestModel, refitted);
  assert.ok(trial.disposed);
});

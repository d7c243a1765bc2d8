/**
 * The cell's interrupt signal across a search: a 30-trial search on worker threads puts one
 * "abort" listener on it at a time (one per pool, not one per running trial: Node warns from
 * 11 on) and leaves none behind; and `Math.random` is the process's own afterwards.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { irisNotebook } from "./iris-notebook";

test("a 30-trial search on two threads holds at most one abort listener and leaves none; Math.random is restored", async () => {
  const { context, run } = await irisNotebook();
  const signal = context.signal;
  let most = 0;
  const add = signal.addEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<AbortSignal["addEventListener"]>) => {
    add(...args);
    most = Math.max(most, getEventListeners(signal, "abort").length);
  }) as AbortSignal["addEventListener"];
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning.message);
  };
  process.on("warning", onWarning);
  const random = Math.random;
  try {
    await run(`%%tune --model buildModel --data xTrain,yTrain --epochs 2 --workers 2 --pruner median --strategy random --trials 30 --seed 2 --out s
lr: loguniform(1e-3, 1e-1)`);
  } finally {
    process.off("warning", onWarning);
  }
  assert.equal((context.lookup("s") as { trials: unknown[] }).trials.length, 30);
  assert.match(context.stdoutText(), /Training 2 trials at once/);
  assert.equal(most, 1, "one listener for the pool's running trials");
  assert.equal(getEventListeners(signal, "abort").length, 0, "none left after the search");
  assert.deepEqual(warnings.filter((w) => /listener/i.test(w)), []);
  assert.equal(Math.random, random, "Math.random is not left seeded");
});

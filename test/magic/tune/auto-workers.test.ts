/**
 * `%%tune --workers auto` (the default), the session's pool kept warm across cells, and seeded
 * repeatability with several workers, through the magic front end with real training on worker
 * threads on the iris data (the kernel replaced by the magic tests' FakeContext).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import type * as tfjs from "@tensorflow/tfjs";
import { poolThreadsStarted, sessionPool } from "../../../src/tfjs/pool";
import { NotebookStudy } from "../../../src/magic/tune";
import { autoWorkers } from "../../../src/magic/tune/worker-search";
import { irisNotebook, type IrisNotebook } from "./iris-notebook";

const SPACE = `units: int(4, 16, log)
lr: loguniform(1e-3, 1e-1)
activation: choice("relu", "tanh")`;

after(() => sessionPool.close());

/** A fresh notebook with the iris data and a serialisable builder. */
async function notebook(): Promise<IrisNotebook> {
  return irisNotebook({
    builders: {
      buildModel: (tf, params) => {
        const model = tf.sequential();
        model.add(tf.layers.dense({ inputShape: [4], units: params["units"] as number, activation: params["activation"] as "relu" }));
        model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
        model.compile({ optimizer: tf.train.adam(params["lr"] as number), loss: "categoricalCrossentropy", metrics: ["accuracy"] } as tfjs.ModelCompileArgs);
        return model;
      },
    },
  });
}

test("without --workers, a search trains one trial per core to give (the documented rule) and says so in one line", async () => {
  const { context, run } = await notebook();
  await run(`%%tune --model buildModel --data xTrain,yTrain --epochs 1 --strategy random --trials 8 --seed 4 --no-live\n${SPACE}`);
  const cores = availableParallelism();
  const expected = Math.min(autoWorkers(cores), 8);
  const lines = context.stdoutText().split("\n").filter((line) => /--workers auto/.test(line));
  assert.equal(lines.length, 1, context.stdoutText());
  if (expected > 1) {
    assert.match(lines[0]!, new RegExp(`^Training ${expected} trials at once on worker threads \\((wasm|cpu|tensorflow); --workers auto: ${cores} cores`));
  } else {
    assert.match(lines[0]!, /^Training one trial at a time in the notebook's thread \(--workers auto: 1 core\)\.$/);
  }
  const study = context.lookup("study") as NotebookStudy;
  assert.equal(study.trials.filter((t) => t.state === "complete").length, 8);
  study.dispose();
});

test("the rule: every core below 4, one left to the notebook from 4 up", () => {
  assert.deepEqual([1, 2, 3, 4, 8, 64].map((cores) => autoWorkers(cores)), [1, 2, 3, 3, 7, 63]);
});

test("a second %%tune cell reuses the first cell's worker threads", async () => {
  const { context, run } = await notebook();
  const cell = (out: string, seed: number): string =>
    `%%tune --model buildModel --data xTrain,yTrain --epochs 1 --strategy random --trials 2 --seed ${seed} --workers 2 --no-live --out ${out}\n${SPACE}`;
  await run(cell("first", 1));
  const pool = sessionPool.current;
  assert.ok(pool !== undefined && pool.size === 2, "the pool is kept after the cell");
  const threads = [...pool.threadIds];
  const started = poolThreadsStarted();
  await run(cell("second", 2));
  assert.equal(sessionPool.current, pool);
  assert.deepEqual(sessionPool.current.threadIds, threads);
  assert.equal(poolThreadsStarted(), started, "no thread started for the second cell");
  for (const out of ["first", "second"]) {
    const study = context.lookup(out) as NotebookStudy;
    assert.equal(study.trials.filter((t) => t.state === "complete").length, 2);
    study.dispose();
  }
});

test("--seed 3 --workers 2 twice gives the same parameters and values per trial number, and says it is repeatable", async () => {
  const { context, run } = await notebook();
  const cell = (out: string): string =>
    `%%tune --model buildModel --data xTrain,yTrain --epochs 3 --metric val_acc --strategy tpe --startup-trials 2 --trials 6 --seed 3 --workers 2 --no-live --out ${out}\n${SPACE}`;
  await run(cell("a"));
  await run(cell("b"));
  const trialsOf = (out: string) => (context.lookup(out) as NotebookStudy).trials.map((t) => ({ number: t.number, params: t.params, value: t.value, state: t.state }));
  const a = trialsOf("a");
  assert.equal(a.length, 6);
  assert.ok(a.every((t) => t.state === "complete"));
  assert.deepEqual(trialsOf("b"), a);
  assert.equal(context.stdoutText().match(/Repeatable: --seed 3 with 2 workers gives the same trials again\./g)?.length, 2);
  await run(`%%tune --model buildModel --data xTrain,yTrain --epochs 2 --strategy random --trials 2 --seed 3 --workers 2 --pruner median --no-live --out c\n${SPACE}`);
  assert.match(context.stdoutText(), /Not exactly repeatable with 2 workers: --pruner median compares each trial with the trials running beside it/);
  for (const out of ["a", "b", "c"]) (context.lookup(out) as NotebookStudy).dispose();
});

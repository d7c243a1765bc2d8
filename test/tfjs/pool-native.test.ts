/**
 * Worker threads and the native backend (`@tensorflow/tfjs-node`): a pool asked for it runs it in
 * every thread with the cores split between the threads, and trains as this thread does; where
 * the native library cannot start in a thread, the threads fall back as the main thread does and
 * say why. The native success path is skipped, with the reason printed, where tfjs-node is absent.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { selectBackend, type LoadedTensorFlow } from "../../src/tfjs/backend";
import { nativeThreadSettings, TrainingPool, trainTrialInPool } from "../../src/tfjs/pool";
import { trainTrial } from "../../src/tfjs/train";
import { prepareTrainingData, type TrainingData } from "../../src/tfjs/trainingData";
import { breastCancer, denseClassifier } from "./fixtures";

/** The native backend in this thread, or why it cannot start here. */
let native: LoadedTensorFlow | string;
let data: TrainingData | undefined;

before(async () => {
  try {
    native = await selectBackend({ order: ["tensorflow"] });
  } catch (error) {
    native = (error as Error).message;
  }
});

after(() => data?.dispose());

describe("TrainingPool on the native backend", () => {
  test("threads asked for tensorflow run it, or fall back to the main thread's next backend and say why", async () => {
    const pool = await TrainingPool.start({ size: 1, backend: "tensorflow" });
    try {
      if (pool.backend === "tensorflow") {
        assert.equal(pool.fallback, undefined);
      } else {
        assert.ok(pool.backend === "wasm" || pool.backend === "cpu", pool.backend);
        assert.match(pool.fallback ?? "", /^tensorflow did not start in a worker thread \(.*tfjs-node/);
        assert.match(pool.description, /^1 worker \(worker threads, (wasm|cpu): tensorflow did not start in a worker thread/);
      }
    } finally {
      await pool.close();
    }
  });

  test("the success path: two native threads share the cores and train as this thread does", async (t) => {
    if (typeof native === "string") {
      t.skip(`tfjs-node's native library is absent on this machine: ${native}`);
      return;
    }
    const { tf } = native;
    const { x, y } = breastCancer();
    data = prepareTrainingData(tf, x, y, { validation: { kind: "fraction", fraction: 0.2 }, seed: 1 });
    const pool = await TrainingPool.start({ size: 2, backend: "tensorflow", data });
    try {
      assert.equal(pool.backend, "tensorflow", pool.fallback);
      for (const [name, value] of Object.entries(nativeThreadSettings(2))) {
        assert.ok(process.env[name] !== undefined, `${name} is set before the threads start (default ${value})`);
      }
      const params = { units: 6, lr: 0.01, dropout: 0 };
      const options = { epochs: 2, batchSize: 32, metric: "val_acc", seed: 4 };
      const there = await trainTrialInPool(tf, pool, denseClassifier(tf), params, 1, options);
      const here = await trainTrial(tf, denseClassifier(tf), params, data, options);
      assert.deepEqual(there.history, here.history);
    } finally {
      await pool.close();
    }
  });
});

/**
 * The warm pool kept across searches, with real threads and real training on the breast-cancer
 * data: the same threads serve the next search, data is replaced when it changes (results then
 * equal training on the new data here), a pool with a dead thread is replaced, and kept threads
 * do not hold the process.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { extname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadTensorFlow, type LoadedTensorFlow, type TensorFlow } from "../../src/tfjs/backend";
import { nativeThreadSettings, poolThreadsStarted, trainTrialInPool, WarmPool } from "../../src/tfjs/pool";
import { trainTrial } from "../../src/tfjs/train";
import { prepareTrainingData, type TrainingData } from "../../src/tfjs/trainingData";
import { breastCancer, denseClassifier, type DenseParams } from "./fixtures";

let loaded: LoadedTensorFlow;
let tf: TensorFlow;
const pools = new WarmPool();
const made: TrainingData[] = [];

/** The breast-cancer data split with `seed` (another seed, another split: other data for the threads). */
function split(seed: number): TrainingData {
  const { x, y } = breastCancer();
  const data = prepareTrainingData(tf, x, y, { validation: { kind: "fraction", fraction: 0.2 }, seed });
  made.push(data);
  return data;
}

before(async () => {
  loaded = await loadTensorFlow();
  tf = loaded.tf;
});

after(async () => {
  await pools.close();
  for (const data of made) data.dispose();
});

const params: DenseParams = { units: 6, lr: 0.01, dropout: 0.1 };
const options = { epochs: 2, batchSize: 32, metric: "val_acc", seed: 9 };

describe("WarmPool", () => {
  test("a pool given back serves the next search with the same threads; new data replaces the threads' data", async () => {
    const first = split(1);
    const pool = await pools.borrow(2, loaded.backend, first);
    const threads = [...pool.threadIds];
    const started = poolThreadsStarted();
    await trainTrialInPool(tf, pool, denseClassifier(tf), params, 1, options);
    await pools.giveBack(pool);
    assert.equal(pools.current, pool, "kept after the search");

    // The same rows again (new tensors, same values), then another split.
    const again = await pools.borrow(2, loaded.backend, split(1));
    assert.equal(again, pool);
    assert.deepEqual(again.threadIds, threads);
    await pools.giveBack(again);
    const second = split(2);
    const reused = await pools.borrow(2, loaded.backend, second);
    assert.equal(reused, pool);
    assert.equal(poolThreadsStarted(), started, "no thread started for the later searches");
    const there = await trainTrialInPool(tf, reused, denseClassifier(tf), params, 1, options);
    const here = await trainTrial(tf, denseClassifier(tf), params, second, options);
    const onFirst = await trainTrial(tf, denseClassifier(tf), params, first, options);
    assert.deepEqual(there.history, here.history, "the threads train on the new split");
    assert.notDeepEqual(here.history, onFirst.history, "the two splits give different histories");
    await pools.giveBack(reused);
  });

  test("another size replaces the kept pool; a pool lent out is not shared", async () => {
    const data = split(1);
    const kept = await pools.borrow(2, loaded.backend, data);
    const meanwhile = await pools.borrow(2, loaded.backend, data);
    assert.notEqual(meanwhile, kept, "a second search at the same time gets its own threads");
    await pools.giveBack(meanwhile);
    assert.equal(meanwhile.healthy, false, "the extra pool is closed when given back");
    await pools.giveBack(kept);
    const one = await pools.borrow(1, loaded.backend, data);
    assert.equal(one.size, 1);
    assert.equal(kept.healthy, false, "the two-thread pool was closed");
    assert.equal(pools.current, one);
    await pools.giveBack(one);
  });

  test("a pool whose thread died is closed when given back and replaced by new threads", async () => {
    const data = split(1);
    const pool = await pools.borrow(2, loaded.backend, data);
    // A thread dying as a crash would end it (the pool's slots are private: reached for this test only).
    const slots = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots;
    await slots[0]!.worker.terminate();
    assert.equal(pool.healthy, false);
    await pools.giveBack(pool);
    const fresh = await pools.borrow(2, loaded.backend, data);
    assert.notEqual(fresh, pool);
    assert.ok(fresh.threadIds.every((id) => !pool.threadIds.includes(id)), "new threads");
    const result = await trainTrialInPool(tf, fresh, denseClassifier(tf), params, 1, options);
    assert.equal(result.epochsRun, 2);
    await pools.giveBack(fresh);
  });

  test("a process whose kept pool waits for the next search still exits by itself", async () => {
    const script = join(__dirname, "fixtures", `warm-pool-exit${extname(__filename)}`);
    const child = spawn(process.execPath, [...process.execArgv, script], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
    clearTimeout(timer);
    assert.equal(signal, null, `the process had to be killed: still running 60 s later (${out})`);
    assert.equal(code, 0, err);
    assert.equal(out, "trained 1\nkept 2\n");
  });

  test("native backend threads split the cores between them", () => {
    assert.deepEqual(nativeThreadSettings(2, 8), { TF_NUM_INTRAOP_THREADS: "4", TF_NUM_INTEROP_THREADS: "1" });
    assert.deepEqual(nativeThreadSettings(3, 2), { TF_NUM_INTRAOP_THREADS: "1", TF_NUM_INTEROP_THREADS: "1" });
  });
});

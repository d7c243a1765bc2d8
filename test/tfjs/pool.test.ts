/**
 * The worker-thread pool with real training on the breast-cancer data: results equal to training
 * in this thread, pruning and aborts across threads, models that cannot cross, no leaks, and
 * every thread terminated (the test process must exit).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { extname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import type * as tfjs from "@tensorflow/tfjs";
import { loadTensorFlow, type BackendName, type LoadedTensorFlow, type TensorFlow } from "../../src/tfjs/backend";
import { describeModel, TrainingPool, trainTrialInPool, UnserialisableModelError } from "../../src/tfjs/pool";
import { disposeModel, TrainingAbortedError, trainTrial } from "../../src/tfjs/train";
import { prepareTrainingData, type TrainingData } from "../../src/tfjs/trainingData";
import { breastCancer, denseClassifier, RecordingReporter, type DenseParams } from "./fixtures";

let loaded: LoadedTensorFlow;
let tf: TensorFlow;
let data: TrainingData;
let pool: TrainingPool;

before(async () => {
  loaded = await loadTensorFlow();
  tf = loaded.tf;
  const { x, y } = breastCancer();
  data = prepareTrainingData(tf, x, y, { validation: { kind: "fraction", fraction: 0.2 }, seed: 1 });
  pool = await TrainingPool.start({ size: 2, backend: loaded.backend, data });
});

after(async () => {
  await pool?.close();
  data?.dispose();
});

const params: DenseParams = { units: 8, lr: 0.01, dropout: 0.2 };
const options = (seed: number) => ({ epochs: 3, batchSize: 32, metric: "val_acc", seed });

describe("TrainingPool", () => {
  test("runs every thread on the main thread's backend", () => {
    assert.equal(pool.size, 2);
    assert.equal(pool.backend, loaded.backend);
    assert.equal(pool.description, `2 workers (worker threads, ${loaded.backend})`);
  });

  test("two trials at once on two threads give exactly the metrics of training them here", async () => {
    const build = denseClassifier(tf);
    const [a, b] = await Promise.all([
      trainTrialInPool(tf, pool, build, params, 1, options(11)),
      trainTrialInPool(tf, pool, build, { ...params, units: 4 }, 1, options(12)),
    ]);
    const here = await trainTrial(tf, build, params, data, options(11));
    const hereB = await trainTrial(tf, build, { ...params, units: 4 }, data, options(12));
    assert.deepEqual(a!.history, here.history);
    assert.deepEqual(a!.metrics, here.metrics);
    assert.equal(a!.value, here.value);
    assert.deepEqual(b!.history, hereB.history);
    assert.equal(a!.epochsRun, 3);
    assert.notDeepEqual(a!.history, b!.history, "different trials differ");
    // The lean step trains these Dense/Dropout models on the threads as here (src/tfjs/lean).
    assert.equal(a!.stepFallback, undefined);
    assert.equal(here.stepFallback, undefined);
  });

  test("with k folds, the thread trains the k models built here and equals training here", async () => {
    const { x, y } = breastCancer();
    const folds = prepareTrainingData(tf, x, y, { validation: { kind: "folds", k: 2 }, seed: 3 });
    const foldPool = await TrainingPool.start({ size: 1, backend: loaded.backend, data: folds });
    try {
      const build = denseClassifier(tf);
      const reporter = new RecordingReporter();
      const there = await trainTrialInPool(tf, foldPool, build, params, folds.folds.length, { ...options(21), epochs: 2, reporter });
      const here = await trainTrial(tf, build, params, folds, { ...options(21), epochs: 2 });
      assert.deepEqual(there.history, here.history);
      assert.equal(there.value, here.value);
      assert.equal(there.epochsRun, 4);
      assert.deepEqual(reporter.reports.map((r) => r.step), [0, 1, 2, 3], "steps run on over the folds");
    } finally {
      await foldPool.close();
      folds.dispose();
    }
  });

  test("each epoch is reported here, and a prune answered here stops the thread at once", async () => {
    const reporter = new RecordingReporter(1);
    const result = await trainTrialInPool(tf, pool, denseClassifier(tf), params, 1, { ...options(5), epochs: 30, reporter });
    assert.equal(result.pruned, true);
    assert.equal(result.epochsRun, 2, "stopped right after the step the pruner answered");
    assert.deepEqual(reporter.reports.map((r) => r.step), [0, 1]);
    assert.equal(result.value, reporter.reports[1]!.value);
  });

  test("an abort stops the thread within a batch", async () => {
    const controller = new AbortController();
    const reporter = { report: () => controller.abort(), shouldPrune: () => false };
    const batchesPerEpoch = Math.ceil(data.folds[0]!.xTrain.shape[0]! / 32);
    const started = performance.now();
    await assert.rejects(
      trainTrialInPool(tf, pool, denseClassifier(tf), params, 1, { ...options(6), epochs: 200, reporter, signal: controller.signal }),
      (error: unknown) => {
        assert.ok(error instanceof TrainingAbortedError, String(error));
        assert.equal(error.epochsRun, 1);
        assert.ok(error.batchesRun <= batchesPerEpoch + 1, `${error.batchesRun} batches, one epoch has ${batchesPerEpoch}`);
        return true;
      },
    );
    assert.ok(performance.now() - started < 10_000);
  });

  test("the trained model comes back and rebuilds here with the thread's weights; no tensor leaks here", async () => {
    const baseline = tf.memory().numTensors;
    const result = await trainTrialInPool(tf, pool, denseClassifier(tf), params, 1, { ...options(7), keepModel: true });
    assert.equal(tf.memory().numTensors, baseline, "nothing kept before the model is rebuilt");
    const model = await result.restoreModel!();
    const fold = data.folds[0]!;
    const evaluated = model.evaluate(fold.xValidation, fold.yValidation) as tfjs.Scalar[];
    const accuracy = evaluated[1]!.dataSync()[0]!;
    tf.dispose(evaluated);
    assert.ok(Math.abs(accuracy - result.metrics["val_acc"]!) < 1e-6, `rebuilt model's accuracy ${accuracy} vs ${result.metrics["val_acc"]}`);
    disposeModel(model);
    assert.equal(tf.memory().numTensors, baseline);
  });

  test("a model that cannot be described or rebuilt on a thread is refused with the reason", async () => {
    const custom = tf.sequential();
    custom.add(tf.layers.dense({ units: 1, inputShape: [30] }));
    custom.compile({ optimizer: "sgd", loss: (yTrue: tfjs.Tensor, yPred: tfjs.Tensor) => tf.losses.meanSquaredError(yTrue, yPred) });
    assert.throws(() => describeModel(custom), (error: unknown) => error instanceof UnserialisableModelError && /compile settings/.test(error.message));
    disposeModel(custom);

    class Doubling extends tf.layers.Layer {
      static readonly className = "TestOnlyDoubling";
      override call(inputs: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor {
        return tf.mul(Array.isArray(inputs) ? inputs[0]! : inputs, 2);
      }
    }
    tf.serialization.registerClass(Doubling);
    const layered = tf.sequential();
    layered.add(tf.layers.dense({ units: 2, inputShape: [30] }));
    layered.add(new Doubling({}));
    layered.compile({ optimizer: "sgd", loss: "meanSquaredError" });
    const description = describeModel(layered);
    disposeModel(layered);
    await assert.rejects(pool.probe(description), (error: unknown) => error instanceof UnserialisableModelError && /TestOnlyDoubling/.test(error.message));
  });

  test("a thread that cannot start its backend fails the start with the reason", async () => {
    await assert.rejects(
      TrainingPool.start({ size: 1, backend: "quantum" as BackendName, data }),
      /worker thread 1 could not start/,
    );
  });

  test("a process that used a pool and closed it exits by itself: no thread is left", async () => {
    const script = join(__dirname, "fixtures", `pool-exit${extname(__filename)}`);
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
    assert.equal(out, "trained 1\nclosed\n");
  });

  test("after close, nothing more is trained", async () => {
    const extra = await TrainingPool.start({ size: 1, backend: loaded.backend, data });
    await extra.close();
    await assert.rejects(trainTrialInPool(tf, extra, denseClassifier(tf), params, 1, options(1)), /closed/);
  });
});

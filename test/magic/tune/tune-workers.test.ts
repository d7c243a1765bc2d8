/**
 * `%%tune --workers N` through the magic front end (parse → args → run) with real training on
 * worker threads on the iris data, the kernel replaced by the magic tests' FakeContext.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type * as tfjs from "@tensorflow/tfjs";
import { createDefaultRegistry, runCell } from "../../../src/magic";
import { MagicError } from "../../../src/magic/types";
import { PlotlyEmbedding } from "../../../src/render";
import { loadTensorFlow, type BackendName } from "../../../src/tfjs/backend";
import { loadTable } from "../../../src/tfjs/csv";
import { oneHot } from "../../../src/tfjs/data";
import { NotebookStudy, registerTuneMagics, type TuneSession } from "../../../src/magic/tune";
import { FakeContext } from "../fake-context";
import { dataDirectory } from "../../tfjs/fixtures";

const iris = loadTable(join(dataDirectory(), "iris.csv"));

const SPACE = `units: int(4, 16, log)
lr: loguniform(1e-3, 1e-1)
activation: choice("relu", "tanh")`;

/** A fresh context with iris data, a serialisable builder and one whose loss is a function. */
async function notebook(session: Partial<TuneSession> = {}): Promise<{ context: FakeContext; run: (cell: string) => Promise<unknown>; tf: typeof tfjs }> {
  const { tf } = await loadTensorFlow();
  const registry = createDefaultRegistry();
  registerTuneMagics(registry, {
    embedding: new PlotlyEmbedding(() => ({ source: "window.Plotly={};", version: "test", minified: true })),
    liveIntervalMs: 0,
    ...session,
  });
  const context = new FakeContext();
  context.assign("xTrain", iris.x);
  context.assign("yTrain", oneHot(iris.y));
  const build = (loss: tfjs.ModelCompileArgs["loss"]) => (params: Record<string, unknown>) => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [4], units: params["units"] as number, activation: params["activation"] as "relu" }));
    model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
    model.compile({ optimizer: tf.train.adam(params["lr"] as number), loss, metrics: ["accuracy"] });
    return model;
  };
  context.assign("buildModel", build("categoricalCrossentropy"));
  context.assign("buildWithLossFunction", build((yTrue: tfjs.Tensor, yPred: tfjs.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred)));
  const run = async (cell: string): Promise<unknown> => (await runCell(cell, { registry, context })).value;
  return { context, run, tf };
}

/** Trial metrics by parameters, to compare runs whose trials may have been sampled in another order. */
function metricsByParams(study: NotebookStudy): Map<string, unknown> {
  return new Map(study.trials.map((t) => [JSON.stringify(t.params), t.metrics]));
}

test("--workers 2 trains on two worker threads: same metrics as one worker for the same parameters, best model kept, no leaks", async () => {
  const { context, run, tf } = await notebook();
  const before = tf.memory().numTensors;
  const cell = (workers: number, out: string): string =>
    `%%tune --model buildModel --data xTrain,yTrain --epochs 3 --metric val_acc --strategy random --trials 4 --seed 5 --workers ${workers} --out ${out}\n${SPACE}`;
  await run(cell(2, "parallel"));
  const parallel = context.lookup("parallel") as NotebookStudy;
  const text = context.stdoutText();
  assert.match(text, /Training 2 trials at once on worker threads \((wasm|cpu|tensorflow)\)\./);
  assert.match(text, /Repeatable: --seed 5 with 2 workers gives the same trials again\./);
  assert.equal(parallel.trials.length, 4);
  assert.ok(parallel.trials.every((t) => t.state === "complete" && t.intermediateValues.length === 3), JSON.stringify(parallel.trials));
  assert.ok(parallel.bestModel !== undefined, "the best model is rebuilt in the notebook");
  assert.ok(context.outputs.some((o) => o.kind === "update"), "the live view updated");

  await run(cell(1, "serial"));
  const serial = context.lookup("serial") as NotebookStudy;
  assert.doesNotMatch(context.stdoutText().slice(text.length), /worker threads/);
  const serialMetrics = metricsByParams(serial);
  let compared = 0;
  for (const [params, metrics] of metricsByParams(parallel)) {
    if (!serialMetrics.has(params)) continue;
    assert.deepEqual(metrics, serialMetrics.get(params), `trial ${params}`);
    compared++;
  }
  assert.ok(compared >= 1, "the random sampler draws by trial number, so the runs share parameters");

  // The kept model matches its trial: evaluate it on nothing else than what the study reports.
  const best = parallel.bestTrial!;
  assert.equal(parallel.bestModel.layers[0]!.getConfig()["units"], best.params["units"]);
  parallel.dispose();
  serial.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor leaked in the notebook's thread");
});

test("a model that cannot be sent to a thread is trained in the notebook, and the output says why", async () => {
  const { context, run } = await notebook();
  await run(`%%tune --model buildWithLossFunction --data xTrain,yTrain --epochs 2 --metric val_loss --strategy random --trials 2 --seed 2 --workers 2 --no-live\n${SPACE}`);
  const study = context.lookup("study") as NotebookStudy;
  assert.equal(study.trials.filter((t) => t.state === "complete").length, 2);
  const notes = context.stdoutText().match(/--workers 2: training one trial at a time in the notebook's thread[^\n]*/g) ?? [];
  assert.equal(notes.length, 1, "said once");
  assert.match(notes[0]!, /loss must be given by name/);
  study.dispose();
});

test("when the threads cannot start (their backend does not load there), the notebook's thread trains, and the output says why", async () => {
  const real = await loadTensorFlow();
  // A backend only the notebook has, as a native addon that cannot load in a worker thread would be.
  const { context, run } = await notebook({ loadTensorFlow: async () => ({ ...real, backend: "quantum" as BackendName }) });
  await run(`%%tune --model buildModel --data xTrain,yTrain --epochs 1 --metric val_loss --strategy random --trials 2 --seed 2 --workers 2 --no-live\n${SPACE}`);
  const study = context.lookup("study") as NotebookStudy;
  assert.equal(study.trials.filter((t) => t.state === "complete").length, 2);
  assert.match(context.stdoutText(), /--workers 2: training one trial at a time in the notebook's thread, because the worker threads could not start: worker thread \d could not start/);
  study.dispose();
});

test("an interrupt reaches the threads at once: the search stops and keeps its trials", async () => {
  const { context, run } = await notebook();
  const original = context.lookup("buildModel") as (p: Record<string, unknown>) => tfjs.LayersModel;
  let builds = 0;
  let abortedAt = 0;
  context.assign("longBuild", (params: Record<string, unknown>) => {
    // builds 1 and 2 check the builder (metric, then a thread rebuilding it); 3 and 4 are trials 0 and 1
    if (++builds === 4) {
      setTimeout(() => {
        abortedAt = performance.now();
        context.controller.abort(new Error("interrupted"));
      }, 300);
    }
    return original(params);
  });
  await assert.rejects(
    run(`%%tune --model longBuild --data xTrain,yTrain --epochs 500 --batch-size 8 --strategy random --trials 20 --seed 1 --workers 2 --no-live\n${SPACE}`),
    /interrupted/,
  );
  const stoppedIn = performance.now() - abortedAt;
  assert.ok(abortedAt > 0 && stoppedIn < 3000, `the search ended ${stoppedIn.toFixed(0)} ms after the interrupt`);
  const study = context.lookup("study") as NotebookStudy;
  assert.equal(study.trials.length, 2, "no trial started after the interrupt");
  assert.ok(study.trials.every((t) => t.state === "failed" && /interrupted/.test(t.error ?? "")), JSON.stringify(study.trials.map((t) => t.error)));
  study.dispose();
});

test("--workers is checked: at least 1, and only for --model", async () => {
  const { context, run } = await notebook();
  context.assign("objective", (params: Record<string, number>) => params["x"]);
  await assert.rejects(run(`%%tune --objective objective --workers 2 --trials 2\nx: uniform(0, 1)`), (error: unknown) => {
    assert.ok(error instanceof MagicError);
    assert.match(error.message, /--workers is for --model/);
    return true;
  });
  await assert.rejects(run(`%%tune --model buildModel --data xTrain,yTrain --workers 0\n${SPACE}`), /--workers expects auto or a whole number of trials at once \(at least 1\), got "0"/);
  await assert.rejects(run(`%%tune --model buildModel --data xTrain,yTrain --workers many\n${SPACE}`), /--workers expects auto or a whole number/);
});

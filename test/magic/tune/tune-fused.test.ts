/**
 * `%%tune --fuse K` through the magic front end (parse → args → run) with real training on the
 * iris data in the notebook's thread (the shared iris notebook, FakeContext in place of the kernel): K
 * trials train at once as one computation, each with the metrics it gets alone; the same seed
 * gives the same trials again; a model that does not fuse trains one trial at a time, saying why.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { NotebookStudy } from "../../../src/magic/tune";
import { irisNotebook, type IrisNotebook } from "./iris-notebook";

const SPACE = `units: int(4, 16, log)
lr: loguniform(1e-3, 1e-1)
dropout: uniform(0, 0.5)
batchSize: [8, 16, 32]`;

/** The shared iris notebook, with builders of a fusable model (a dropout layer) and of one whose loss is a function. */
async function notebook(): Promise<IrisNotebook> {
  const notebook = await irisNotebook();
  const { context, tf } = notebook;
  const build = (loss: tfjs.ModelCompileArgs["loss"]) => (params: Record<string, unknown>) => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [4], units: params["units"] as number, activation: "relu" }));
    model.add(tf.layers.dropout({ rate: params["dropout"] as number }));
    model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
    model.compile({ optimizer: tf.train.adam(params["lr"] as number), loss, metrics: ["accuracy"] });
    return model;
  };
  context.assign("buildModel", build("categoricalCrossentropy"));
  context.assign("buildWithLossFunction", build((yTrue: tfjs.Tensor, yPred: tfjs.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred)));
  return notebook;
}

const cell = (fuse: string, out: string, extra = ""): string =>
  `%%tune --model buildModel --data xTrain,yTrain --epochs 3 --metric val_loss --strategy random --trials 6 --seed 5 --workers 1 --fuse ${fuse} --out ${out}${extra}\n${SPACE}`;

/** Each trial's final validation loss by its parameters. */
function lossByParams(study: NotebookStudy): Map<string, number> {
  return new Map(study.trials.map((t) => [JSON.stringify(t.params), t.metrics!["val_loss"]!]));
}

test("--fuse 4 trains four trials at once: each trial's metrics are those it gets alone; the same seed repeats them; no leaks", async () => {
  const { context, run, tf } = await notebook();
  const before = tf.memory().numTensors;
  await run(cell("4", "fused"));
  const fused = context.lookup("fused") as NotebookStudy;
  assert.match(context.stdoutText(), /Training 4 trials at once as one computation in the notebook's thread \(fused dense stack, (wasm|cpu|tensorflow)\)\. Repeatable: --seed 5 with 4 fused slots gives the same trials again\./);
  assert.equal(fused.trials.length, 6);
  assert.ok(fused.trials.every((t) => t.state === "complete" && t.intermediateValues.length === 3), JSON.stringify(fused.trials.map((t) => t.state)));
  assert.ok(fused.bestModel !== undefined, "the best model is kept");

  await run(cell("4", "again"));
  const again = context.lookup("again") as NotebookStudy;
  assert.deepEqual(again.trials.map((t) => t.params), fused.trials.map((t) => t.params), "same seed, same K: same trials");
  assert.deepEqual(again.trials.map((t) => t.metrics), fused.trials.map((t) => t.metrics), "and the same metrics");

  await run(cell("off", "alone"));
  const alone = lossByParams(context.lookup("alone") as NotebookStudy);
  let compared = 0;
  for (const [params, loss] of lossByParams(fused)) {
    const expected = alone.get(params);
    if (expected === undefined) continue;
    assert.ok(Math.abs(loss - expected) <= 1e-4 * Math.max(1, Math.abs(expected)), `trial ${params}: fused ${loss}, alone ${expected}`);
    compared++;
  }
  assert.ok(compared >= 1, "the random sampler draws by trial number, so the runs share parameters");
  for (const name of ["fused", "again", "alone"]) (context.lookup(name) as NotebookStudy).dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
});

test("--fuse auto with a model that does not fuse trains one trial at a time and says why", async () => {
  const { context, run } = await notebook();
  await run(cell("auto", "study").replace("buildModel", "buildWithLossFunction"));
  assert.match(context.stdoutText(), /--fuse auto: training one trial at a time, because the model does not fuse: its loss is not given by name/);
  const said = context.stdoutText().match(/Trials train with tfjs's general step, not the lean Dense step: [^\n]*/g) ?? [];
  assert.equal(said.length, 1, `the lean step's fallback is said once: ${said.join(" | ")}`);
  assert.match(said[0]!, /loss is not given by name/);
  const study = context.lookup("study") as NotebookStudy;
  assert.equal(study.trials.filter((t) => t.state === "complete").length, 6);
  study.dispose();
});

test("--fuse with worker threads says fusing needs the notebook's thread; bad --fuse values fail before training", async () => {
  const { context, run } = await notebook();
  await assert.rejects(run(cell("0", "study")), /--fuse expects off, auto or a whole number of trials trained at once \(at least 1\), got "0"/);
  await run(cell("2", "study").replace("--workers 1", "--workers 2"));
  assert.match(context.stdoutText(), /--fuse 2: training one trial at a time, because the trials train on worker threads \(fusing runs in the notebook's thread: add --workers 1\)/);
  (context.lookup("study") as NotebookStudy).dispose();
});

/**
 * `lr: hypergradient(...)` through the `%%tune` front end, with real TensorFlow.js training on the
 * iris data: the builder's Adam becomes Adam-HD, each trial records its learning rate per epoch,
 * the "learning-rate" figure draws it, and bad uses fail before any training with the line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MagicError } from "../../../src/magic/types";
import { PLOTLY_MIME } from "../../../src/render";
import { NotebookStudy } from "../../../src/magic/tune";
import { irisNotebook } from "./iris-notebook";

function figureTitles(outputs: readonly { kind: string; bundle?: Record<string, unknown> }[]): string[] {
  return outputs
    .filter((o) => o.kind === "display" && o.bundle !== undefined && PLOTLY_MIME in o.bundle)
    .map((o) => String(((o.bundle![PLOTLY_MIME] as { layout: { title?: { text?: string } } }).layout.title?.text) ?? ""));
}

for (const workers of [1, 2]) {
  test(`hypergradient(0.01) with --workers ${workers}: every trial's rate adapts from 0.01 and is recorded per epoch and drawn`, async () => {
    const { context, run, tf } = await irisNotebook();
    const before = tf.memory().numTensors;
    await run(`%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 4 --trials 2 --seed 5 --workers ${workers} --no-live --out hg
units: [4, 8]
lr: hypergradient(0.01, beta=0.05)   # Adam-HD`);
    const study = context.lookup("hg") as NotebookStudy;
    assert.equal(study.trials.length, 2);
    for (const trial of study.trials) {
      assert.equal(trial.state, "complete");
      assert.equal(trial.params["lr"], 0.01, "the parameter is the initial rate");
      const rates = trial.userAttrs["lr"] as number[];
      assert.equal(rates.length, 4, `trial ${trial.number}: one rate per epoch`);
      assert.ok(rates.every((rate) => rate > 0 && Number.isFinite(rate)));
      assert.ok(rates.some((rate) => Math.abs(rate - 0.01) > 1e-4), `trial ${trial.number}'s rate adapted: ${rates.join(", ")}`);
    }
    assert.ok(figureTitles(context.outputs).some((title) => /learning rate per epoch/.test(title)), "the learning-rate figure is among the final figures");
    study.dispose();
    assert.equal(tf.memory().numTensors, before, "no tensor left behind");
  });
}

test("hypergradient() needs --model, SGD or Adam, and an optimizer that starts at the parameter: each fails at once with what was expected", async () => {
  const { context, run, tf } = await irisNotebook();
  await assert.rejects(run("%%tune --objective score --trials 2\nx: uniform(0, 1)\nlr: hypergradient(1e-3)"), (error: unknown) => {
    return error instanceof MagicError && error.line === 3 && /it needs --model/.test(error.message);
  });
  context.assign("rmspropModel", (params: Record<string, number>) => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: "softmax" })] });
    model.compile({ optimizer: tf.train.rmsprop(params["lr"]!), loss: "categoricalCrossentropy" });
    return model;
  });
  await assert.rejects(
    run("%%tune --model rmspropModel --data xTrain,yTrain --trials 2 --workers 1 --no-live\nlr: hypergradient(1e-3)"),
    /lr: hypergradient\(\.\.\.\) needs a model compiled with tf\.train\.sgd or tf\.train\.adam, but its optimizer is RMSProp/,
  );
  context.assign("fixedRateModel", () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: "softmax" })] });
    model.compile({ optimizer: tf.train.adam(0.001), loss: "categoricalCrossentropy" });
    return model;
  });
  await assert.rejects(
    run("%%tune --model fixedRateModel --data xTrain,yTrain --trials 2 --workers 1 --no-live\nlr: hypergradient(0.02)"),
    /starts at learning rate 0\.001, not at lr = 0\.02: pass params\.lr to the optimizer/,
  );
  assert.equal(context.lookup("study"), undefined, "nothing was bound: the search never started");
});

/**
 * A conditional search space through the real `%%tune --model` magic with real TensorFlow.js
 * training on the iris data (the kernel replaced by the magic tests' FakeContext): the builder
 * sees `params.units2` only in the trials with two layers, the stored trials hold only the active
 * parameters, `--strategy auto` chooses TPE and says why, and the trials table leaves the absent
 * cells blank.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { NotebookStudy } from "../../../src/magic/tune";
import { irisNotebook } from "./iris-notebook";

test("%%tune --model with layers: int(1, 3) and units2 … if layers >= 2 builds what each trial holds", async () => {
  const built: { layers: number; units2: unknown; hidden: number }[] = [];
  const { context, run } = await irisNotebook({
    builders: {
      buildModel: (tf, params) => {
        const layers = params["layers"] as number;
        const model = tf.sequential();
        model.add(tf.layers.dense({ inputShape: [4], units: params["units1"] as number, activation: "relu" }));
        // The builder reads units2 only when the trial has it, as a user's would.
        if (params["units2"] !== undefined) model.add(tf.layers.dense({ units: params["units2"] as number, activation: "relu" }));
        model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
        model.compile({ optimizer: tf.train.adam(0.05), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
        built.push({ layers, units2: params["units2"], hidden: model.layers.length - 1 });
        return model;
      },
    },
  });
  const cell = `%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 2 --batch-size 32 \\
       --metric val_acc --strategy auto --trials 12 --seed 5 --out layersStudy
layers: int(1, 3)
units1: int(4, 16, log)
units2: int(4, 16, log) if layers >= 2`;
  await run(cell);

  const study = context.lookup("layersStudy");
  assert.ok(study instanceof NotebookStudy);
  assert.equal(study.trials.length, 12);
  assert.ok(study.trials.every((t) => t.state === "complete"), JSON.stringify(study.trials.map((t) => [t.state, t.error])));
  assert.equal(built.length >= 12, true);
  for (const { layers, units2, hidden } of built) {
    assert.equal(units2 === undefined, layers < 2, `layers=${layers} gave units2=${String(units2)}`);
    assert.equal(hidden, layers >= 2 ? 2 : 1);
  }
  for (const trial of study.trials) {
    const layers = trial.params["layers"] as number;
    assert.equal("units2" in trial.params, layers >= 2);
    assert.deepEqual(Object.keys(trial.distributions).sort(), Object.keys(trial.params).sort(), "stored distributions are the active ones");
  }
  assert.ok(study.trials.some((t) => !("units2" in t.params)) && study.trials.some((t) => "units2" in t.params), "both branches are tried");

  const text = context.stdoutText();
  assert.match(text, /Strategy bayes \(auto: 3 numeric parameters and 12 trials: the Gaussian process finds good values in the fewest trials \(it imputes the 1 conditional one where absent\)/);
  // The last trials table shown: a trial without units2 has an empty cell in that column.
  const shown = context.outputs.flatMap((o) => (o.kind === "display" || o.kind === "update" ? [String(o.bundle["text/plain"] ?? "")] : []));
  const last = shown.filter((t) => /^\s*#\s+state\s+layers\s+units1\s+units2\b/m.test(t)).at(-1);
  assert.ok(last !== undefined, "a trials table with a units2 column is shown");
  const lines = last.split("\n");
  const header = lines.findIndex((line) => /^\s*#\s+state\b/.test(line));
  const rule = lines[header + 1]!;
  // Column spans from the rule line of dashes.
  const spans = [...rule.matchAll(/-+/g)].map((m) => [m.index!, m.index! + m[0].length] as const);
  const column = (name: string): readonly [number, number] => spans.find(([a, b]) => lines[header]!.slice(a, b).trim() === name)!;
  const [a, b] = column("units2");
  const rowOf = (number: number): string => lines.slice(header + 2).find((line) => line.slice(...column("#")).replace("*", "").trim() === String(number))!; // "*" marks the best
  const short = study.trials.find((t) => !("units2" in t.params))!;
  const long = study.trials.find((t) => "units2" in t.params)!;
  assert.equal(rowOf(short.number).slice(a, b).trim(), "", `trial ${short.number} (layers 1) shows a blank units2 cell`);
  assert.equal(rowOf(long.number).slice(a, b).trim(), String(long.params["units2"]), `trial ${long.number} shows its units2`);
  study.dispose();
  void short;
});

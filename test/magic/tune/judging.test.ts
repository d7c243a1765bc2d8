/**
 * Judging the models of a `%%tune --model` search, through the magic front end with real
 * TensorFlow.js training on iris: `--test-top K` (the K best models kept, evaluated on held-out
 * rows, with worker threads too), `--class-names` in the report, `--cv` with several objectives
 * (the front's models refitted on all rows), and `study.bestModelTrial` when the best trial came
 * from `--from` and has no model here. The kernel is the magic tests' FakeContext.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { MagicError } from "../../../src/magic/types";
import { PLOTLY_MIME } from "../../../src/render";
import { NotebookStudy } from "../../../src/magic/tune";
import { loadTable } from "../../../src/tfjs/csv";
import { oneHot, trainValidationTestSplit } from "../../../src/tfjs/data";
import type { FrozenTrial } from "../../../src/engine/types";
import { dataDirectory } from "../../tfjs/fixtures";
import { irisNotebook } from "./iris-notebook";

const iris = loadTable(join(dataDirectory(), "iris.csv"));
const split = trainValidationTestSplit(iris.x, iris.y, { validation: 0.2, test: 0.2, stratify: true, seed: 4 });

const SPACE = `units: int(2, 16, log)
lr: loguniform(1e-2, 2e-1)`;

/** The iris notebook with a three-way split: xFit/yFit (train + validation), xTest/yTest, one-hot. */
async function notebook(): Promise<Awaited<ReturnType<typeof irisNotebook>>> {
  const book = await irisNotebook();
  book.context.assign("xFit", [...split.xTrain, ...split.xValidation].map((row) => [...row]));
  book.context.assign("yFit", oneHot([...split.yTrain, ...split.yValidation], 3));
  book.context.assign("xTest", split.xTest.map((row) => [...row]));
  book.context.assign("yTest", oneHot(split.yTest, 3));
  return book;
}

async function expectMagicError(run: (cell: string) => Promise<unknown>, cell: string, pattern: RegExp): Promise<void> {
  await assert.rejects(run(cell), (error: unknown) => {
    assert.ok(error instanceof MagicError, `expected a MagicError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

/** The complete trials, best first by `value` (minimised), ties by number. */
function ranked(trials: readonly FrozenTrial[]): FrozenTrial[] {
  return trials.filter((t) => t.state === "complete").sort((a, b) => a.value! - b.value! || a.number - b.number);
}

test("--test-top 3 with worker threads: the three best models are kept and evaluated, the others disposed", async () => {
  const { context, run, tf } = await notebook();
  const before = tf.memory().numTensors;
  await run(`%%tune --model buildModel --data xFit,yFit --validation 0.25 --epochs 3 --metric val_loss --test xTest,yTest --test-top 3 --workers 2 --strategy random --trials 7 --seed 3 --no-live --out top\n${SPACE}`);
  const study = context.lookup("top") as NotebookStudy;
  const best = ranked(study.trials);
  assert.equal(best.length, 7, JSON.stringify(study.trials.map((t) => t.error)));
  const topThree = best.slice(0, 3).map((t) => t.number);
  assert.equal(study.bestModelTrial?.number, topThree[0]);
  assert.deepEqual([...study.runnerUpModels.keys()], topThree.slice(1), "the runner-ups, best first");
  assert.deepEqual([...study.testMetricsByTrial.keys()], topThree);
  assert.equal(study.testMetrics, study.testMetricsByTrial.get(topThree[0]!));
  for (const number of topThree) {
    const evaluation = study.testMetricsByTrial.get(number)!;
    const trial = study.trials.find((t) => t.number === number)!;
    assert.equal(evaluation.rows, split.xTest.length);
    assert.equal(evaluation.metrics.find((m) => m.name === "loss")!.validation, trial.value, "each model beside its own trial's validation value");
    const model = number === topThree[0] ? study.bestModel! : study.runnerUpModels.get(number)!;
    const expected = tf.tidy(() => (model.evaluate(tf.tensor2d(split.xTest.map((r) => [...r])), tf.tensor2d(oneHot(split.yTest, 3))) as import("@tensorflow/tfjs").Scalar[])[0]!.dataSync()[0]!);
    assert.ok(Math.abs(evaluation.metrics.find((m) => m.name === "loss")!.test - expected) < 1e-5, "the test loss is that model's");
  }
  const text = context.stdoutText();
  assert.match(text, new RegExp(`Test set xTest,yTest \\(30 rows\\), the models of 3 trials \\(#${topThree[0]}, #${topThree[1]}, #${topThree[2]}\\); in top\\.testMetricsByTrial \\(top\\.testMetrics is #${topThree[0]}'s\\):`));
  assert.match(text, /\n\s+trial\s+metric\s+validation\s+test\s+spread \(1 sd\)\n/);
  for (const number of topThree) assert.match(text, new RegExp(`\\n\\s+#${number}\\s+loss\\s`));
  study.dispose();
  assert.equal(tf.memory().numTensors, before, "only the three kept models outlived their trials, and the study freed them");
});

test("--class-names: the report's confusion matrix, per-class table and ROC legends name the classes; bad names fail before training", async () => {
  const { context, run } = await notebook();
  context.assign("species", ["setosa", "versicolor", "virginica"]);
  for (const names of ["setosa,versicolor,virginica", "species"]) {
    await run(`%%tune --model buildModel --data xFit,yFit --epochs 2 --metric val_loss --test xTest,yTest --class-names ${names} --strategy random --trials 2 --seed 1 --no-live\n${SPACE}`);
    const study = context.lookup("study") as NotebookStudy;
    const report = study.testMetrics!.report;
    assert.equal(report.kind, "classifier");
    if (report.kind === "classifier") assert.deepEqual(report.classNames, ["setosa", "versicolor", "virginica"]);
    const figures = study.modelReport().map((bundle) => bundle[PLOTLY_MIME] as { data: { name?: string; x?: unknown }[]; layout: { title?: { text?: string } } });
    const confusion = figures.find((f) => /confusion matrix/.test(f.layout.title?.text ?? ""))!;
    assert.deepEqual(confusion.data[0]!.x, ["setosa", "versicolor", "virginica"]);
    const roc = figures.find((f) => /ROC curve/.test(f.layout.title?.text ?? ""))!;
    assert.deepEqual(roc.data.slice(0, 3).map((t) => t.name?.replace(/ \(AUC .*\)$/, "")), ["setosa", "versicolor", "virginica"]);
    const perClass = study.modelReport().map((bundle) => String(bundle["text/plain"])).find((text) => /precision/.test(text))!;
    assert.match(perClass, /virginica/);
    study.dispose();
  }
  const base = `%%tune --model buildModel --data xFit,yFit --epochs 1 --metric val_loss --trials 1 --no-live`;
  await expectMagicError(run, `${base} --test xTest,yTest --class-names a,b\n${SPACE}`, /--class-names gives 2 names but the one-hot targets have 3 classes/);
  await expectMagicError(run, `${base} --class-names a,b,c\n${SPACE}`, /--class-names names the classes in the --test report; add --test X,Y/);
  context.assign("notNames", 3);
  await expectMagicError(run, `${base} --test xTest,yTest --class-names notNames\n${SPACE}`, /--class-names notNames: expected an array of the classes' names \(strings\), but notNames is number 3/);
  await expectMagicError(run, `${base} --test xTest,yTest --class-names a,a,b\n${SPACE}`, /--class-names names "a" twice/);
  await expectMagicError(run, `${base} --test-top 2\n${SPACE}`, /--test-top is for --test X,Y/);
  await expectMagicError(run, `${base} --test xTest,yTest --test-top 2 --no-keep-best\n${SPACE}`, /--test-top evaluates the models kept after the search; drop --no-keep-best/);
});

test("--cv with several objectives: the front's models are refitted on all rows, evaluated on --test, and a pick makes one bestModel", async () => {
  const { context, run, tf } = await notebook();
  const before = tf.memory().numTensors;
  await run(`%%tune --model buildModel --data xFit,yFit --cv 2 --epochs 2 --metric val_acc,params --test xTest,yTest --strategy random --trials 4 --seed 6 --no-live --out front\n${SPACE}`);
  const study = context.lookup("front") as NotebookStudy;
  const front = study.bestTrials.map((t) => t.number).sort((a, b) => a - b);
  assert.deepEqual([...study.frontModels.keys()].sort((a, b) => a - b), front);
  const text = context.stdoutText();
  assert.match(text, new RegExp(`Refitted the parameters of the ${front.length} front models? \\(trials? ${front.map((n) => `#${n}`).join(", ")}\\) on all ${split.xTrain.length + split.xValidation.length} rows of xFit,yFit`));
  assert.deepEqual([...study.testMetricsByTrial.keys()].sort((a, b) => a - b), front, "every front model is evaluated");
  assert.ok([...study.testMetricsByTrial.values()].every((e) => e.refitted), "each is the refitted model");
  const acc = [...study.testMetricsByTrial.values()][0]!.metrics.find((m) => m.name === "acc")!;
  assert.equal(acc.spreadSource, "folds", "the spread of a front model comes from its folds");
  const picked = study.pickTrial("val_acc");
  assert.equal(study.bestModelTrial?.number, picked.number);
  assert.ok(study.bestModel !== undefined);
  study.dispose();
  assert.equal(tf.memory().numTensors, before, "the last-fold models were disposed when their refits replaced them");
});

test("--from: when a copied trial stays best, the report says bestModel is the best trained here, and --test evaluates that model", async () => {
  const { context, run } = await notebook();
  // A coarse study whose one trial (from a cheap objective) no model in this run can beat.
  context.assign("unbeatable", () => ({ val_loss: 1e-6 }));
  await run(`%%tune --objective unbeatable --metric val_loss --direction minimize --strategy random --trials 1 --seed 2 --no-live --out coarse\n${SPACE}`);
  await run(`%%tune --model buildModel --data xFit,yFit --epochs 2 --metric val_loss --test xTest,yTest --from coarse --strategy random --trials 3 --seed 2 --no-live --out fine\n${SPACE}`);
  const fine = context.lookup("fine") as NotebookStudy;
  const best = fine.bestTrial!;
  assert.equal(best.userAttrs["seededFrom"], "coarse#0");
  const trained = ranked(fine.trials.filter((t) => t.userAttrs["seededFrom"] === undefined))[0]!;
  assert.equal(fine.bestModelTrial?.number, trained.number, "bestModel's trial is identifiable");
  assert.notEqual(fine.bestModelTrial?.number, best.number);
  assert.match(
    context.stdoutText(),
    new RegExp(`Note: the best trial #${best.number} \\(val_loss = 0.000001\\) was not trained in this run \\(it is coarse#0, copied by --from\\), so it has no model here: fine\\.bestModel is trial #${trained.number}'s model \\(val_loss = [\\d.e-]+\\), the best trained in this run; fine\\.bestModelTrial is that trial\\.`),
  );
  assert.equal(fine.testMetrics?.trialNumber, trained.number, "the test rows judge the model there is");
  assert.equal(fine.testMetrics?.metrics.find((m) => m.name === "loss")!.validation, trained.value);
  fine.dispose();
  (context.lookup("coarse") as NotebookStudy).dispose();
});

test("string labels in the data: trained as class indices in sorted order, and the report names the classes", async () => {
  const { context, run, tf } = await notebook();
  const species = ["versicolor", "setosa", "virginica"]; // iris's 0, 1, 2 under other names: sorted, setosa is 0
  context.assign("yNames", [...split.yTrain, ...split.yValidation].map((c) => species[c]!));
  context.assign("yTestNames", split.yTest.map((c) => species[c]!));
  context.assign("buildSparse", (params: Record<string, unknown>) => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [4], units: params["units"] as number, activation: "relu" }));
    model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
    model.compile({ optimizer: tf.train.adam(params["lr"] as number), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    return model;
  });
  await run(`%%tune --model buildSparse --data xFit,yNames --epochs 3 --metric val_loss --test xTest,yTestNames --strategy random --trials 2 --seed 1 --no-live\n${SPACE}`);
  assert.match(context.stdoutText(), /yNames holds class names: the model sees them as 0 = setosa, 1 = versicolor, 2 = virginica\./);
  const study = context.lookup("study") as NotebookStudy;
  assert.ok(study.trials.every((t) => t.state === "complete"), JSON.stringify(study.trials.map((t) => t.error)));
  const report = study.testMetrics!.report;
  assert.equal(report.kind, "classifier");
  if (report.kind === "classifier") {
    assert.deepEqual(report.classNames, ["setosa", "versicolor", "virginica"]);
    // Row "setosa" of the confusion matrix counts the test rows named setosa (iris's class 1 here).
    assert.equal(report.confusion[0]!.reduce((a, b) => a + b, 0), split.yTest.filter((c) => species[c] === "setosa").length);
  }
  study.dispose();
  context.assign("yOdd", split.yTest.map((c, i) => (i === 0 ? "daisy" : species[c]!)));
  await expectMagicError(run, `%%tune --model buildSparse --data xFit,yNames --epochs 1 --test xTest,yOdd --trials 1 --no-live\n${SPACE}`, /yOdd holds the label "daisy", which the training targets do not have \(setosa, versicolor, virginica\)/);
  context.assign("yMixed", [...split.yTrain, ...split.yValidation].map((c, i) => (i === 0 ? 1 : species[c]!)));
  await expectMagicError(run, `%%tune --model buildSparse --data xFit,yMixed --epochs 1 --trials 1 --no-live\n${SPACE}`, /yMixed mixes string labels with number 1/);
});

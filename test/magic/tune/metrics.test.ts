/**
 * `%%tune --model` with metrics from predictions (`--metric val_f1`, `--metric-fn`), `--positive-class`
 * and `--test`, through the magic front end with real TensorFlow.js training on iris (as a binary
 * problem, versicolor against the rest, and as three classes). The kernel is replaced by the magic
 * tests' FakeContext.
 *
 * The tests marked "(needs the trainer's validationMetrics)" depend on the trainer merging
 * `TrainOptions.validationMetrics` into each epoch's logs (the training-loop rewrite); the others
 * exercise what this branch adds on its own.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { MagicError } from "../../../src/magic/types";
import { PLOTLY_MIME } from "../../../src/render";
import { oneHot, trainValidationTestSplit } from "../../../src/tfjs/data";
import { NotebookStudy } from "../../../src/magic/tune";
import { FOLD_METRICS_ATTR } from "../../../src/magic/tune/test-evaluation";
import { irisNotebook, irisTable, type IrisModelBuilder, type IrisNotebook } from "./iris-notebook";

const iris = irisTable();
const versicolor = iris.y.map((label) => (label === 1 ? 1 : 0));
const binarySplit = trainValidationTestSplit(iris.x, versicolor, { validation: 0.2, test: 0.2, stratify: true, seed: 3 });
const threeClassSplit = trainValidationTestSplit(iris.x, iris.y, { validation: 0.2, test: 0.2, stratify: true, seed: 3 });

/** A fresh context with both problems' data and model builders, as earlier cells would define them. */
async function notebook(): Promise<IrisNotebook> {
  // A dense hidden layer of `units`, then `classes` outputs, trained by adam at `lr`.
  const classifier = (classes: number, activation: "sigmoid" | "softmax", loss: string): IrisModelBuilder => (tf, params) => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [4], units: params["units"] as number, activation: "relu" }));
    model.add(tf.layers.dense({ units: classes, activation }));
    model.compile({ optimizer: tf.train.adam(params["lr"] as number), loss, metrics: ["accuracy"] });
    return model;
  };
  const book = await irisNotebook({
    builders: {
      buildBinary: classifier(1, "sigmoid", "binaryCrossentropy"),
      buildSoftmax: classifier(3, "softmax", "categoricalCrossentropy"),
    },
  });
  const { context } = book;
  context.assign("xTrain", binarySplit.xTrain.map((row) => [...row]));
  context.assign("yTrain", binarySplit.yTrain);
  context.assign("xTest", binarySplit.xTest.map((row) => [...row]));
  context.assign("yTest", binarySplit.yTest);
  context.assign("xTrain3", [...binarySplit.xTrain, ...binarySplit.xValidation].map((row) => [...row]));
  context.assign("yTrain3", [...binarySplit.yTrain, ...binarySplit.yValidation]);
  context.assign("xIris", threeClassSplit.xTrain.map((row) => [...row]));
  context.assign("yIris", oneHot(threeClassSplit.yTrain, 3));
  // a notebook metric: balanced accuracy of a sigmoid output, from rows of numbers
  context.assign("balancedAccuracy", function balancedAccuracy(yTrue: number[][], yPred: number[][]): number {
    const recall = (c: number): number => {
      const rows = yTrue.map((row, i) => ({ truth: row[0]!, predicted: yPred[i]![0]! > 0.5 ? 1 : 0 })).filter((r) => r.truth === c);
      return rows.filter((r) => r.predicted === c).length / rows.length;
    };
    return (recall(0) + recall(1)) / 2;
  });
  context.assign("wordMetric", () => "good");
  return book;
}

const SPACE = `units: int(4, 12)
lr: loguniform(1e-2, 1e-1)`;

async function expectMagicError(run: (cell: string) => Promise<unknown>, cell: string, pattern: RegExp): Promise<void> {
  await assert.rejects(run(cell), (error: unknown) => {
    assert.ok(error instanceof MagicError, `expected a MagicError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

test("a metric that cannot work on this model or data fails before any training, saying why", async () => {
  const { context, run, builds } = await notebook();
  await expectMagicError(run, `%%tune --model buildSoftmax --data xIris,yIris --metric val_f1\n${SPACE}`, /--metric val_f1: f1 is a binary metric but the model has 3 classes; name f1_macro, f1_micro or f1_weighted/);
  context.assign("xOne", binarySplit.xTest.filter((_, i) => binarySplit.yTest[i] === 1).map((row) => [...row]));
  context.assign("yOne", binarySplit.yTest.filter((label) => label === 1));
  await expectMagicError(run, `%%tune --model buildBinary --data xTrain,yTrain --validation-data xOne,yOne --metric val_auc\n${SPACE}`, /ROC AUC is undefined when the targets hold only one class/);
  await expectMagicError(run, `%%tune --model buildBinary --data xTrain,yTrain --metric-fn wordMetric --direction maximize\n${SPACE}`, /the metric function wordMetric\(yTrue, yPred\) returned string "good", expected a number/);
  await expectMagicError(run, `%%tune --model buildBinary --data xTrain,yTrain --metric-fn noSuchFn\n${SPACE}`, /noSuchFn/);
  await expectMagicError(run, `%%tune --model buildBinary --data xTrain,yTrain --metric-fn "a=b=c"\n${SPACE}`, /--metric-fn expects a function's variable name, or NAME=FN/);
  await expectMagicError(run, `%%tune --model buildBinary --data xTrain,yTrain --metric val_recall --positive-class 2\n${SPACE}`, /the positive class must be 0 or 1 for a binary classifier, got 2/);
  await expectMagicError(run, `%%tune --model buildBinary --data xTrain,yTrain --metric val_recall --positive-class benign\n${SPACE}`, /^line 1: --positive-class benign: expected a class index \(0 or 1 for a binary classifier\); a class name only when the targets are class names or --class-names names the classes$/);
  await expectMagicError(run, `%%tune --model buildBinary --data xTrain,yTrain --test xIris,yIris\n${SPACE}`, /--test xIris,yIris: .*yIris/);
  await expectMagicError(run, `%%tune --objective wordMetric --test xTest,yTest\nx: uniform(0, 1)`, /--test is for --model/);
  assert.ok(builds() <= 12, `only checks built models (${builds()})`);
  assert.equal(context.has("study"), false, "no study was bound");
});

test("--test evaluates the best model once on held-out rows beside its validation metrics", async () => {
  const { context, run, tf } = await notebook();
  const before = tf.memory().numTensors;
  await run(`%%tune --model buildBinary --data xTrain,yTrain --validation 0.25 --epochs 4 --metric val_acc --test xTest,yTest --strategy random --trials 3 --seed 2 --no-live\n${SPACE}`);
  const study = context.lookup("study") as NotebookStudy;
  assert.ok(study.trials.every((t) => t.state === "complete"));
  const evaluation = study.testMetrics;
  assert.ok(evaluation !== undefined, "the result is on the study");
  assert.equal(evaluation.rows, binarySplit.xTest.length);
  assert.equal(evaluation.trialNumber, study.bestTrial!.number);
  assert.deepEqual(evaluation.metrics.map((m) => m.name), ["loss", "acc"]);
  const acc = evaluation.metrics[1]!;
  assert.equal(acc.validation, study.bestValue, "the validation side is the chosen trial's value");
  // the test side is the model's own accuracy on the test rows
  const predicted = tf.tidy(() => Array.from((study.bestModel!.predict(tf.tensor2d(binarySplit.xTest.map((r) => [...r]))) as tfjs.Tensor).dataSync()));
  const expected = predicted.filter((p, i) => (p > 0.5 ? 1 : 0) === binarySplit.yTest[i]).length / predicted.length;
  assert.ok(Math.abs(acc.test - expected) < 1e-6, `test accuracy ${acc.test} vs ${expected}`);
  assert.equal(acc.spreadSource, "binomial");
  const p = acc.validation!;
  const nValidation = Math.round(0.25 * binarySplit.xTrain.length);
  const nTest = binarySplit.xTest.length;
  const pooled = (p * nValidation + acc.test * nTest) / (nValidation + nTest);
  assert.ok(Math.abs(acc.spread! - Math.sqrt(pooled * (1 - pooled) * (1 / nValidation + 1 / nTest))) < 1e-9);
  assert.equal(acc.flagged, Math.abs(acc.test - p) > 2 * acc.spread!);
  assert.match(context.stdoutText(), /Test set xTest,yTest \(30 rows\), trial #\d+'s model; in study\.testMetrics:\n\s+metric\s+validation\s+test\s+spread \(1 sd\)\n\s+loss .*\n\s+acc .*\(binomial\)/);
  // the best-model report: data on the study, figures in the output
  assert.equal(evaluation.report.kind, "classifier");
  if (evaluation.report.kind === "classifier") {
    assert.equal(evaluation.report.confusion.flat().reduce((a, b) => a + b, 0), binarySplit.xTest.length);
  }
  const figureTitles = context.outputs.flatMap((o) => (o.kind === "display" && PLOTLY_MIME in o.bundle ? [JSON.stringify((o.bundle[PLOTLY_MIME] as { layout: unknown }).layout)] : []));
  assert.ok(figureTitles.some((t) => t.includes("Best model on xTest,yTest: confusion matrix")), "the confusion matrix was displayed");
  assert.ok(figureTitles.some((t) => t.includes("ROC curve")));
  study.dispose();
  assert.equal(tf.memory().numTensors, before, "the test tensors were released with the search");
});

// (needs the trainer's validationMetrics)
test("--metric val_f1 is computed from predictions, maximised, and reported on --test with a bootstrap spread", async () => {
  const { context, run } = await notebook();
  await run(`%%tune --model buildBinary --data xTrain,yTrain --validation 0.25 --epochs 30 --batch-size 16 --metric val_f1 --test xTest,yTest --strategy random --trials 3 --seed 2 --pruner median --no-live\n${SPACE}`);
  const study = context.lookup("study") as NotebookStudy;
  assert.equal(study.direction, "maximize");
  assert.equal(study.metric, "val_f1");
  assert.ok(study.trials.every((t) => t.state === "complete" && t.value! >= 0 && t.value! <= 1), JSON.stringify(study.trials.map((t) => [t.state, t.value, t.error])));
  const f1 = study.testMetrics!.metrics.find((m) => m.name === "f1")!;
  assert.equal(f1.validation, study.bestValue);
  assert.equal(f1.spreadSource, "bootstrap", JSON.stringify(study.testMetrics));
  assert.ok(f1.spread! > 0, JSON.stringify(study.testMetrics));
  study.dispose();
});

// (needs the trainer's validationMetrics)
test("--metric val_auc with --cv and a pruner; the test spread comes from the folds", async () => {
  const { context, run } = await notebook();
  await run(`%%tune --model buildBinary --data xTrain3,yTrain3 --cv 3 --epochs 3 --metric val_auc --test xTest,yTest --strategy random --trials 3 --seed 5 --pruner asha --no-live\n${SPACE}`);
  const study = context.lookup("study") as NotebookStudy;
  assert.equal(study.direction, "maximize");
  const complete = study.trials.filter((t) => t.state === "complete");
  assert.ok(complete.length >= 1);
  for (const trial of complete) assert.equal((trial.userAttrs[FOLD_METRICS_ATTR] as Record<string, number[]>)["val_auc"]!.length, 3);
  const auc = study.testMetrics!.metrics.find((m) => m.name === "auc")!;
  assert.equal(auc.spreadSource, "folds");
  assert.ok(study.testMetrics!.refitted);
  study.dispose();
});

// (needs the trainer's validationMetrics)
test("--metric-fn trains in the notebook's thread even with --workers, and names the metric val_<fn>", async () => {
  const { context, run } = await notebook();
  await run(`%%tune --model buildBinary --data xTrain,yTrain --epochs 3 --metric-fn balancedAccuracy --direction maximize --workers 2 --strategy random --trials 2 --seed 1 --no-live\n${SPACE}`);
  assert.match(context.stdoutText(), /--workers 2: training one trial at a time in the notebook's thread, because the metric function balancedAccuracy lives in the notebook/);
  const study = context.lookup("study") as NotebookStudy;
  assert.equal(study.metric, "val_balancedAccuracy");
  assert.ok(study.trials.every((t) => t.state === "complete" && t.metrics["val_balancedAccuracy"]! >= 0));
  study.dispose();
});

// (needs the trainer's validationMetrics)
test("worker threads rebuild the prediction metrics from their names (val_f1_macro on three classes)", async () => {
  const { context, run } = await notebook();
  await run(`%%tune --model buildSoftmax --data xIris,yIris --epochs 3 --metric val_f1_macro --workers 2 --strategy random --trials 2 --seed 1 --no-live\n${SPACE}`);
  const study = context.lookup("study") as NotebookStudy;
  assert.doesNotMatch(context.stdoutText(), /notebook's thread/);
  assert.ok(study.trials.every((t) => t.state === "complete" && t.value! >= 0 && t.value! <= 1), JSON.stringify(study.trials.map((t) => [t.state, t.error])));
  study.dispose();
});

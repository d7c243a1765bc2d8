import { test } from "node:test";
import assert from "node:assert/strict";
import {
  averagedScore,
  averagePrecision,
  computeMetrics,
  confusionMatrix,
  perClassScores,
  predictionMetric,
  rocAuc,
  rocCurve,
  type ShapedValues,
} from "../../src/metrics";

const column = (values: number[]): ShapedValues => ({ values, shape: [values.length, 1] });

test("precision, recall and F1 of a binary classifier by hand", () => {
  // truth 1 1 1 0 0 0 0, predicted (s > 0.5) 1 1 0 1 0 0 0: tp 2, fp 1, fn 1, tn 3
  const y = column([1, 1, 1, 0, 0, 0, 0]);
  const p = column([0.9, 0.6, 0.4, 0.7, 0.2, 0.1, 0.5]);
  const m = computeMetrics(["precision", "recall", "f1"], y, p);
  assert.equal(m["precision"], 2 / 3);
  assert.equal(m["recall"], 2 / 3);
  assert.equal(m["f1"], 2 / 3);
  // the negative class as positive: tp 3, fp 1, fn 1
  const negative = computeMetrics(["precision", "recall"], y, p, { positiveClass: 0 });
  assert.deepEqual(negative, { precision: 3 / 4, recall: 3 / 4 });
});

test("averaged scores by hand over three classes", () => {
  // M[true][pred]
  const matrix = confusionMatrix([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2], 3);
  assert.deepEqual(matrix, [[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
  const perClass = perClassScores(matrix);
  assert.deepEqual(perClass.map((c) => [c.precision, c.recall, c.support]), [[1, 2 / 3, 3], [0.5, 0.5, 2], [0.5, 1, 1]]);
  assert.equal(averagedScore(matrix, "recall", "macro"), (2 / 3 + 0.5 + 1) / 3);
  assert.equal(averagedScore(matrix, "recall", "micro"), 4 / 6);
  assert.equal(averagedScore(matrix, "recall", "weighted"), (3 * (2 / 3) + 2 * 0.5 + 1) / 6);
});

test("ROC AUC counts a tie between a positive and a negative as one half", () => {
  // positives 0.8, 0.5; negatives 0.5, 0.2: pairs (0.8>0.5) (0.8>0.2) (0.5=0.5 → ½) (0.5>0.2) → 3.5 / 4
  assert.equal(rocAuc([true, true, false, false], [0.8, 0.5, 0.5, 0.2]), 3.5 / 4);
  const curve = rocCurve([true, true, false, false], [0.8, 0.5, 0.5, 0.2]);
  assert.deepEqual(curve.falsePositiveRate, [0, 0, 0.5, 1]);
  assert.deepEqual(curve.truePositiveRate, [0, 0.5, 1, 1]);
  // AP: thresholds 0.8 (P 1, R ½), 0.5 (P ⅔, R 1), 0.2 (R 1) → ½·1 + ½·⅔
  assert.equal(averagePrecision([true, true, false, false], [0.8, 0.5, 0.5, 0.2]), 0.5 + 0.5 * (2 / 3));
});

test("AUC and average precision on one-class targets say why they are undefined", () => {
  assert.throws(() => computeMetrics(["auc"], column([1, 1, 1]), column([0.2, 0.6, 0.9])), /ROC AUC is undefined when the targets hold only one class \(3 positive and 0 negative rows\)/);
  assert.throws(() => computeMetrics(["pr_auc"], column([0, 0]), column([0.2, 0.6])), /average precision is undefined when the targets hold only one class/);
});

test("shapes decide binary or several classes, and mistakes are named", () => {
  const softmax = { values: [0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6], shape: [3, 3] };
  assert.equal(computeMetrics(["f1_macro"], column([0, 1, 2]), softmax)["f1_macro"], 1);
  assert.equal(computeMetrics(["f1_micro"], { values: [1, 0, 0, 0, 1, 0, 0, 0, 1], shape: [3, 3] }, softmax)["f1_micro"], 1);
  assert.throws(() => computeMetrics(["f1"], column([0, 1, 2]), softmax), /f1 is a binary metric but the model has 3 classes; name f1_macro, f1_micro or f1_weighted/);
  assert.throws(() => computeMetrics(["f1"], column([0, 2]), column([0.1, 0.9])), /target row 1 is 2; expected 0 or 1 for a single \(sigmoid\) output/);
  assert.throws(() => computeMetrics(["f1_macro"], column([0, 5, 1]), softmax), /target row 1 is 5; expected a class index in 0\.\.2/);
  assert.throws(() => computeMetrics(["r2"], column([1, 2]), column([1, 2, 3])), /the targets have shape \[2, 1\] but the predictions \[3, 1\]/);
  assert.throws(() => computeMetrics(["f2"], column([1]), column([1])), /unknown prediction metric "f2": expected one of f1, f1_macro/);
});

test("regression metrics by hand", () => {
  const y = column([1, 2, 3, 4]);
  const p = column([1, 3, 3, 2]);
  const m = computeMetrics(["mae", "rmse", "r2"], y, p);
  assert.equal(m["mae"], 3 / 4);
  assert.equal(m["rmse"], Math.sqrt(5 / 4));
  assert.equal(m["r2"], 1 - 5 / 5);
  assert.equal(computeMetrics(["r2"], column([2, 2]), column([2, 2]))["r2"], 1);
});

test("each metric has a direction, and names resolve with or without val_", () => {
  assert.equal(predictionMetric("val_f1_macro")?.direction, "maximize");
  assert.equal(predictionMetric("rmse")?.direction, "minimize");
  assert.equal(predictionMetric("val_r2")?.direction, "maximize");
  assert.equal(predictionMetric("val_loss"), undefined);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { classifierReport, regressorReport, rocAuc, averagePrecision } from "../../src/metrics";
import { modelReportFigures } from "../../src/render/model-report";

test("a binary classifier's report: confusion counts and rates, curves of the positive class, per-class scores", () => {
  const yTrue = { values: [1, 1, 1, 0, 0, 0, 0], shape: [7, 1] };
  const yPred = { values: [0.9, 0.6, 0.4, 0.7, 0.2, 0.1, 0.5], shape: [7, 1] };
  const report = classifierReport(yTrue, yPred);
  assert.deepEqual(report.confusion, [[3, 1], [1, 2]]);
  assert.deepEqual(report.normalised, [[3 / 4, 1 / 4], [1 / 3, 2 / 3]]);
  assert.deepEqual(report.perClass.map((c) => c.support), [4, 3]);
  assert.equal(report.curves.length, 1);
  const curve = report.curves[0]!;
  assert.equal(curve.label, 1);
  const positives = [true, true, true, false, false, false, false];
  assert.equal(curve.auc, rocAuc(positives, yPred.values));
  // average precision is the step sum over the curve the report draws
  const pr = curve.precisionRecall!;
  assert.ok(Math.abs(pr.recall.reduce((sum, r, j) => sum + (r - (pr.recall[j - 1] ?? 0)) * pr.precision[j]!, 0) - averagePrecision(positives, yPred.values)) < 1e-12);
  const negative = classifierReport(yTrue, yPred, 0);
  assert.equal(negative.curves[0]!.label, 0);
  assert.ok(Math.abs(negative.curves[0]!.auc! - rocAuc(positives.map((p) => !p), yPred.values.map((s) => 1 - s))) < 1e-12);

  const figures = modelReportFigures(report, "Best model");
  assert.deepEqual(figures.map((f) => f.name), ["confusion", "roc", "precision-recall", "per-class"]);
  const heatmaps = figures[0]!.figure.data;
  assert.deepEqual(heatmaps.map((t) => t["z"]), [report.confusion, report.normalised]);
  assert.match(figures[0]!.text, /true \\ predicted\s+0\s+1\n.*\n0\s+3\s+1\n1\s+1\s+2/);
  // positives 0.9, 0.6, 0.4 above negatives 0.7, 0.5, 0.2, 0.1 in 4 + 3 + 2 of 12 pairs
  assert.match(figures[1]!.text, /^class 1: ROC AUC 0\.75$/);
  assert.match(figures[3]!.text, /class\s+precision\s+recall\s+F1\s+rows/);
});

test("a three-class report draws one curve per class and says why a class has none", () => {
  const yTrue = { values: [0, 1, 1, 0, 1, 0], shape: [6, 1] };
  const yPred = { values: [0.7, 0.2, 0.1, 0.2, 0.5, 0.3, 0.1, 0.8, 0.1, 0.6, 0.3, 0.1, 0.3, 0.3, 0.4, 0.5, 0.4, 0.1], shape: [6, 3] };
  const report = classifierReport(yTrue, yPred);
  assert.equal(report.confusion.length, 3);
  assert.deepEqual(report.curves.map((c) => c.label), [0, 1, 2]);
  assert.match(report.curves[2]!.missing!, /only one class/);
  const roc = modelReportFigures(report, "m").find((f) => f.name === "roc")!;
  assert.equal(roc.figure.data.length, 3, "two classes with curves and the chance line");
});

test("a regressor's report: predicted against true and the residuals", () => {
  const report = regressorReport({ values: [1, 2, 3], shape: [3, 1] }, { values: [1.5, 2, 2], shape: [3, 1] });
  assert.deepEqual(report.residuals, [-0.5, 0, 1]);
  const figures = modelReportFigures(report, "m");
  assert.deepEqual(figures.map((f) => f.name), ["predicted", "residuals"]);
  assert.deepEqual(figures[1]!.figure.data[0]!["y"], [-0.5, 0, 1]);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { historyKeys, metricDirection, resolveMetricName } from "../../src/tfjs/metrics";

const keys = historyKeys(["loss", "acc", "mse"], true);

test("history keys add val_ versions when there is validation data", () => {
  assert.deepEqual(keys, ["loss", "acc", "mse", "val_loss", "val_acc", "val_mse"]);
  assert.deepEqual(historyKeys(["loss", "acc"], false), ["loss", "acc"]);
});

test("metric names resolve through their aliases", () => {
  assert.equal(resolveMetricName("val_acc", keys), "val_acc");
  assert.equal(resolveMetricName("val_accuracy", keys), "val_acc");
  assert.equal(resolveMetricName("accuracy", keys), "acc");
  assert.equal(resolveMetricName("loss", keys), "loss");
  assert.equal(resolveMetricName("val_loss", keys), "val_loss");
  assert.equal(resolveMetricName("val_meanSquaredError", keys), "val_mse");
  assert.equal(resolveMetricName("acc", ["loss", "accuracy"]), "accuracy");
});

test("an unknown metric is refused with the names the history has", () => {
  assert.throws(
    () => resolveMetricName("val_speed", keys),
    /^Error: unknown metric "val_speed": the training history has loss, acc, mse, val_loss, val_acc, val_mse; computed from predictions: val_f1, val_f1_macro, .*val_auc, val_pr_auc, val_r2, val_mae, val_rmse$/,
  );
  // a prediction metric resolves once the trainer computes it (its names join the history's)
  assert.equal(resolveMetricName("val_f1", [...keys, "val_f1"]), "val_f1");
  assert.throws(() => resolveMetricName("val_acc", historyKeys(["loss", "acc"], false)), /the training history has loss, acc \(validation metrics need a validation fraction or folds\)/);
});

test("well-known metrics have a direction", () => {
  assert.equal(metricDirection("val_loss"), "minimize");
  assert.equal(metricDirection("mse"), "minimize");
  assert.equal(metricDirection("val_meanAbsoluteError"), "minimize");
  assert.equal(metricDirection("val_accuracy"), "maximize");
  assert.equal(metricDirection("acc"), "maximize");
  assert.equal(metricDirection("auc"), "maximize");
  assert.equal(metricDirection("throughput"), undefined);
  assert.equal(metricDirection("val_r2"), "maximize");
  assert.equal(metricDirection("val_rmse"), "minimize");
  assert.equal(metricDirection("val_f1_weighted"), "maximize");
  assert.equal(metricDirection("val_pr_auc"), "maximize");
});

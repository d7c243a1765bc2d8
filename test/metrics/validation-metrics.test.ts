/**
 * The trainer's ValidationMetrics built from names and notebook functions, on real tfjs tensors;
 * the spread rules; the three-way split.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadTensorFlow } from "../../src/tfjs/backend";
import { createValidationMetrics, threadSpecOf } from "../../src/tfjs/validation-metrics";
import { trainValidationTestSplit } from "../../src/tfjs/data";
import { binomialDifferenceError, bootstrapStandardError, computeMetrics, differsBeyondSpread, sampleStandardDeviation } from "../../src/metrics";
import { seededRandom } from "../../src/common/random";

test("validation metrics from names read each tensor once and match the array functions", async () => {
  const { tf } = await loadTensorFlow();
  const before = tf.memory().numTensors;
  const yTrue = tf.tensor2d([[1], [0], [1], [1], [0]]);
  const yPred = tf.tensor2d([[0.8], [0.6], [0.3], [0.9], [0.1]]);
  let calls = 0;
  const metrics = createValidationMetrics(
    { names: ["f1", "auc"], positiveClass: 1 },
    {
      meanPrediction: (t, p) => {
        calls++;
        assert.deepEqual(t, [[1], [0], [1], [1], [0]], "targets arrive as rows");
        return p.reduce((sum, row) => sum + row[0]!, 0) / p.length;
      },
    },
  );
  assert.deepEqual(metrics.names, ["f1", "auc", "meanPrediction"]);
  let reads = 0;
  const countReads = (tensor: typeof yTrue): typeof yTrue => {
    const original = tensor.dataSync.bind(tensor);
    tensor.dataSync = (() => {
      reads++;
      return original();
    }) as typeof tensor.dataSync;
    return tensor;
  };
  const record = metrics.compute(countReads(yTrue), countReads(yPred));
  assert.equal(reads, 2, "one dataSync per tensor for all the metrics");
  const expected = computeMetrics(["f1", "auc"], { values: [1, 0, 1, 1, 0], shape: [5, 1] }, { values: [0.8, 0.6, 0.3, 0.9, 0.1], shape: [5, 1] });
  assert.ok(Math.abs(record["f1"]! - expected["f1"]!) < 1e-7);
  assert.ok(Math.abs(record["auc"]! - expected["auc"]!) < 1e-7);
  assert.ok(Math.abs(record["meanPrediction"]! - 0.54) < 1e-6);
  assert.equal(calls, 1);
  // a notebook function cannot cross threads; names alone can
  assert.throws(() => threadSpecOf(metrics), /hold a notebook function, which cannot cross to a worker thread/);
  const named = createValidationMetrics({ names: ["recall_macro"] });
  assert.deepEqual(threadSpecOf(named), { names: ["recall_macro"] });
  assert.throws(() => createValidationMetrics({ names: ["val_loss"] }), /"val_loss" is not a metric computed from predictions/);
  tf.dispose([yTrue, yPred]);
  assert.equal(tf.memory().numTensors, before, "computing made no tensors");
});

test("spreads: fold deviation, binomial error, bootstrap error, and the flag at twice the spread", () => {
  assert.equal(sampleStandardDeviation([1, 2, 3, 4]), Math.sqrt(5 / 3));
  assert.ok(Number.isNaN(sampleStandardDeviation([1])));
  assert.ok(Math.abs(binomialDifferenceError(0.9, 0.9, 100, 50) - Math.sqrt(0.09 * 0.03)) < 1e-15);
  // pooled: 1 on 36 validation rows and 33/36 on 36 test rows estimate one proportion 69/72
  const pooled = 69 / 72;
  assert.ok(Math.abs(binomialDifferenceError(1, 33 / 36, 36, 36) - Math.sqrt(pooled * (1 - pooled) * (2 / 36))) < 1e-15);
  // a perfect validation score no longer makes the spread 0 (which flagged any test difference)
  assert.equal(differsBeyondSpread(1, 33 / 36, binomialDifferenceError(1, 33 / 36, 36, 36)), false);
  // the bootstrap error of a mean of n values ≈ their deviation / √n
  const random = seededRandom(1);
  const values = Array.from({ length: 400 }, () => random());
  const error = bootstrapStandardError(values.length, (rows) => Array.from(rows, (i) => values[i]!).reduce((a, b) => a + b, 0) / rows.length, seededRandom(2), 400);
  const theory = sampleStandardDeviation(values) / Math.sqrt(values.length);
  assert.ok(Math.abs(error - theory) / theory < 0.15, `bootstrap ${error} vs ${theory}`);
  // resamples where the statistic is undefined are left out
  assert.ok(Number.isNaN(bootstrapStandardError(5, () => { throw new Error("one class"); }, seededRandom(3))));
  assert.equal(differsBeyondSpread(0.9, 0.8, 0.04), true);
  assert.equal(differsBeyondSpread(0.9, 0.85, 0.04), false);
  assert.equal(differsBeyondSpread(0.9, 0.1, Number.NaN), false);
});

test("a stratified three-way split in one call keeps every row once and each class's share", () => {
  const x = Array.from({ length: 100 }, (_, i) => [i]);
  const y = Array.from({ length: 100 }, (_, i) => (i < 20 ? 1 : 0));
  const split = trainValidationTestSplit(x, y, { validation: 0.2, test: 0.1, stratify: true, seed: 4 });
  const all = [...split.trainIndices, ...split.validationIndices, ...split.testIndices].sort((a, b) => a - b);
  assert.deepEqual(all, x.map((_, i) => i), "every row is in exactly one part");
  assert.equal(split.testIndices.length, 10);
  assert.equal(split.validationIndices.length, 20);
  assert.equal(split.xTrain.length, 70);
  const positives = (labels: number[]): number => labels.filter((label) => label === 1).length;
  assert.deepEqual([positives(split.yTrain), positives(split.yValidation), positives(split.yTest)], [14, 4, 2]);
  assert.deepEqual(split.xTest.map((row) => row[0]), split.testIndices);
  // the classes come mixed, not one after the other: the positives (rows 0–19) are not all first
  const firstPositivesRun = (labels: number[]): number => labels.findIndex((label) => label === 0);
  assert.ok(firstPositivesRun(split.yTrain) < 14 && split.yTrain.lastIndexOf(1) > 14, `training labels ${split.yTrain.join("")}`);
  assert.deepEqual(trainValidationTestSplit(x, y, { seed: 4 }).testIndices, trainValidationTestSplit(x, y, { seed: 4 }).testIndices, "seeded");
  assert.notDeepEqual(trainValidationTestSplit(x, y, { seed: 4 }).testIndices, trainValidationTestSplit(x, y, { seed: 5 }).testIndices);
  assert.throws(() => trainValidationTestSplit(x, y, { validation: 0.6, test: 0.4 }), /the validation and test shares must leave rows to train on, but 0.6 \+ 0.4 ≥ 1/);
  assert.throws(() => trainValidationTestSplit(x, y, { test: 1.5 }), /the test share must lie in \(0, 1\), but got 1.5/);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { checkSameRowCount, classIndices, fitStandardizer, kFold, oneHot, standardize, trainTestSplit } from "../../src/tfjs/data";
import { breastCancer } from "./fixtures";

const close = (a: number, b: number, tolerance = 1e-9): boolean => Math.abs(a - b) <= tolerance;

test("row counts must agree, and the message names both sets", () => {
  const { x, y } = breastCancer();
  assert.equal(checkSameRowCount({ xTrain: x, yTrain: y }), 569);
  assert.throws(() => checkSameRowCount({ xTrain: x, yTrain: y.slice(1) }), /^Error: xTrain has 569 rows but yTrain has 568$/);
  assert.throws(() => checkSameRowCount({ xTrain: { shape: [10, 3] }, yTrain: { shape: [9] } }), /xTrain has 10 rows but yTrain has 9/);
});

test("labels: integers or one-hot rows, anything else is refused with the row", () => {
  assert.deepEqual(classIndices([0, 2, 1]), [0, 2, 1]);
  assert.deepEqual(classIndices([[1], [0]]), [1, 0]);
  assert.deepEqual(classIndices([[0, 0, 1], [1, 0, 0]]), [2, 0]);
  assert.throws(() => classIndices([0, 1.5]), /labels must be integers 0\.\.K-1 or one-hot rows, but row 1 is 1\.5/);
  assert.throws(() => classIndices([[0, 1], [0.2, 0.8]]), /but row 1 is \[0\.2,0\.8\]/);
  assert.throws(() => classIndices([-1]), /row 0 is -1/);
  assert.deepEqual(oneHot([0, 2]), [[1, 0, 0], [0, 0, 1]]);
  assert.deepEqual(oneHot([1], 3), [[0, 1, 0]]);
  assert.throws(() => oneHot([3], 3), /label 3 in row 0 is not below the class count 3/);
});

test("standardize fits on the training rows only", () => {
  const { x } = breastCancer();
  const train = x.slice(0, 400);
  const test = x.slice(400);
  const result = standardize(train, test);
  for (let j = 0; j < 30; j++) {
    const column = result.xTrain.map((row) => row[j]!);
    const mean = column.reduce((s, v) => s + v, 0) / column.length;
    const variance = column.reduce((s, v) => s + (v - mean) ** 2, 0) / column.length;
    assert.ok(close(mean, 0, 1e-9) && close(variance, 1, 1e-9), `column ${j}: mean ${mean}, variance ${variance}`);
  }
  // the test rows use the training μ and σ: x = z·σ + μ recovers them
  const { mean, std } = result.standardizer;
  result.xTest.forEach((row, i) => row.forEach((z, j) => assert.ok(close(z * std[j]! + mean[j]!, test[i]![j]!, 1e-9))));
  // a constant column maps to 0 instead of dividing by 0
  assert.deepEqual(fitStandardizer([[1, 5], [3, 5]]).transform([[2, 5]]), [[0, 0]]);
  assert.throws(() => fitStandardizer([[1, 2], [3]]), /xTrain row 1 has 1 columns, but row 0 has 2/);
  assert.throws(() => fitStandardizer([[1, Number.NaN]]), /xTrain\[0\]\[1\] is NaN, expected a finite number/);
});

test("trainTestSplit: seeded, a partition of the rows, and stratified on request", () => {
  const { x, y } = breastCancer();
  const a = trainTestSplit(x, y, { testFraction: 0.25, seed: 3 });
  const b = trainTestSplit(x, y, { testFraction: 0.25, seed: 3 });
  const c = trainTestSplit(x, y, { testFraction: 0.25, seed: 4 });
  assert.deepEqual(a.testIndices, b.testIndices);
  assert.notDeepEqual(a.testIndices, c.testIndices);
  assert.deepEqual([...a.trainIndices, ...a.testIndices].sort((p, q) => p - q), Array.from({ length: 569 }, (_, i) => i));
  assert.equal(a.testIndices.length, 142);
  assert.deepEqual(a.xTest[0], x[a.testIndices[0]!]);
  assert.equal(a.yTrain[5], y[a.trainIndices[5]!]);

  const stratified = trainTestSplit(x, y, { testFraction: 0.25, seed: 3, stratify: true });
  const share = (labels: readonly number[]): number => labels.filter((label) => label === 1).length / labels.length;
  assert.ok(Math.abs(share(stratified.yTest) - share(y)) < 0.005, `test share ${share(stratified.yTest)} vs ${share(y)}`);
  assert.ok(Math.abs(share(stratified.yTrain) - share(y)) < 0.005);
  // the classes come mixed, as sklearn's stratified split returns them: the last fifth of the
  // training rows (what fit's validationSplit takes) holds both classes in about their shares
  const lastFifth = stratified.yTrain.slice(-Math.round(stratified.yTrain.length / 5));
  assert.ok(Math.abs(share(lastFifth) - share(y)) < 0.15, `last fifth share ${share(lastFifth)} vs ${share(y)}`);
  assert.deepEqual(stratified.yTrain, trainTestSplit(x, y, { testFraction: 0.25, seed: 3, stratify: true }).yTrain, "seeded");
  assert.deepEqual(stratified.xTrain[0], x[stratified.trainIndices[0]!]);

  assert.throws(() => trainTestSplit(x, y, { testFraction: 1.2 }), /the held-out fraction must lie in \(0, 1\), but got 1\.2/);
  assert.throws(() => trainTestSplit([[1], [2]], [0, 1], { testFraction: 0.1 }), /leaves 0 held-out and 2 training rows/);
  assert.throws(() => trainTestSplit(x, y.slice(2)), /x has 569 rows but y has 567/);
});

test("kFold: every row validated exactly once, sizes within one, seeded, optionally stratified", () => {
  const folds = kFold(103, 5, 11);
  assert.equal(folds.length, 5);
  const validated = folds.flatMap((fold) => fold.validationIndices).sort((p, q) => p - q);
  assert.deepEqual(validated, Array.from({ length: 103 }, (_, i) => i));
  const sizes = folds.map((fold) => fold.validationIndices.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
  for (const fold of folds) {
    assert.equal(fold.trainIndices.length + fold.validationIndices.length, 103);
    assert.ok(!fold.trainIndices.some((i) => fold.validationIndices.includes(i)));
  }
  assert.deepEqual(kFold(103, 5, 11), folds);
  assert.notDeepEqual(kFold(103, 5, 12), folds);

  const { y } = breastCancer();
  for (const fold of kFold(y.length, 4, 1, y)) {
    const positives = fold.validationIndices.filter((i) => y[i] === 1).length;
    assert.ok(Math.abs(positives / fold.validationIndices.length - 357 / 569) < 0.01);
  }
  assert.throws(() => kFold(10, 1, 0), /the number of folds must be an integer in \[2, 10\] \(the number of rows\), but got 1/);
  assert.throws(() => kFold(3, 4, 0), /but got 4/);
});

/**
 * prepareTrainingData's folds with `stratify: "if-classes"` (what `%%tune --cv K` asks for), on
 * real tfjs tensors: class labels are stratified, so a rare class reaches every fold; a regression
 * target is not (and is no error).
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { loadTensorFlow, type TensorFlow } from "../../src/tfjs/backend";
import { oneHot } from "../../src/tfjs/data";
import { prepareTrainingData } from "../../src/tfjs/trainingData";

let tf: TensorFlow;
before(async () => {
  ({ tf } = await loadTensorFlow());
});

/** 60 rows, the first 5 of class 1 (rare), the rest of class 0. */
const x = Array.from({ length: 60 }, (_, i) => [i, i % 7]);
const labels = x.map((_, i) => (i < 5 ? 1 : 0));

/** The rows of class 1 in each fold's validation part. */
function rarePerFold(y: number[] | number[][], stratify?: "if-classes"): number[] {
  const data = prepareTrainingData(tf, x, y, { validation: { kind: "folds", k: 5 }, seed: 3, ...(stratify === undefined ? {} : { stratify }) });
  try {
    return data.folds.map((fold) => {
      const rows = fold.yValidation.arraySync() as number[][];
      return rows.filter((row) => (row.length === 1 ? row[0] === 1 : row[1] === 1)).length;
    });
  } finally {
    data.dispose();
  }
}

test('stratify "if-classes": a class of 5 rows puts one in each of 5 folds, as labels or one-hot rows', () => {
  assert.deepEqual(rarePerFold(labels, "if-classes"), [1, 1, 1, 1, 1]);
  assert.deepEqual(rarePerFold(oneHot(labels), "if-classes"), [1, 1, 1, 1, 1]);
  // Unstratified, some seed leaves a fold without the class (this one does): what failed every trial on val_auc.
  assert.ok(rarePerFold(labels).some((count) => count === 0), "the plain folds of this seed miss the class in some fold");
});

/** Each fold's validation rows (their first feature, the row number), with or without `stratify: "if-classes"`. */
function validationRows(y: number[][], stratify?: "if-classes"): number[][] {
  const data = prepareTrainingData(tf, x, y, { validation: { kind: "folds", k: 5 }, seed: 3, ...(stratify === undefined ? {} : { stratify }) });
  try {
    return data.folds.map((fold) => (fold.xValidation.arraySync() as number[][]).map((row) => row[0]!));
  } finally {
    data.dispose();
  }
}

test('stratify "if-classes": a regression target is folded as without it, floats or integers that are not 0..K-1 without gaps', () => {
  for (const target of [x.map(([a]) => [a! / 7 + 0.5]), x.map(([a]) => [25 + 3 * a!])]) {
    const folds = validationRows(target, "if-classes");
    assert.deepEqual(folds, validationRows(target));
    assert.deepEqual(folds.map((rows) => rows.length), [12, 12, 12, 12, 12]);
  }
});

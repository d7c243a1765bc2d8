/**
 * Targets and predictions as a model gives them (flat row-major values with a shape) turned into
 * what the metric functions read: class labels and class scores, or regression columns.
 *
 * Notation: n rows, w output columns, k classes.
 * - A single sigmoid output (w = 1) is a binary classifier: k = 2, scores [1 − s, s], predicted
 *   class 1 when s > 0.5; targets must be 0 or 1.
 * - w ≥ 2 outputs (softmax, one-hot) give k = w classes: the predicted class is the row's argmax;
 *   targets are one-hot rows (w columns, argmax taken) or sparse class indices (one column).
 */

/** Values of an array of rows, flat in row-major order, with their shape ([n] or [n, w]). */
export interface ShapedValues {
  readonly values: ArrayLike<number>;
  readonly shape: readonly number[];
}

/** What classification metrics read. */
export interface ClassificationTargets {
  /** k ≥ 2. */
  readonly classes: number;
  /** (n) the true class of each row. */
  readonly trueLabels: Int32Array;
  /** (n) the predicted class of each row. */
  readonly predictedLabels: Int32Array;
  /** (n, k) row-major: each class's score (probability) for each row. */
  readonly scores: Float64Array;
}

/** What regression metrics read: n rows of w outputs, row-major. */
export interface RegressionTargets {
  readonly rows: number;
  readonly outputs: number;
  /** (n, w) */
  readonly yTrue: Float64Array;
  /** (n, w) */
  readonly yPred: Float64Array;
}

/** Rows and columns of a shape ([n] counts as [n, 1]). */
export function rowsAndColumns(shape: readonly number[], what: string): { rows: number; columns: number } {
  if (shape.length === 0 || shape.length > 2) {
    throw new Error(`${what} must have one row per example and at most one more axis, got shape [${shape.join(", ")}]`);
  }
  return { rows: shape[0]!, columns: shape.length === 2 ? shape[1]! : 1 };
}

/**
 * Class labels and scores from targets and a classifier's predictions (see the module comment).
 * @throws Error when the row counts differ, binary targets are not 0/1, or sparse labels are not class indices
 */
export function classificationTargets(yTrue: ShapedValues, yPred: ShapedValues): ClassificationTargets {
  const truth = rowsAndColumns(yTrue.shape, "the targets");
  const predicted = rowsAndColumns(yPred.shape, "the predictions");
  const n = predicted.rows;
  if (truth.rows !== n) throw new Error(`the targets have ${truth.rows} rows but the predictions ${n}`);
  const w = predicted.columns;
  const k = w === 1 ? 2 : w;
  const trueLabels = new Int32Array(n);
  const predictedLabels = new Int32Array(n);
  const scores = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    if (w === 1) {
      const s = yPred.values[i]!;
      scores[2 * i] = 1 - s;
      scores[2 * i + 1] = s;
      predictedLabels[i] = s > 0.5 ? 1 : 0;
    } else {
      for (let c = 0; c < k; c++) scores[i * k + c] = yPred.values[i * k + c]!;
      predictedLabels[i] = argmax(yPred.values, i * k, k);
    }
    trueLabels[i] = trueLabel(yTrue.values, i, truth.columns, k, w === 1);
  }
  return { classes: k, trueLabels, predictedLabels, scores };
}

/** Row i's true class: a 0/1 target (binary), a one-hot row's argmax, or a sparse class index. */
function trueLabel(values: ArrayLike<number>, i: number, columns: number, k: number, binary: boolean): number {
  if (columns === k && !binary) return argmax(values, i * k, k);
  if (columns !== 1) throw new Error(`the targets have ${columns} columns per row; expected 1 (class indices) or ${k} (one-hot) for ${k} outputs`);
  const label = values[i]!;
  if (!(Number.isInteger(label) && label >= 0 && label < k)) {
    const expected = binary ? "0 or 1 for a single (sigmoid) output" : `a class index in 0..${k - 1}`;
    throw new Error(`target row ${i} is ${label}; expected ${expected}`);
  }
  return label;
}

/** The index of the largest of values[start .. start + length) (the first on ties). */
function argmax(values: ArrayLike<number>, start: number, length: number): number {
  let best = 0;
  for (let c = 1; c < length; c++) if (values[start + c]! > values[start + best]!) best = c;
  return best;
}

/**
 * Regression columns from targets and predictions of the same shape.
 * @throws Error when the shapes differ
 */
export function regressionTargets(yTrue: ShapedValues, yPred: ShapedValues): RegressionTargets {
  const truth = rowsAndColumns(yTrue.shape, "the targets");
  const predicted = rowsAndColumns(yPred.shape, "the predictions");
  if (truth.rows !== predicted.rows || truth.columns !== predicted.columns) {
    throw new Error(`the targets have shape [${truth.rows}, ${truth.columns}] but the predictions [${predicted.rows}, ${predicted.columns}]`);
  }
  return { rows: truth.rows, outputs: truth.columns, yTrue: Float64Array.from(yTrue.values), yPred: Float64Array.from(yPred.values) };
}

/** The rows of `data` at `indices` (repeats allowed), in that order. */
export function takeShapedRows(data: ShapedValues, indices: ArrayLike<number>): ShapedValues {
  const width = data.shape.slice(1).reduce((a, b) => a * b, 1);
  const values = new Float64Array(indices.length * width);
  for (let r = 0; r < indices.length; r++) {
    for (let j = 0; j < width; j++) values[r * width + j] = data.values[indices[r]! * width + j]!;
  }
  return { values, shape: [indices.length, ...data.shape.slice(1)] };
}

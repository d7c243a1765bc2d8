/**
 * The tensors a study trains on, made once per study and shared by its trials: the training and
 * validation parts of a validation split, or of each of k folds. The split uses the study's data
 * seed, so every trial is judged on the same rows. The caller disposes them when the study ends.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "./backend";
import { checkSameRowCount, classIndices, kFold, splitIndices, type Fold } from "./data";
import { messageOf } from "../common/errors";
import { describeKind } from "../common/describe";

/** Training data as a tensor or nested arrays (rows first). */
export type DataInput = tfjs.Tensor | readonly unknown[];

/** How trials are validated. */
export type Validation =
  /** Hold out this fraction of the rows, in (0, 1). */
  | { readonly kind: "fraction"; readonly fraction: number }
  /** Split the rows into k folds; every trial trains k models. */
  | { readonly kind: "folds"; readonly k: number }
  /** Validate on the given data (train on all of x, y). */
  | { readonly kind: "data"; readonly x: DataInput; readonly y: DataInput };

/** Options of {@link prepareTrainingData}. */
export interface PrepareOptions {
  readonly validation: Validation;
  /** Seed of the split or folds (one per study, not per trial); default 0. */
  readonly seed?: number;
  /**
   * Keep class shares equal across parts: `true` (y must hold class labels), `"if-classes"` when
   * y holds class labels (integers 0..K−1 or one-hot rows; other targets are not stratified, as
   * scikit-learn's cross-validation stratifies classifiers' folds only); default false.
   */
  readonly stratify?: boolean | "if-classes";
}

/** The training and validation tensors of one fold (or of the single split). */
export interface TrainingFold {
  /** Shape (nTrain, ...features). */
  readonly xTrain: tfjs.Tensor;
  /** Shape (nTrain, ...targets); a 1-D target becomes one column. */
  readonly yTrain: tfjs.Tensor;
  readonly xValidation: tfjs.Tensor;
  readonly yValidation: tfjs.Tensor;
}

/** Prepared tensors, owned by the caller until {@link TrainingData.dispose}. */
export interface TrainingData {
  /** One element for a validation fraction or given validation data; k for k folds. */
  readonly folds: readonly TrainingFold[];
  /** Rows of x (before splitting). */
  readonly rowCount: number;
  /** Frees every tensor made here (the caller's own tensors are untouched). */
  dispose(): void;
}

/**
 * Checks shapes and makes the tensors of each fold.
 * @param names how x and y are called in error messages (the notebook's variable names)
 * @throws Error for mismatched row counts ("xTrain has 569 rows but yTrain has 568"), non-numeric
 *   data, or a bad fraction / number of folds
 */
export function prepareTrainingData(
  tf: TensorFlow,
  x: DataInput,
  y: DataInput,
  options: PrepareOptions,
  names: { readonly x: string; readonly y: string } = { x: "x", y: "y" },
): TrainingData {
  const n = checkSameRowCount({ [names.x]: x, [names.y]: y });
  const made: tfjs.Tensor[] = [];
  const keep = <T extends tfjs.Tensor>(tensor: T): T => {
    made.push(tensor);
    return tensor;
  };
  try {
    const xAll = asTensor(tf, x, names.x, keep, false);
    const yAll = asTensor(tf, y, names.y, keep, true);
    const seed = options.seed ?? 0;
    const classes = options.stratify === true ? classIndices(labelRows(yAll)) : options.stratify === "if-classes" ? classLabelsIfAny(yAll) : undefined;
    let folds: TrainingFold[];
    switch (options.validation.kind) {
      case "fraction": {
        const { trainIndices, testIndices } = splitIndices(n, options.validation.fraction, seed, classes);
        folds = [foldOf(tf, xAll, yAll, { trainIndices, validationIndices: testIndices }, keep)];
        break;
      }
      case "folds":
        folds = kFold(n, options.validation.k, seed, classes).map((fold) => foldOf(tf, xAll, yAll, fold, keep));
        break;
      case "data": {
        const xName = `validation ${names.x}`;
        const yName = `validation ${names.y}`;
        checkSameRowCount({ [xName]: options.validation.x, [yName]: options.validation.y });
        const xValidation = asTensor(tf, options.validation.x, xName, keep, false);
        const yValidation = asTensor(tf, options.validation.y, yName, keep, true);
        checkSameTrailingShape(xAll, xValidation, names.x, xName);
        checkSameTrailingShape(yAll, yValidation, names.y, yName);
        folds = [{ xTrain: xAll, yTrain: yAll, xValidation, yValidation }];
        break;
      }
    }
    return {
      folds,
      rowCount: n,
      dispose: () => tf.dispose(made),
    };
  } catch (error) {
    tf.dispose(made);
    throw error;
  }
}

/** A tensor of `data` (made and recorded when it is an array); a 1-D target becomes (n, 1). */
function asTensor(
  tf: TensorFlow,
  data: DataInput,
  name: string,
  keep: <T extends tfjs.Tensor>(tensor: T) => T,
  isTarget: boolean,
): tfjs.Tensor {
  let tensor: tfjs.Tensor;
  if (data instanceof tf.Tensor) {
    tensor = data;
  } else if (Array.isArray(data)) {
    try {
      tensor = keep(tf.tensor(data as number[]));
    } catch (error) {
      throw new Error(`${name} must hold numbers in equal-length rows: ${messageOf(error)}`);
    }
  } else {
    throw new Error(`${name} must be a tf.Tensor or an array of rows, but got ${describeKind(data)}`);
  }
  if (tensor.dtype === "string") throw new Error(`${name} holds strings; expected numbers`);
  checkFinite(tf, tensor, name);
  if (isTarget && tensor.rank === 1) return keep(tensor.reshape([tensor.shape[0]!, 1]));
  return tensor;
}

/** @throws Error naming the first row of `tensor` that holds NaN or ±∞ */
function checkFinite(tf: TensorFlow, tensor: tfjs.Tensor, name: string): void {
  if (tensor.size === 0) return;
  const firstBadRow = tf.tidy(() => {
    const rows = tensor.reshape([tensor.shape[0]!, -1]);
    const badPerRow = tf.logicalNot(tf.isFinite(rows)).any(1); // (n)
    return badPerRow.any().dataSync()[0] === 1 ? badPerRow.argMax().dataSync()[0]! : -1;
  });
  if (firstBadRow >= 0) throw new Error(`${name} row ${firstBadRow} holds NaN or an infinite value; expected finite numbers`);
}

function foldOf(
  tf: TensorFlow,
  x: tfjs.Tensor,
  y: tfjs.Tensor,
  fold: Fold,
  keep: <T extends tfjs.Tensor>(tensor: T) => T,
): TrainingFold {
  const take = (data: tfjs.Tensor, indices: readonly number[]): tfjs.Tensor =>
    keep(tf.tidy(() => tf.gather(data, tf.tensor1d(indices as number[], "int32"))));
  return {
    xTrain: take(x, fold.trainIndices),
    yTrain: take(y, fold.trainIndices),
    xValidation: take(x, fold.validationIndices),
    yValidation: take(y, fold.validationIndices),
  };
}

/**
 * The class index of each row when `y` holds class labels (one-hot rows, or a column of integers
 * holding every class 0..K−1), else undefined: a regression target (floats, or integers such as
 * counts or scores that do not run 0..K−1 without gaps) is not stratified.
 */
function classLabelsIfAny(y: tfjs.Tensor): number[] | undefined {
  if (y.rank !== 2) return undefined;
  let indices: number[];
  try {
    indices = classIndices(labelRows(y));
  } catch {
    return undefined;
  }
  const distinct = new Set(indices);
  const largest = indices.reduce((max, index) => Math.max(max, index), 0);
  return distinct.size === largest + 1 ? indices : undefined;
}

/** Label rows of a target tensor, for stratification: a column of class indices or one-hot rows. */
function labelRows(y: tfjs.Tensor): (number | number[])[] {
  if (y.rank !== 2) throw new Error(`stratifying needs class labels of shape (n) or (n, K), but y has shape [${y.shape.join(", ")}]`);
  return y.arraySync() as number[][];
}

function checkSameTrailingShape(a: tfjs.Tensor, b: tfjs.Tensor, aName: string, bName: string): void {
  const aRow = a.shape.slice(1);
  const bRow = b.shape.slice(1);
  if (aRow.join(",") !== bRow.join(",")) {
    throw new Error(`${aName} rows have shape [${aRow.join(", ")}] but ${bName} rows have shape [${bRow.join(", ")}]`);
  }
}


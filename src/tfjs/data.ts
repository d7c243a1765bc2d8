/**
 * Preparing array data for training: shape checks with clear errors, class labels (integers or
 * one-hot), standardisation fitted on the training rows only, seeded (optionally stratified)
 * train/test and train/validation/test splits and k-fold partitions. Everything here works on plain arrays and is pure;
 * tensors are made from the results where training needs them (see `trainingData.ts`).
 *
 * Notation: n rows, p features, K classes.
 */
import { deriveSeed, permutation, seededRandom } from "../common/random";

/** A matrix as rows, shape (n, p). */
export type Matrix = readonly (readonly number[])[];

/** Anything with rows: an array of rows, or a tensor-like value with a `shape`. */
export type HasRows = readonly unknown[] | { readonly shape: readonly number[] };

/** The number of rows of an array (its length) or of a tensor (its first dimension). */
export function rowCount(data: HasRows): number {
  if (Array.isArray(data)) return data.length;
  const shape = (data as { readonly shape: readonly number[] }).shape;
  if (shape.length === 0) throw new Error("expected rows, but got a scalar tensor (shape [])");
  return shape[0]!;
}

/**
 * Checks that named data sets have the same number of rows.
 * @throws Error like "xTrain has 569 rows but yTrain has 568"
 */
export function checkSameRowCount(named: Readonly<Record<string, HasRows>>): number {
  const entries = Object.entries(named);
  if (entries.length === 0) throw new Error("checkSameRowCount needs at least one data set");
  const [firstName, first] = entries[0]!;
  const n = rowCount(first);
  for (const [name, data] of entries.slice(1)) {
    const m = rowCount(data);
    if (m !== n) throw new Error(`${firstName} has ${n} rows but ${name} has ${m}`);
  }
  if (n === 0) throw new Error(`${firstName} has no rows`);
  return n;
}

/**
 * Checks that `x` is a rectangular matrix of finite numbers.
 * @returns p, the number of columns
 * @throws Error naming the first offending row or value
 */
export function checkMatrix(x: Matrix, name = "x"): number {
  if (!Array.isArray(x)) throw new Error(`${name} must be an array of rows (number[][]), but got ${typeof x}`);
  if (x.length === 0) throw new Error(`${name} has no rows`);
  const first = x[0];
  if (!Array.isArray(first)) throw new Error(`${name} must be an array of rows (number[][]), but row 0 is ${JSON.stringify(first)}`);
  const p = first.length;
  x.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== p) {
      throw new Error(`${name} row ${i} has ${Array.isArray(row) ? row.length : "no"} columns, but row 0 has ${p}`);
    }
    row.forEach((value, j) => {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new Error(`${name}[${i}][${j}] is ${String(value)}, expected a finite number`);
      }
    });
  });
  return p;
}

/**
 * Class indices from labels given as integers 0..K-1 (a flat array, or rows of one value) or as
 * one-hot rows.
 * @returns one class index per row
 * @throws Error "labels must be integers 0..K-1 or one-hot rows, but row 5 is [0.2,0.8]"
 */
export function classIndices(labels: readonly (number | readonly number[])[]): number[] {
  return labels.map((label, i) => {
    if (typeof label === "number") return checkClassIndex(label, i);
    if (Array.isArray(label) && label.length === 1) return checkClassIndex(label[0] as number, i);
    if (Array.isArray(label) && label.length > 1) {
      const hot = label.indexOf(1);
      const isOneHot = hot >= 0 && label.every((value, k) => value === (k === hot ? 1 : 0));
      if (isOneHot) return hot;
    }
    throw new Error(`labels must be integers 0..K-1 or one-hot rows, but row ${i} is ${JSON.stringify(label)}`);
  });
}

function checkClassIndex(value: number, row: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`labels must be integers 0..K-1 or one-hot rows, but row ${row} is ${String(value)}`);
  }
  return value;
}

/**
 * One-hot rows for class indices, shape (n, K).
 * @param classCount K; default: the largest index + 1
 */
export function oneHot(labels: readonly number[], classCount?: number): number[][] {
  const indices = classIndices(labels);
  const k = classCount ?? Math.max(...indices) + 1;
  return indices.map((index, i) => {
    if (index >= k) throw new Error(`label ${index} in row ${i} is not below the class count ${k}`);
    const row: number[] = new Array<number>(k).fill(0);
    row[index] = 1;
    return row;
  });
}

/** Feature means and standard deviations fitted on training rows; applies (x − μ) / σ. */
export interface Standardizer {
  /** μ, shape (p). */
  readonly mean: readonly number[];
  /** σ, shape (p); a constant column gets σ = 1 so it maps to 0. */
  readonly std: readonly number[];
  /** Standardises rows with the fitted μ and σ. */
  transform(x: Matrix): number[][];
}

/** Fits μ and σ (population standard deviation) on `xTrain` only. */
export function fitStandardizer(xTrain: Matrix): Standardizer {
  const p = checkMatrix(xTrain, "xTrain");
  const n = xTrain.length;
  const mean = new Array<number>(p).fill(0);
  for (const row of xTrain) for (let j = 0; j < p; j++) mean[j]! += row[j]! / n;
  const variance = new Array<number>(p).fill(0);
  for (const row of xTrain) for (let j = 0; j < p; j++) variance[j]! += (row[j]! - mean[j]!) ** 2 / n;
  const std = variance.map((v) => (v > 0 ? Math.sqrt(v) : 1));
  return {
    mean,
    std,
    transform(x: Matrix): number[][] {
      const q = checkMatrix(x, "x");
      if (q !== p) throw new Error(`x has ${q} columns, but the standardizer was fitted on ${p}`);
      return x.map((row) => row.map((value, j) => (value - mean[j]!) / std[j]!));
    },
  };
}

/**
 * Standardises `xTrain` and `xTest` with μ and σ fitted on `xTrain` only (no test leakage).
 */
export function standardize(xTrain: Matrix, xTest: Matrix = []): { xTrain: number[][]; xTest: number[][]; standardizer: Standardizer } {
  const standardizer = fitStandardizer(xTrain);
  return { xTrain: standardizer.transform(xTrain), xTest: xTest.length > 0 ? standardizer.transform(xTest) : [], standardizer };
}

/** The rows of `rows` at `indices`, in that order. */
export function takeRows<T>(rows: readonly T[], indices: readonly number[]): T[] {
  return indices.map((i) => rows[i]!);
}

/** Options of {@link trainTestSplit}. */
export interface SplitOptions {
  /** The share of rows held out, in (0, 1); default 0.2. */
  readonly testFraction?: number;
  /** Seed of the shuffle; default 0. */
  readonly seed?: number;
  /** Keep each class's share equal in both parts (needs class labels in `y`); default false. */
  readonly stratify?: boolean;
}

/** The two parts of a split, and which original rows went where. */
export interface Split<X, Y> {
  readonly xTrain: X[];
  readonly yTrain: Y[];
  readonly xTest: X[];
  readonly yTest: Y[];
  readonly trainIndices: number[];
  readonly testIndices: number[];
}

/**
 * A seeded shuffle-and-split of rows into train and test parts; with `stratify`, each class is
 * split on its own so both parts keep the class shares.
 * @throws Error for mismatched row counts or a fraction that leaves a part empty
 */
export function trainTestSplit<X, Y>(x: readonly X[], y: readonly Y[], options: SplitOptions = {}): Split<X, Y> {
  const n = checkSameRowCount({ x, y });
  const stratified = options.stratify === true;
  const split = splitIndices(n, options.testFraction ?? 0.2, options.seed ?? 0, stratified ? classIndices(y as unknown as readonly number[]) : undefined);
  const [trainIndices, testIndices] = stratified ? mixedClasses(options.seed ?? 0, split.trainIndices, split.testIndices) : [split.trainIndices, split.testIndices];
  return {
    xTrain: takeRows(x, trainIndices),
    yTrain: takeRows(y, trainIndices),
    xTest: takeRows(x, testIndices),
    yTest: takeRows(y, testIndices),
    trainIndices,
    testIndices,
  };
}

/** Options of {@link trainValidationTestSplit}. */
export interface ThreeWaySplitOptions {
  /** The share of all rows for validation, in (0, 1); default 0.2. */
  readonly validation?: number;
  /** The share of all rows held out for the final test, in (0, 1); default 0.2. */
  readonly test?: number;
  /** Keep each class's share equal in the three parts (needs class labels in `y`); default false. */
  readonly stratify?: boolean;
  /** Seed of the shuffles; default 0. */
  readonly seed?: number;
}

/** The three parts of a train / validation / test split, and which original rows went where. */
export interface ThreeWaySplit<X, Y> {
  readonly xTrain: X[];
  readonly yTrain: Y[];
  readonly xValidation: X[];
  readonly yValidation: Y[];
  readonly xTest: X[];
  readonly yTest: Y[];
  readonly trainIndices: number[];
  readonly validationIndices: number[];
  readonly testIndices: number[];
}

/**
 * A seeded split of rows into training (to fit), validation (to choose) and test (to report once)
 * parts in one call: the test rows are drawn first, then the validation rows from the rest (each
 * as a share of all rows); with `stratify`, each class is split on its own at both steps.
 * @throws Error for mismatched row counts, shares outside (0, 1) or summing to 1 or more, or a part left empty
 */
export function trainValidationTestSplit<X, Y>(x: readonly X[], y: readonly Y[], options: ThreeWaySplitOptions = {}): ThreeWaySplit<X, Y> {
  const n = checkSameRowCount({ x, y });
  const validation = options.validation ?? 0.2;
  const test = options.test ?? 0.2;
  for (const [name, share] of [["validation", validation], ["test", test]] as const) {
    if (!(share > 0 && share < 1)) throw new Error(`the ${name} share must lie in (0, 1), but got ${share}`);
  }
  if (validation + test >= 1) throw new Error(`the validation and test shares must leave rows to train on, but ${validation} + ${test} ≥ 1`);
  const seed = options.seed ?? 0;
  const classes = options.stratify === true ? classIndices(y as unknown as readonly number[]) : undefined;
  const first = splitIndices(n, test, deriveSeed(seed, "test"), classes);
  const rest = first.trainIndices;
  const second = splitIndices(rest.length, validation / (1 - test), deriveSeed(seed, "validation"), classes === undefined ? undefined : takeRows(classes, rest));
  const parts = [takeRows(rest, second.trainIndices), takeRows(rest, second.testIndices), first.testIndices] as const;
  const [trainIndices, validationIndices, testIndices] = classes === undefined ? parts : mixedClasses(seed, ...parts);
  return {
    xTrain: takeRows(x, trainIndices),
    yTrain: takeRows(y, trainIndices),
    xValidation: takeRows(x, validationIndices),
    yValidation: takeRows(y, validationIndices),
    xTest: takeRows(x, testIndices),
    yTest: takeRows(y, testIndices),
    trainIndices,
    validationIndices,
    testIndices,
  };
}

/**
 * Each part's rows in a seeded random order. A stratified split takes each class's rows in turn,
 * so its parts list the classes one after another; code that takes the last rows of a part (tfjs's
 * `fit(x, y, { validationSplit })`, a quick look at the first rows) would see one class only.
 */
function mixedClasses<P extends readonly (readonly number[])[]>(seed: number, ...parts: P): { -readonly [K in keyof P]: number[] } {
  const random = seededRandom(seed, "row order");
  return parts.map((part) => takeRows(part, permutation(part.length, random))) as { -readonly [K in keyof P]: number[] };
}

/**
 * Seeded train/test row indices for n rows, optionally stratified by `classes` (one index per row).
 * @throws Error when `fraction` is not in (0, 1) or leaves a part empty
 */
export function splitIndices(n: number, fraction: number, seed: number, classes?: readonly number[]): { trainIndices: number[]; testIndices: number[] } {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`the held-out fraction must lie in (0, 1), but got ${fraction}`);
  const random = seededRandom(seed);
  const groups = classes === undefined ? [Array.from({ length: n }, (_, i) => i)] : groupByClass(classes);
  const trainIndices: number[] = [];
  const testIndices: number[] = [];
  for (const group of groups) {
    const order = permutation(group.length, random).map((i) => group[i]!);
    const held = Math.round(fraction * group.length);
    testIndices.push(...order.slice(0, held));
    trainIndices.push(...order.slice(held));
  }
  if (testIndices.length === 0 || trainIndices.length === 0) {
    throw new Error(`a held-out fraction of ${fraction} of ${n} rows leaves ${testIndices.length} held-out and ${trainIndices.length} training rows; both need at least one`);
  }
  return { trainIndices, testIndices };
}

/** One fold of a k-fold partition. */
export interface Fold {
  readonly trainIndices: number[];
  readonly validationIndices: number[];
}

/**
 * A seeded k-fold partition of n rows: every row is validated on exactly once; fold sizes differ
 * by at most one. With `classes` (one class index per row) the folds are stratified.
 * @throws Error unless 2 ≤ k ≤ n
 */
export function kFold(n: number, k: number, seed: number, classes?: readonly number[]): Fold[] {
  if (!Number.isInteger(k) || k < 2 || k > n) {
    throw new Error(`the number of folds must be an integer in [2, ${n}] (the number of rows), but got ${k}`);
  }
  if (classes !== undefined && classes.length !== n) throw new Error(`kFold got ${n} rows but ${classes.length} class labels`);
  const random = seededRandom(seed);
  const groups = classes === undefined ? [Array.from({ length: n }, (_, i) => i)] : groupByClass(classes);
  const members: number[][] = Array.from({ length: k }, () => []);
  let next = 0; // deal rows round-robin, class after class, so fold sizes differ by at most one
  for (const group of groups) {
    for (const i of permutation(group.length, random)) {
      members[next]!.push(group[i]!);
      next = (next + 1) % k;
    }
  }
  return members.map((validationIndices, f) => ({
    validationIndices,
    trainIndices: members.flatMap((indices, g) => (g === f ? [] : indices)),
  }));
}

/** Row indices grouped by class, classes in ascending order. */
function groupByClass(classes: readonly number[]): number[][] {
  const groups = new Map<number, number[]>();
  classes.forEach((c, i) => {
    const group = groups.get(c);
    if (group === undefined) groups.set(c, [i]);
    else group.push(i);
  });
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}

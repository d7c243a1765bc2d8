/**
 * Confusion-matrix metrics: precision, recall and F1 per class and averaged as scikit-learn's
 * `precision_recall_fscore_support` does (a 0/0 ratio counts as 0, its `zero_division=0`).
 *
 * Notation: k classes; M (k, k) the confusion matrix, M[t][p] = rows of true class t predicted p;
 * for class c: tp = M[c][c], fp = Σ_t M[t][c] − tp, fn = Σ_p M[c][p] − tp, support = Σ_p M[c][p].
 * precision = tp / (tp + fp), recall = tp / (tp + fn), F1 = 2·tp / (2·tp + fp + fn).
 */

/** Precision, recall, F1 and support of one class. */
export interface ClassScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Rows whose true class this is. */
  readonly support: number;
}

/** Which of the three scores. */
export type ScoreName = "precision" | "recall" | "f1";

/**
 * How per-class scores become one number: `binary` (the positive class's), `macro` (the plain
 * mean over classes), `micro` (from the pooled counts; equals accuracy for single-label data),
 * `weighted` (the mean weighted by support). As scikit-learn, the averages range over the classes
 * that occur in the targets or the predictions.
 */
export type Averaging = "binary" | "macro" | "micro" | "weighted";

/** (k, k) confusion matrix, M[true][predicted]. */
export function confusionMatrix(trueLabels: ArrayLike<number>, predictedLabels: ArrayLike<number>, classes: number): number[][] {
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < trueLabels.length; i++) matrix[trueLabels[i]!]![predictedLabels[i]!]! += 1;
  return matrix;
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

function scoresOf(tp: number, fp: number, fn: number): Omit<ClassScores, "support"> {
  return { precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), f1: ratio(2 * tp, 2 * tp + fp + fn) };
}

/** Per-class counts: tp, fp, fn (see the notation). */
function counts(matrix: readonly (readonly number[])[], c: number): { tp: number; fp: number; fn: number } {
  const tp = matrix[c]![c]!;
  const predicted = matrix.reduce((sum, row) => sum + row[c]!, 0);
  const actual = matrix[c]!.reduce((sum, v) => sum + v, 0);
  return { tp, fp: predicted - tp, fn: actual - tp };
}

/** Precision, recall, F1 and support of each class (index = class). */
export function perClassScores(matrix: readonly (readonly number[])[]): ClassScores[] {
  return matrix.map((_, c) => {
    const { tp, fp, fn } = counts(matrix, c);
    return { ...scoresOf(tp, fp, fn), support: tp + fn };
  });
}

/**
 * One averaged score from a confusion matrix.
 * @param positiveClass the class scored with `binary` averaging
 */
export function averagedScore(matrix: readonly (readonly number[])[], score: ScoreName, averaging: Averaging, positiveClass = 1): number {
  if (averaging === "binary") {
    const { tp, fp, fn } = counts(matrix, positiveClass);
    return scoresOf(tp, fp, fn)[score];
  }
  const present = matrix.map((_, c) => c).filter((c) => {
    const { tp, fp, fn } = counts(matrix, c);
    return tp + fp + fn > 0;
  });
  if (averaging === "micro") {
    const pooled = present.map((c) => counts(matrix, c)).reduce((a, b) => ({ tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn }), { tp: 0, fp: 0, fn: 0 });
    return scoresOf(pooled.tp, pooled.fp, pooled.fn)[score];
  }
  const perClass = perClassScores(matrix);
  const weights = present.map((c) => (averaging === "weighted" ? perClass[c]!.support : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  return ratio(present.reduce((sum, c, j) => sum + weights[j]! * perClass[c]![score], 0), total);
}

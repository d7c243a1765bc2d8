/**
 * Metrics of how scores rank the positive rows above the negative ones: the ROC curve and its
 * area (scikit-learn's `roc_auc_score`), and the precision-recall curve and average precision
 * (scikit-learn's `average_precision_score`: the step-wise sum, not the trapezoidal area under
 * the precision-recall curve). Tied scores form one threshold, as in scikit-learn, so a tie
 * between a positive and a negative row counts one half in the ROC AUC.
 *
 * Notation: n rows; P positives, N negatives; thresholds τ_1 > τ_2 > … the distinct scores;
 * TP_j, FP_j the positives and negatives scored ≥ τ_j. ROC point j: (FP_j / N, TP_j / P);
 * precision_j = TP_j / (TP_j + FP_j), recall_j = TP_j / P; AP = Σ_j (recall_j − recall_{j−1})·precision_j.
 */

/** Cumulative counts at each distinct threshold, highest first. */
interface ThresholdCounts {
  readonly thresholds: number[];
  readonly truePositives: number[];
  readonly falsePositives: number[];
  readonly positives: number;
  readonly negatives: number;
}

/**
 * Counts at each distinct threshold.
 * @throws Error when a score is not finite or one class is missing (the metric is undefined then)
 */
function thresholdCounts(isPositive: ArrayLike<boolean>, scores: ArrayLike<number>, metric: string): ThresholdCounts {
  const n = scores.length;
  if (isPositive.length !== n) throw new Error(`${metric}: ${isPositive.length} labels but ${n} scores`);
  const order = Array.from({ length: n }, (_, i) => i);
  for (const i of order) if (!Number.isFinite(scores[i]!)) throw new Error(`${metric}: score of row ${i} is ${scores[i]}, expected a finite number`);
  order.sort((a, b) => scores[b]! - scores[a]!);
  const thresholds: number[] = [];
  const truePositives: number[] = [];
  const falsePositives: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    if (isPositive[i]) tp += 1;
    else fp += 1;
    const next = order[j + 1];
    if (next === undefined || scores[next] !== scores[i]) {
      thresholds.push(scores[i]!);
      truePositives.push(tp);
      falsePositives.push(fp);
    }
  }
  if (tp === 0 || fp === 0) {
    throw new Error(`${metric} is undefined when the targets hold only one class (${tp} positive and ${fp} negative rows)`);
  }
  return { thresholds, truePositives, falsePositives, positives: tp, negatives: fp };
}

/** A ROC curve: false- and true-positive rates from (0, 0) to (1, 1), and the threshold of each point after the first. */
export interface RocCurve {
  readonly falsePositiveRate: number[];
  readonly truePositiveRate: number[];
  readonly thresholds: number[];
}

/** The ROC curve (every distinct threshold; scikit-learn's `drop_intermediate=False`). */
export function rocCurve(isPositive: ArrayLike<boolean>, scores: ArrayLike<number>): RocCurve {
  const c = thresholdCounts(isPositive, scores, "ROC AUC");
  return {
    falsePositiveRate: [0, ...c.falsePositives.map((fp) => fp / c.negatives)],
    truePositiveRate: [0, ...c.truePositives.map((tp) => tp / c.positives)],
    thresholds: c.thresholds,
  };
}

/** The area under the ROC curve (trapezoids; ties count one half). */
export function rocAuc(isPositive: ArrayLike<boolean>, scores: ArrayLike<number>): number {
  const { falsePositiveRate: x, truePositiveRate: y } = rocCurve(isPositive, scores);
  let area = 0;
  for (let j = 1; j < x.length; j++) area += ((x[j]! - x[j - 1]!) * (y[j]! + y[j - 1]!)) / 2;
  return area;
}

/** A precision-recall curve, highest threshold first. */
export interface PrecisionRecallCurve {
  readonly precision: number[];
  readonly recall: number[];
  readonly thresholds: number[];
}

/** The precision-recall curve at every distinct threshold. */
export function precisionRecallCurve(isPositive: ArrayLike<boolean>, scores: ArrayLike<number>): PrecisionRecallCurve {
  const c = thresholdCounts(isPositive, scores, "average precision");
  return {
    precision: c.truePositives.map((tp, j) => tp / (tp + c.falsePositives[j]!)),
    recall: c.truePositives.map((tp) => tp / c.positives),
    thresholds: c.thresholds,
  };
}

/** Average precision: Σ_j (recall_j − recall_{j−1})·precision_j (scikit-learn's `average_precision_score`). */
export function averagePrecision(isPositive: ArrayLike<boolean>, scores: ArrayLike<number>): number {
  const { precision, recall } = precisionRecallCurve(isPositive, scores);
  let sum = 0;
  let previous = 0;
  for (let j = 0; j < recall.length; j++) {
    sum += (recall[j]! - previous) * precision[j]!;
    previous = recall[j]!;
  }
  return sum;
}

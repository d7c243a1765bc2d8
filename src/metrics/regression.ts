/**
 * Regression metrics over n rows of w outputs, each output scored on its own and the scores
 * averaged over outputs (scikit-learn's `multioutput="uniform_average"`).
 *
 * Notation for one output: y the targets, ŷ the predictions, ȳ the mean target.
 * MAE = mean |y − ŷ|; RMSE = √(mean (y − ŷ)²); R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)², and when
 * Σ(y − ȳ)² = 0, R² = 1 for a perfect fit and 0 otherwise (scikit-learn's `force_finite`).
 */
import type { RegressionTargets } from "./targets";

/** The mean over outputs of `perOutput(o)`. */
function averageOverOutputs(targets: RegressionTargets, perOutput: (truth: number[], predicted: number[]) => number): number {
  const { rows, outputs } = targets;
  if (rows === 0) throw new Error("regression metrics need at least one row");
  let sum = 0;
  for (let o = 0; o < outputs; o++) {
    const truth = Array.from({ length: rows }, (_, i) => targets.yTrue[i * outputs + o]!);
    const predicted = Array.from({ length: rows }, (_, i) => targets.yPred[i * outputs + o]!);
    sum += perOutput(truth, predicted);
  }
  return sum / outputs;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Mean absolute error. */
export function meanAbsoluteError(targets: RegressionTargets): number {
  return averageOverOutputs(targets, (y, p) => mean(y.map((v, i) => Math.abs(v - p[i]!))));
}

/** Root mean squared error. */
export function rootMeanSquaredError(targets: RegressionTargets): number {
  return averageOverOutputs(targets, (y, p) => Math.sqrt(mean(y.map((v, i) => (v - p[i]!) ** 2))));
}

/** Coefficient of determination R². */
export function r2Score(targets: RegressionTargets): number {
  return averageOverOutputs(targets, (y, p) => {
    const yBar = mean(y);
    const residual = y.reduce((sum, v, i) => sum + (v - p[i]!) ** 2, 0);
    const total = y.reduce((sum, v) => sum + (v - yBar) ** 2, 0);
    if (total === 0) return residual === 0 ? 1 : 0;
    return 1 - residual / total;
  });
}

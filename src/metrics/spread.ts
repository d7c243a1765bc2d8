/**
 * How far a metric measured on one finite set of rows may move on another: the yardstick that
 * tells a real difference between validation and test from the noise of a small sample.
 *
 * - Folds (`--cv`): s = the sample standard deviation of the metric over the K folds, each a
 *   validation of a model like the chosen one on other rows.
 * - Accuracy-like proportions p_v on n_v validation and p_t on n_t test rows: the binomial
 *   standard error of their difference under the hypothesis that both measure one proportion,
 *   estimated from all the rows (the pooled two-proportion test):
 *   p̂ = (p_v·n_v + p_t·n_t) / (n_v + n_t), s = √(p̂(1 − p̂)(1/n_v + 1/n_t)).
 *   (p_v alone would give s = 0 when the validation rows are all right, flagging any difference.)
 * - Any metric computed from predictions: s = √(se_v² + se_t²), each se the bootstrap standard
 *   error (the standard deviation of the metric over B resamples of the rows with replacement;
 *   resamples where it is undefined, e.g. one class for AUC, are left out).
 *
 * A difference |test − validation| > 2·s is flagged: about 5 % of honest differences exceed it.
 */
import type { RandomSource } from "../common/random";

/** The multiple of the spread beyond which a difference is flagged. */
export const FLAG_AT_SPREADS = 2;

/** Sample standard deviation (n − 1 in the denominator); NaN for fewer than two values. */
export function sampleStandardDeviation(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1));
}

/**
 * √(p̂(1 − p̂)(1/n_v + 1/n_t)) with p̂ the pooled proportion (see the module comment): the standard
 * error of the difference of proportion `validation` on n_v rows and `test` on n_t rows.
 */
export function binomialDifferenceError(validation: number, test: number, validationRows: number, testRows: number): number {
  const pooled = (validation * validationRows + test * testRows) / (validationRows + testRows);
  return Math.sqrt(pooled * (1 - pooled) * (1 / validationRows + 1 / testRows));
}

/**
 * The bootstrap standard error of `statistic` over n rows: its standard deviation over
 * `resamples` draws of n row indices with replacement (resamples where it throws are left out).
 * @returns NaN when fewer than two resamples gave a value
 */
export function bootstrapStandardError(n: number, statistic: (rows: Int32Array) => number, random: RandomSource, resamples = 200): number {
  const values: number[] = [];
  const rows = new Int32Array(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) rows[i] = Math.floor(random() * n);
    try {
      const value = statistic(rows);
      if (Number.isFinite(value)) values.push(value);
    } catch {
      // undefined on this resample (one class, say): leave it out
    }
  }
  return sampleStandardDeviation(values);
}

/** Whether a test value lies further from the validation value than the spread allows. */
export function differsBeyondSpread(validation: number, test: number, spread: number): boolean {
  return Number.isFinite(spread) && Math.abs(test - validation) > FLAG_AT_SPREADS * spread;
}

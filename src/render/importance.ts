/**
 * Parameter importance as a first-order variance decomposition (the "main effects" of fANOVA),
 * estimated without a surrogate model so that it is cheap, deterministic and honest about small
 * studies.
 *
 * Method, for each parameter p over the n complete trials:
 * 1. y ← the ranks of the objective values (average ranks for ties), so that one diverged trial
 *    with a huge loss does not decide the answer and minimise/maximise read alike.
 * 2. Group the trials by p: a categorical by its choice; a number by g = clamp(round(√n), 2, 8)
 *    equal-count bins of its rank (log-scaled parameters binned in log space, which for ranks
 *    is the same thing; equal values always share a bin).
 * 3. One-way ANOVA of y over the groups: the share of var(y) explained by p alone is
 *    η² = SS_between / SS_total. Because η² grows with the number of groups even for pure noise,
 *    report the bias-corrected epsilon-squared
 *        ε² = (SS_between − (g − 1)·MS_within) / SS_total,   MS_within = SS_within / (n − g),
 *    clipped at 0.
 * 4. Shares: ε²_p / Σ_q ε²_q (all 0 when no parameter explains anything).
 *
 * Interactions are not credited to any parameter (as with fANOVA's first-order indices), so the
 * raw ε² values need not sum to 1. With fewer than 4 complete trials every importance is 0.
 */

import type { ParamValue } from "../engine/types";

/** How a parameter's values are compared: by order (numbers) or by identity (categories). */
export type ImportanceScale = "ordered" | "categorical";

/** One parameter's observations, aligned with the objective values passed alongside. */
export interface ImportanceParameter {
  readonly name: string;
  readonly scale: ImportanceScale;
  /** (n,) the parameter's value in each complete trial. */
  readonly values: readonly ParamValue[];
}

/** The importance of one parameter. */
export interface ParameterImportance {
  readonly name: string;
  /** ε²: the bias-corrected share of the objective's rank variance this parameter explains alone. */
  readonly explainedVariance: number;
  /** `explainedVariance` normalised over all parameters (sums to 1 unless all are 0). */
  readonly share: number;
}

/** Fewest complete trials for which an importance is estimated. */
export const MIN_TRIALS_FOR_IMPORTANCE = 4;

/**
 * Estimates the first-order importance of each parameter (see the module comment).
 * @param parameters each parameter's values, aligned with `objective`
 * @param objective (n,) the objective value of each complete trial (finite numbers)
 * @returns one entry per parameter, most important first (ties keep the input order)
 */
export function parameterImportance(
  parameters: readonly ImportanceParameter[],
  objective: readonly number[],
): ParameterImportance[] {
  for (const parameter of parameters) {
    if (parameter.values.length !== objective.length) {
      throw new Error(
        `parameter "${parameter.name}" has ${parameter.values.length} values but there are ` +
          `${objective.length} objective values; expected one value per complete trial`,
      );
    }
  }
  const n = objective.length;
  const y = averageRanks(objective); // (n,)
  const raw = parameters.map((parameter) =>
    n < MIN_TRIALS_FOR_IMPORTANCE ? 0 : epsilonSquared(y, groupsOf(parameter)),
  );
  const total = raw.reduce((sum, v) => sum + v, 0);
  return parameters
    .map((parameter, i) => ({
      name: parameter.name,
      explainedVariance: raw[i],
      share: total > 0 ? raw[i] / total : 0,
    }))
    .sort((a, b) => b.explainedVariance - a.explainedVariance);
}

/** (n,) 0-based average ranks of `values` (ties share the mean of their ranks). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Array<number>(values.length);
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]] === values[order[start]]) end++;
    const mean = (start + end) / 2;
    for (let k = start; k <= end; k++) ranks[order[k]] = mean;
    start = end + 1;
  }
  return ranks;
}

/** (n,) the group index of each trial for one parameter. */
function groupsOf(parameter: ImportanceParameter): number[] {
  if (parameter.scale === "categorical") {
    const index = new Map<string, number>();
    return parameter.values.map((v) => {
      const key = JSON.stringify(v);
      if (!index.has(key)) index.set(key, index.size);
      return index.get(key) as number;
    });
  }
  const numeric = parameter.values.map((v) => (typeof v === "number" ? v : Number.NaN));
  const n = numeric.length;
  const bins = Math.min(8, Math.max(2, Math.round(Math.sqrt(n))));
  const ranks = averageRanks(numeric); // equal values → equal rank → same bin
  return ranks.map((r) => Math.min(bins - 1, Math.floor(((r + 0.5) * bins) / n)));
}

/** ε² of a one-way ANOVA of `y` over `groups`, clipped at 0. */
function epsilonSquared(y: readonly number[], groups: readonly number[]): number {
  const n = y.length;
  const mean = y.reduce((s, v) => s + v, 0) / n;
  const sums = new Map<number, { sum: number; count: number }>();
  groups.forEach((g, i) => {
    const entry = sums.get(g) ?? { sum: 0, count: 0 };
    entry.sum += y[i];
    entry.count += 1;
    sums.set(g, entry);
  });
  const g = sums.size;
  if (g < 2 || n - g <= 0) return 0;
  let ssTotal = 0;
  for (const v of y) ssTotal += (v - mean) ** 2;
  if (ssTotal === 0) return 0;
  let ssBetween = 0;
  for (const { sum, count } of sums.values()) ssBetween += count * (sum / count - mean) ** 2;
  const msWithin = (ssTotal - ssBetween) / (n - g);
  return Math.max(0, (ssBetween - (g - 1) * msWithin) / ssTotal);
}

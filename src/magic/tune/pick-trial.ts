/**
 * Picking one trial from the Pareto front of a multi-objective study: the best by one objective
 * among the front's trials that pass a condition on their values
 * (`study.pickTrial("val_acc", { where: (v) => v.size < 50_000 })`).
 */
import { trialValues, type FrozenTrial, type StudyDirection } from "../../engine/types";

/** Each objective's value of one trial, by metric name (`{ val_acc: 0.93, size: 41210 }`). */
export type ObjectiveValues = Readonly<Record<string, number>>;

/** Options of `pickTrial`. */
export interface PickOptions {
  /** Keeps only the front's trials for which this returns true (a budget: `v => v.size < 50_000`). */
  readonly where?: (values: ObjectiveValues, trial: FrozenTrial) => boolean;
}

/** The objectives' values of `trial` by metric name. */
export function objectiveValues(trial: FrozenTrial, metrics: readonly string[]): ObjectiveValues {
  const values = trialValues(trial) ?? [];
  return Object.fromEntries(metrics.map((m, k) => [m, values[k] as number]));
}

/**
 * The trial of `front` that is best on objective `by` (in its direction; lowest number on ties)
 * among those `where` keeps.
 * @throws Error when `by` is not an objective (listing them), or no front trial passes `where`
 */
export function pickFromFront(
  front: readonly FrozenTrial[],
  objectives: { readonly metrics: readonly string[]; readonly directions: readonly StudyDirection[] },
  by: string,
  options: PickOptions = {},
): FrozenTrial {
  const k = objectives.metrics.indexOf(by);
  if (k < 0) throw new Error(`pickTrial: "${by}" is not an objective of this study; expected one of ${objectives.metrics.join(", ")}`);
  if (front.length === 0) throw new Error("pickTrial: the study has no complete trial yet, so its Pareto front is empty");
  const kept = front.filter((t) => options.where === undefined || options.where(objectiveValues(t, objectives.metrics), t));
  if (kept.length === 0) {
    throw new Error(`pickTrial: none of the ${front.length} trials on the Pareto front passes the where condition; loosen it (see study.bestTrials for their values)`);
  }
  const sign = objectives.directions[k] === "maximize" ? -1 : 1;
  const score = (t: FrozenTrial): number => sign * ((trialValues(t) ?? [])[k] as number);
  return kept.reduce((best, t) => (score(t) < score(best) || (score(t) === score(best) && t.number < best.number) ? t : best));
}

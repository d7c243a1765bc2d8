/**
 * The "info" step of a study of several objectives: each complete trial as a point in objective
 * space, and which of them form the Pareto front (the engine's dominance rule, `engine/pareto.ts`).
 */
import { paretoFrontIndices, toMinimization } from "../engine/pareto";
import { trialValues, type FrozenTrial, type ParamValue, type StudyDirection } from "../engine/types";

/** The objectives of a study of several, in order. */
export interface ObjectivesData {
  readonly metrics: readonly string[];
  readonly directions: readonly StudyDirection[];
}

/** One complete trial in objective space. */
export interface ParetoPoint {
  readonly number: number;
  /** (m,) one value per objective, in the order of {@link ParetoInfo.metrics}. */
  readonly values: readonly number[];
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly onFront: boolean;
}

/** The trials of a study of several objectives and its Pareto front. */
export interface ParetoInfo extends ObjectivesData {
  /** Every complete trial with one finite value per objective, by number. */
  readonly points: readonly ParetoPoint[];
  /** The front's trial numbers, ordered by the first objective (then by number). */
  readonly front: readonly number[];
  /** The trial the user picked from the front (`study.pickTrial`), if any. */
  readonly picked?: number;
}

/** The points and front of `trials` (any order); `picked` marks the user's choice. */
export function paretoInfo(trials: readonly FrozenTrial[], objectives: ObjectivesData, picked?: number): ParetoInfo {
  const m = objectives.directions.length;
  const complete = [...trials]
    .filter((t) => t.state === "complete")
    .map((t) => ({ trial: t, values: trialValues(t) ?? [] }))
    .filter(({ values }) => values.length === m && values.every(Number.isFinite))
    .sort((a, b) => a.trial.number - b.trial.number);
  const onFront = new Set(paretoFrontIndices(complete.map(({ values }) => toMinimization(values, objectives.directions))));
  const points = complete.map(({ trial, values }, i): ParetoPoint => ({ number: trial.number, values, params: trial.params, onFront: onFront.has(i) }));
  const front = points
    .filter((p) => p.onFront)
    .sort((a, b) => (a.values[0] as number) - (b.values[0] as number) || a.number - b.number)
    .map((p) => p.number);
  return { metrics: objectives.metrics, directions: objectives.directions, points, front, ...(picked === undefined ? {} : { picked }) };
}

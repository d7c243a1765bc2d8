/**
 * A study's objectives from its options: one (`direction`, `metric`) or several (`directions`,
 * `metrics`, like Optuna's `directions`), checked with the parts that depend on how many there
 * are — a study of several objectives needs a sampler that handles them and takes no pruner
 * (pruning compares one intermediate value, as in Optuna, which refuses it too).
 */
import type { StudyOptions } from "./study-types";
import type { StudyDirection } from "./types";

/** Each objective's direction and metric name, in order (one entry each for a single objective). */
export interface Objectives {
  readonly directions: readonly StudyDirection[];
  readonly metrics: readonly string[];
}

/** The objectives asked for, and whether their metric names were given (else defaults). */
export interface AskedObjectives extends Objectives {
  readonly namedMetrics: boolean;
}

const DIRECTIONS: readonly StudyDirection[] = ["minimize", "maximize"];

/** The default metric name of objective `k` in a study of several (`values_0`, `values_1`, …). */
export function defaultMetricName(k: number): string {
  return `values_${k}`;
}

/**
 * The objectives of `options`, or a RangeError naming what was expected: a single objective
 * (`direction`, default "minimize", and `metric`, default "value") or several (`directions` with
 * optional `metrics`); `metrics` of a single objective is kept in {@link Objectives.metrics} only
 * when given.
 */
export function resolveObjectives(options: StudyOptions): AskedObjectives {
  const { direction, directions, metric, metrics, sampler, pruner } = options;
  const check = (d: unknown, where: string): StudyDirection => {
    if (!DIRECTIONS.includes(d as StudyDirection)) throw new RangeError(`${where} must be "minimize" or "maximize", but got ${JSON.stringify(d)}`);
    return d as StudyDirection;
  };
  if (directions === undefined) {
    if (metrics !== undefined) throw new RangeError(`metrics needs directions (one per metric); a single objective takes metric`);
    return { directions: [check(direction ?? "minimize", "direction")], metrics: [metric ?? "value"], namedMetrics: metric !== undefined };
  }
  if (direction !== undefined) throw new RangeError(`give direction (one objective) or directions (several), not both`);
  if (!Array.isArray(directions) || directions.length === 0) {
    throw new RangeError(`directions must be a non-empty array of "minimize"/"maximize", but got ${JSON.stringify(directions)}`);
  }
  const checked = directions.map((d, k) => check(d, `directions[${k}]`));
  if (checked.length === 1) {
    if (metrics !== undefined && metrics.length !== 1) throw new RangeError(`metrics must have one name per direction (1), but got ${metrics.length}`);
    const single = metric ?? metrics?.[0];
    return { directions: checked, metrics: [single ?? "value"], namedMetrics: single !== undefined };
  }
  if (metric !== undefined) throw new RangeError(`a study of ${checked.length} objectives names them with metrics (one per direction), not metric`);
  if (metrics !== undefined) {
    if (!Array.isArray(metrics) || metrics.length !== checked.length) {
      throw new RangeError(`metrics must have one name per direction (${checked.length}), but got ${JSON.stringify(metrics)}`);
    }
    const bad = metrics.find((m) => typeof m !== "string" || m === "");
    if (bad !== undefined) throw new RangeError(`metrics must be non-empty strings, but got ${JSON.stringify(bad)}`);
    if (new Set(metrics).size !== metrics.length) throw new RangeError(`metrics must be distinct, but got ${JSON.stringify(metrics)}`);
  }
  if (sampler !== undefined && sampler.supportsMultiObjective !== true) {
    throw new RangeError(
      `sampler "${sampler.name}" optimises a single objective; a study of ${checked.length} objectives needs one that handles several ` +
        `(NSGA2Sampler, RandomSampler, GridSampler)`,
    );
  }
  if (pruner !== undefined) {
    throw new RangeError(`pruning is not supported in a study of several objectives (pruner "${pruner.name}" compares one value); omit the pruner`);
  }
  return { directions: checked, metrics: metrics ?? checked.map((_, k) => defaultMetricName(k)), namedMetrics: metrics !== undefined };
}

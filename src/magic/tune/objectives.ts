/**
 * What `%%tune` optimises: `--metric` and `--direction` read into one objective (`--metric val_acc`)
 * or several (`--metric val_acc,size`, a multi-objective study with a Pareto front), each
 * objective's direction, and what a study of several objectives refuses (single-objective
 * strategies, pruners).
 */
import { MagicError } from "../types";
import type { StudyDirection } from "../../engine/types";
import { isModelCost, MODEL_COSTS } from "../../tfjs/model-cost";
import { metricDirection } from "../../tfjs/metrics";
import type { Strategy } from "./options";

/** Several objectives asked for with `--metric a,b[,c…]` (and `--direction d1,d2[,…]`). */
export interface ObjectivesRequest {
  /** The metric names as written, in order (at least two, distinct). */
  readonly metrics: readonly string[];
  /** One direction per metric when `--direction` gave them, else inferred per metric later. */
  readonly directions?: readonly StudyDirection[];
}

/** The metric options of {@link TuneOptions}: one objective (`metric`, `direction`) or several (`objectives`). */
export interface ObjectiveOptions {
  readonly metric?: string;
  readonly direction?: StudyDirection;
  readonly objectives?: ObjectivesRequest;
}

/**
 * Strategies that optimise one objective only (the others handle several; bayes does with ParEGO's
 * random scalarisations, engine/samplers/mo-gp.ts).
 */
export const SINGLE_OBJECTIVE_STRATEGIES: readonly Strategy[] = ["tpe", "cmaes"];

/**
 * Reads the `--metric` and `--direction` lists: one name is a single objective, as before; several
 * make a multi-objective study. `--direction` gives one direction, or one per metric.
 * @throws MagicError for repeated metric names or a direction count that does not match
 */
export function readObjectiveOptions(metric: readonly string[] | undefined, direction: readonly string[] | undefined): ObjectiveOptions {
  const directions = direction as readonly StudyDirection[] | undefined;
  if (metric === undefined || metric.length === 1) {
    if (directions !== undefined && directions.length !== 1) {
      throw new MagicError(`--direction gives ${directions.length} directions but --metric names ${metric?.length ?? "no"} metric; give one direction per metric`, 1);
    }
    return { ...(metric === undefined ? {} : { metric: metric[0]! }), ...(directions === undefined ? {} : { direction: directions[0]! }) };
  }
  const repeated = metric.find((name, k) => metric.indexOf(name) !== k);
  if (repeated !== undefined) throw new MagicError(`--metric names ${repeated} twice; each objective once`, 1);
  if (directions !== undefined && directions.length !== metric.length) {
    throw new MagicError(
      `--direction gives ${directions.length} direction${directions.length === 1 ? "" : "s"} for ${metric.length} metrics (${metric.join(",")}); give one per metric, e.g. --direction ${metric.map((m) => objectiveDirection(m) ?? "minimize").join(",")}`,
      1,
    );
  }
  return { objectives: { metrics: metric, ...(directions === undefined ? {} : { directions }) } };
}

/** The direction a metric name implies: the built-in costs are minimised, else as {@link metricDirection}. */
export function objectiveDirection(metric: string): StudyDirection | undefined {
  return isModelCost(metric) ? "minimize" : metricDirection(metric);
}

/**
 * Each objective's direction: `--direction`'s, else the one its name implies.
 * @param fallback for names that imply none: a direction to assume (the caller says so), or
 *   undefined to refuse them with a MagicError asking for `--direction`
 */
export function objectiveDirections(request: ObjectivesRequest, fallback?: StudyDirection): { directions: StudyDirection[]; assumed: string[] } {
  const assumed: string[] = [];
  const directions = request.metrics.map((metric, k) => {
    const given = request.directions?.[k] ?? objectiveDirection(metric);
    if (given !== undefined) return given;
    if (fallback === undefined) {
      const example = request.metrics.map((m) => objectiveDirection(m) ?? "maximize").join(",");
      throw new MagicError(`cannot tell whether ${metric} should go up or down: add one direction per metric, e.g. --direction ${example}`, 1);
    }
    assumed.push(metric);
    return fallback;
  });
  return { directions, assumed };
}

/**
 * Refuses what a study of several objectives cannot do, naming what works: a single-objective
 * strategy (tpe, cmaes) and any pruner.
 */
export function checkSeveralObjectives(strategy: Strategy, pruner: string, request: ObjectivesRequest): void {
  const what = `${request.metrics.length} objectives (--metric ${request.metrics.join(",")})`;
  if (SINGLE_OBJECTIVE_STRATEGIES.includes(strategy)) {
    throw new MagicError(`--strategy ${strategy} optimises one objective; with ${what} use --strategy nsga2 (the auto choice), bayes (the GP on random scalarisations), random, sobol or grid`, 1);
  }
  if (pruner !== "none") {
    throw new MagicError(`--pruner ${pruner} compares one value per epoch; pruning is not supported with ${what}: leave out --pruner`, 1);
  }
}

/** The model-search objectives split into training-history metrics and built-in costs. */
export function splitObjectives(metrics: readonly string[]): { history: string[]; costs: (typeof MODEL_COSTS)[number][] } {
  return { history: metrics.filter((m) => !isModelCost(m)), costs: metrics.filter(isModelCost) };
}

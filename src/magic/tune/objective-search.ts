/** `%%tune --objective`: calls the notebook's function `g(params, trial)` once per trial. */
import { MagicError, type MagicContext } from "../types";
import { metricDirection } from "../../tfjs/metrics";
import type { Objective, ObjectiveResult } from "../../engine/study";
import type { Trial } from "../../engine/trial";
import type { Params, SearchSpace } from "../../engine/types";
import { NotebookStudy } from "./notebook-study";
import type { TuneOptions } from "./options";
import { runSearch } from "./run-search";
import { openStudy } from "./study-setup";
import type { TuneSession } from "./tune-magic";
import { lookupFunction } from "./variables";
import { objectiveDirections, type ObjectivesRequest } from "./objectives";
import { settleAfterInterrupt } from "./objective-deadline";
import type { Objectives } from "../../engine/study-objectives";

/** The objectives of `--metric a,b`: names without a known direction are minimised, as the output says. */
function severalObjectives(request: ObjectivesRequest, context: MagicContext): Objectives {
  const { directions, assumed } = objectiveDirections(request, "minimize");
  if (assumed.length > 0) context.stdout(`Minimising ${assumed.join(", ")} (pass --direction with one direction per metric to say otherwise).\n`);
  return { directions, metrics: request.metrics };
}

/**
 * Runs an `--objective` search. The metric is `--metric` (default "value"); its direction is
 * `--direction`, else inferred from its name, else minimise (said in the cell's output). With
 * several metrics (`--metric a,b`) the function returns a record holding each, or an array of
 * their values in that order.
 */
export async function runObjectiveSearch(
  session: TuneSession,
  options: TuneOptions,
  space: SearchSpace,
  seed: number,
  context: MagicContext,
): Promise<undefined> {
  const fn = lookupFunction(context, options.objective!, "objective") as unknown as (params: Params, trial: Trial) => unknown;
  const metric = options.metric ?? "value";
  const direction = options.direction ?? metricDirection(metric) ?? "minimize";
  if (options.objectives === undefined && options.direction === undefined && metricDirection(metric) === undefined) {
    context.stdout(`Minimising ${metric} (pass --direction maximize to maximise it).\n`);
  }
  const several = options.objectives === undefined ? undefined : severalObjectives(options.objectives, context);
  const study = await openStudy(options, space, seed, direction, metric, context, several);
  const bound = new NotebookStudy(study, space, session.embedding, options.trials);
  // The study interprets what the function returns (a number, or a record with the metric), as
  // for any objective: one rule for what fails a trial and which metrics are recorded. The function
  // gets its own copy of the parameters (changing it leaves the trial's record as drawn). A function
  // still running a moment after an interrupt is given up on (its trial fails as interrupted), so
  // the search ends with its summary even when the function awaits something that never comes.
  // A result that can never hold the study's metric (a record without it, an array for one
  // objective) is the cell's mistake, not the trial's: the search stops there and says which
  // --metric to give, instead of failing every trial alike.
  // Only the first result is judged so: a later one without the metric fails its trial alone.
  let firstResult = true;
  let misnamed: string | undefined;
  const objective: Objective = async (trial: Trial) => {
    const result = await settleAfterInterrupt(Promise.resolve().then(() => fn({ ...trial.params }, trial)), context.signal);
    if (firstResult) misnamed = resultShapeProblem(result, options);
    firstResult = false;
    return result as ObjectiveResult;
  };
  const afterTrial = (): void => {
    if (misnamed !== undefined) throw new MagicError(misnamed);
  };
  await runSearch({ session, options, space, study, objective, context, bound, objectiveWork: "in the objective", afterTrial });
  return undefined;
}

/**
 * Why an objective's first `result` cannot give a single-objective study its metric (`--metric`, default
 * "value"): a record without that key, or an array of several values; undefined otherwise (a
 * number, or anything the study itself fails the trial for).
 */
export function resultShapeProblem(result: unknown, options: Pick<TuneOptions, "objective" | "metric" | "objectives">): string | undefined {
  if (options.objectives !== undefined || typeof result !== "object" || result === null) return undefined;
  const metric = options.metric ?? "value";
  const given = options.metric === undefined ? "" : ` (--metric ${metric})`;
  if (Array.isArray(result)) {
    if (result.length <= 1) return undefined;
    return `--objective ${options.objective} returned ${result.length} values, but the search has one objective${given}: return one number, or name each value with --metric (e.g. --metric ${result.map((_, i) => `m${i + 1}`).join(",")}) for a Pareto front`;
  }
  const keys = Object.keys(result);
  if (metric in result || keys.length === 0) return undefined;
  return `--objective ${options.objective} returned the metrics {${keys.join(", ")}}, which have no "${metric}"${given}: name the one to optimise with --metric ${keys[0]}${keys.length > 1 ? ` (or ${keys.slice(1).join(", ")})` : ""}`;
}

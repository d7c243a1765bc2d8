/** `%%tune --objective`: calls the notebook's function `g(params, trial)` once per trial. */
import type { MagicContext } from "../types";
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

/**
 * Runs an `--objective` search. The metric is `--metric` (default "value"); its direction is
 * `--direction`, else inferred from its name, else minimise (said in the cell's output).
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
  if (options.direction === undefined && metricDirection(metric) === undefined) {
    context.stdout(`Minimising ${metric} (pass --direction maximize to maximise it).\n`);
  }
  const study = await openStudy(options, space, seed, direction, metric, context);
  const bound = new NotebookStudy(study, space, session.embedding, options.trials);
  // The study interprets what the function returns (a number, or a record with the metric), as
  // for any objective: one rule for what fails a trial and which metrics are recorded.
  const objective: Objective = async (trial: Trial) => (await fn(trial.params, trial)) as ObjectiveResult;
  await runSearch({ session, options, space, study, objective, context, bound, objectiveWork: "in the objective" });
  return undefined;
}

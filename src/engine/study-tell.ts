/**
 * Telling: what an objective's outcome means, and ending a trial with it.
 *
 * - {@link interpretObjectiveResult}: an objective's return (a number, or a record of metrics
 *   holding the study's metric) → a tell result; anything else fails the trial, saying why.
 * - {@link outcomeOf}: a tell result → the storage update that ends the trial (NaN/±∞ fail it; a
 *   pruned trial keeps its last reported value).
 * - {@link runObjective}: runs the objective on a live trial and turns what it returned or threw
 *   into a tell result (`TrialPruned` → pruned, exhaustion → failed and flagged, any other error
 *   → failed with its message).
 * - {@link tellTrial}: writes the final update and ends the live trial.
 * - {@link runAndTell}: both, for the optimize loop.
 */
import { SearchSpaceExhaustedError } from "./errors";
import { applyTrialUpdate, StaleTrialError, type TrialUpdate } from "./storage/storage";
import type { Objective, TellResult } from "./study-types";
import type { StudyTrials } from "./study-trials";
import { TrialPruned, type Trial } from "./trial";
import type { FrozenTrial } from "./types";
import { messageOf } from "../common/errors";

/**
 * What an objective's return means for a study whose objective value is `metric`: a number is the
 * value; a record of metrics completes the trial with `record[metric]` (keeping its finite
 * numbers as metrics), or fails it when the metric is missing or not a finite number; any other
 * value fails the trial.
 */
export function interpretObjectiveResult(result: unknown, metric: string): TellResult {
  if (typeof result === "number") return result;
  if (typeof result === "object" && result !== null && !Array.isArray(result)) {
    const record = result as Record<string, unknown>;
    const metrics: Record<string, number> = {};
    for (const [name, value] of Object.entries(record)) {
      if (typeof value === "number" && Number.isFinite(value)) metrics[name] = value;
    }
    if (!(metric in record)) {
      return {
        state: "failed",
        metrics,
        error: `the objective returned the metrics {${Object.keys(record).join(", ")}} without the study's metric "${metric}"`,
      };
    }
    const value = record[metric];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      return { state: "failed", metrics, error: `the objective's metric "${metric}" is ${String(value)}` };
    }
    return { state: "complete", value, metrics };
  }
  return {
    state: "failed",
    error: `the objective returned ${result === null ? "null" : typeof result}; expected a number or a record of metrics`,
  };
}

/**
 * The storage update that ends `trial` with `result` at `completedAt`: a finite number completes
 * it (stored under `metric` too), NaN/±∞ fail it; an explicit outcome is checked the same way; a
 * pruned trial keeps its last reported value unless one is given.
 */
export function outcomeOf(trial: FrozenTrial, result: TellResult, metric: string, completedAt: number): TrialUpdate {
  if (typeof result === "number") {
    if (Number.isFinite(result)) return { state: "complete", value: result, metrics: { [metric]: result }, completedAt };
    return { state: "failed", completedAt, error: `the objective returned ${result}` };
  }
  const metrics = result.metrics ?? {};
  switch (result.state) {
    case "complete": {
      const value = result.value;
      if (value === undefined || !Number.isFinite(value)) {
        return { state: "failed", metrics, completedAt, error: `the objective returned ${String(value)}` };
      }
      return { state: "complete", value, metrics: { ...metrics, [metric]: value }, completedAt };
    }
    case "pruned": {
      const last = trial.intermediateValues[trial.intermediateValues.length - 1]?.value;
      const value = result.value ?? last;
      return value === undefined || !Number.isFinite(value)
        ? { state: "pruned", metrics, completedAt }
        : { state: "pruned", value, metrics, completedAt };
    }
    case "failed":
      return { state: "failed", metrics, completedAt, error: result.error ?? "failed (no reason given)" };
    default:
      throw new RangeError(`tell: state must be "complete", "failed" or "pruned", but got ${JSON.stringify((result as { state?: unknown }).state)}`);
  }
}

/** What running the objective on a trial gave: the tell result, and the exhaustion it signalled, if any. */
export interface ObjectiveOutcome {
  readonly result: TellResult;
  /** Set when the objective threw {@link SearchSpaceExhaustedError} (the trial fails, the search stops). */
  readonly exhausted: SearchSpaceExhaustedError | undefined;
}

/** Runs `objective` on `trial` and says what it means (see the module comment); never throws. */
export async function runObjective(objective: Objective, trial: Trial, metric: string, signal: AbortSignal | undefined): Promise<ObjectiveOutcome> {
  try {
    return { result: interpretObjectiveResult(await objective(trial), metric), exhausted: undefined };
  } catch (error) {
    if (error instanceof TrialPruned) return { result: { state: "pruned" }, exhausted: undefined };
    if (error instanceof SearchSpaceExhaustedError) return { result: { state: "failed", error: error.message }, exhausted: error };
    const reason = messageOf(error);
    return { result: { state: "failed", error: signal?.aborted ? `interrupted: ${reason}` : reason }, exhausted: undefined };
  }
}

/**
 * Ends running trial `number` with `result` once its queued writes have landed, and resolves to
 * its final snapshot. When another worker has already failed it (a {@link StaleTrialError}), the
 * trial is given up and the study refreshed before the error is rethrown. Call it exclusively.
 */
export async function tellTrial(book: StudyTrials, number: number, result: TellResult, metric: string, clock: () => number): Promise<FrozenTrial> {
  const current = book.get(number);
  if (current === undefined) throw new RangeError(`study "${book.studyName}" has no trial ${number}`);
  if (current.state !== "running") {
    throw new Error(`trial ${number} is ${current.state}; only a running trial can be told (once)`);
  }
  const update = outcomeOf(current, result, metric, clock());
  try {
    // The trial's queued writes (parameters, intermediate values) land before its result.
    await book.flush();
    await book.storage.updateTrial(book.studyName, number, update);
  } catch (error) {
    if (error instanceof StaleTrialError) {
      // Another worker failed it (no heartbeat in time) and offered its parameters again.
      book.dropLive(number);
      await book.refresh();
    }
    throw error;
  }
  const final = applyTrialUpdate(current, update);
  book.endLive(final);
  return final;
}

/** How running a trial ended (see {@link runAndTell}). */
export type TrialRun =
  | { readonly kind: "told"; readonly frozen: FrozenTrial; readonly exhausted: SearchSpaceExhaustedError | undefined }
  | { readonly kind: "stale" }
  | { readonly kind: "error"; readonly error: unknown };

/**
 * Runs `objective` on `trial` and tells the study its outcome with `tell`: the told snapshot (and
 * the exhaustion error when the objective found the space exhausted), `stale` when another worker
 * failed this worker's trial meanwhile, or the error that telling threw.
 */
export async function runAndTell(
  objective: Objective,
  trial: Trial,
  metric: string,
  signal: AbortSignal | undefined,
  tell: (trial: Trial, result: TellResult) => Promise<FrozenTrial>,
): Promise<TrialRun> {
  const { result, exhausted } = await runObjective(objective, trial, metric, signal);
  try {
    return { kind: "told", frozen: await tell(trial, result), exhausted };
  } catch (error) {
    if (error instanceof StaleTrialError) return { kind: "stale" };
    return { kind: "error", error };
  }
}

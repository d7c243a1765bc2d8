/**
 * Telling: what an objective's outcome means, and ending a trial with it.
 *
 * - {@link interpretObjectiveResult}: an objective's return (a number, or a record of metrics
 *   holding the study's metric; an array of each objective's value, or a record holding each
 *   objective's metric, in a study of several objectives) → a tell result; anything else fails
 *   the trial, saying why.
 * - {@link outcomeOf}: a tell result → the storage update that ends the trial (NaN/±∞ fail it; a
 *   pruned trial keeps its value at its last (largest) step).
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
import { lastIntermediate, type FrozenTrial } from "./types";
import { describeValue } from "../common/describe";
import { messageOf } from "../common/errors";

/**
 * The metric name of the study's objective, or of each objective in a study of several (see
 * {@link objectiveNames}).
 */
export type ObjectiveMetric = string | readonly string[];

/** The metric names of `metric`, one per objective. */
export function objectiveNames(metric: ObjectiveMetric): readonly string[] {
  return typeof metric === "string" ? [metric] : metric;
}

/**
 * What an objective's return means for a study whose objective value is `metric` (one name per
 * objective in a study of several): a number is the value; an array holds each objective's value
 * in order; a record of metrics completes the trial with each objective's metric (keeping its
 * finite numbers as metrics), or fails it when one is missing or not a finite number; any other
 * value fails the trial.
 */
export function interpretObjectiveResult(result: unknown, metric: ObjectiveMetric): TellResult {
  const names = objectiveNames(metric);
  if (typeof result === "number") {
    if (names.length === 1) return result;
    return { state: "failed", error: `the objective returned one number; ${expectedValues(names)}` };
  }
  if (Array.isArray(result)) {
    const values = result as readonly unknown[];
    const problem = valuesProblem(values, names);
    return problem === undefined ? (values as number[]) : { state: "failed", error: problem };
  }
  if (typeof result === "object" && result !== null) {
    const record = result as Record<string, unknown>;
    const metrics: Record<string, number> = {};
    for (const [name, value] of Object.entries(record)) {
      if (typeof value === "number" && Number.isFinite(value)) metrics[name] = value;
    }
    const missing = names.filter((name) => !(name in record));
    if (missing.length > 0) {
      const which = names.length === 1 ? `the study's metric "${missing[0]}"` : `the study's metrics ${missing.map((m) => `"${m}"`).join(", ")}`;
      return { state: "failed", metrics, error: `the objective returned the metrics {${Object.keys(record).join(", ")}} without ${which}` };
    }
    for (const name of names) {
      const value = record[name];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return { state: "failed", metrics, error: `the objective's metric "${name}" is ${describeValue(value)}` };
      }
    }
    const values = names.map((name) => record[name] as number);
    return names.length === 1 ? { state: "complete", value: values[0] as number, metrics } : { state: "complete", values, metrics };
  }
  return {
    state: "failed",
    error: `the objective returned ${result === null ? "null" : typeof result}; ${names.length === 1 ? "expected a number or a record of metrics" : expectedValues(names)}`,
  };
}

/** What a study of objectives `names` expects, for messages. */
function expectedValues(names: readonly string[]): string {
  return `a study of ${names.length} objectives (${names.join(", ")}) expects an array of ${names.length} numbers or a record holding each of them`;
}

/** Why `values` are not one finite number per objective of `names`, or `undefined` when they are. */
function valuesProblem(values: readonly unknown[], names: readonly string[]): string | undefined {
  if (values.length !== names.length) {
    return `the objective returned ${values.length} value${values.length === 1 ? "" : "s"}, but the study has ${names.length} objective${names.length === 1 ? "" : "s"} (${names.join(", ")})`;
  }
  const bad = values.findIndex((v) => typeof v !== "number" || !Number.isFinite(v));
  if (bad < 0) return undefined;
  return `the objective returned ${describeValue(values[bad])}${names.length === 1 ? "" : ` for objective ${bad} ("${names[bad]}")`}`;
}

/** The update completing a trial with `values` (one per objective of `names`, already checked). */
function completion(values: readonly number[], names: readonly string[], metrics: Readonly<Record<string, number>>, completedAt: number): TrialUpdate {
  const named: Record<string, number> = { ...metrics };
  names.forEach((name, i) => (named[name] = values[i] as number));
  const value = values[0] as number;
  return names.length === 1
    ? { state: "complete", value, metrics: named, completedAt }
    : { state: "complete", value, values: [...values], metrics: named, completedAt };
}

/**
 * The storage update that ends `trial` with `result` at `completedAt`: a finite number completes
 * it (stored under `metric` too), NaN/±∞ fail it; in a study of several objectives (`metric` a
 * list), an array of one finite number per objective completes it (`values`, `value` the first,
 * each stored under its metric), anything else fails it saying why; an explicit outcome is checked the same way; a
 * pruned trial keeps its value at its last (largest) step unless one is given.
 */
export function outcomeOf(trial: FrozenTrial, result: TellResult, metric: ObjectiveMetric, completedAt: number): TrialUpdate {
  const names = objectiveNames(metric);
  if (typeof result === "number" || Array.isArray(result)) {
    const values: readonly number[] = typeof result === "number" ? [result] : (result as readonly number[]);
    const problem = typeof result === "number" && names.length > 1 ? `the objective returned one number; ${expectedValues(names)}` : valuesProblem(values, names);
    if (problem !== undefined) return { state: "failed", completedAt, error: problem };
    return completion(values, names, {}, completedAt);
  }
  const outcome = result as Exclude<TellResult, number | readonly number[]>;
  const metrics = outcome.metrics ?? {};
  switch (outcome.state) {
    case "complete": {
      const values = outcome.values ?? (outcome.value === undefined ? undefined : [outcome.value]);
      const problem = values === undefined ? `the objective returned ${describeValue(outcome.value)}` : valuesProblem(values, names);
      if (values === undefined || problem !== undefined) {
        return { state: "failed", metrics, completedAt, error: problem ?? "the objective returned no value" };
      }
      return completion(values, names, metrics, completedAt);
    }
    case "pruned": {
      const last = lastIntermediate(trial)?.value;
      const value = outcome.value ?? last;
      return value === undefined || !Number.isFinite(value)
        ? { state: "pruned", metrics, completedAt }
        : { state: "pruned", value, metrics, completedAt };
    }
    case "failed":
      return { state: "failed", metrics, completedAt, error: outcome.error ?? "failed (no reason given)" };
    default:
      throw new RangeError(`tell: state must be "complete", "failed" or "pruned", but got ${JSON.stringify((outcome as { state?: unknown }).state)}`);
  }
}

/** What running the objective on a trial gave: the tell result, and the exhaustion it signalled, if any. */
export interface ObjectiveOutcome {
  readonly result: TellResult;
  /** Set when the objective threw {@link SearchSpaceExhaustedError} (the trial fails, the search stops). */
  readonly exhausted: SearchSpaceExhaustedError | undefined;
}

/** Runs `objective` on `trial` and says what it means (see the module comment); never throws. */
export async function runObjective(objective: Objective, trial: Trial, metric: ObjectiveMetric, signal: AbortSignal | undefined): Promise<ObjectiveOutcome> {
  try {
    return { result: interpretObjectiveResult(await objective(trial), metric), exhausted: undefined };
  } catch (error) {
    if (error instanceof TrialPruned) return { result: { state: "pruned" }, exhausted: undefined };
    if (error instanceof SearchSpaceExhaustedError) return { result: { state: "failed", error: error.message }, exhausted: error };
    // A bare `undefined` or `null` (Promise.reject() with no reason) would read as a reason of its own.
    const reason = error === undefined || error === null ? `the objective threw ${String(error)}, not an Error` : messageOf(error);
    return { result: { state: "failed", error: signal?.aborted ? `interrupted: ${reason}` : reason }, exhausted: undefined };
  }
}

/**
 * Ends running trial `number` with `result` once its queued writes have landed, and resolves to
 * its final snapshot. When another worker has already failed it (a {@link StaleTrialError}), the
 * trial is given up and the study refreshed before the error is rethrown. Call it exclusively.
 */
export async function tellTrial(book: StudyTrials, number: number, result: TellResult, metric: ObjectiveMetric, clock: () => number): Promise<FrozenTrial> {
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
  metric: ObjectiveMetric,
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

/**
 * Running a `%%tune` study in the notebook: binds the study to `--out`, runs the engine's optimize
 * loop with the live view, times it, prints the report, and turns the way it ended (done,
 * interrupted, too many failures) into the cell's outcome.
 */
import { MagicError, type MagicContext } from "../types";
import { LiveView } from "../../render";
import { TooManyFailuresError, type Objective, type Study, type TrialAdmission } from "../../engine/study";
import type { SearchSpace } from "../../engine/types";
import { NotebookStudy } from "./notebook-study";
import { optional, type TuneOptions } from "./options";
import { searchReport } from "./report";
import { recordBracket } from "./study-setup";
import { plannedTrials, trialsLeft } from "./space-size";
import type { TuneSession } from "./tune-magic";

/** The search stopped because the user interrupted it. */
export class InterruptedSearch extends Error {
  override readonly name = "KeyboardInterrupt";
}

/** One search to run: the study, its objective, and how to show and finish it. */
export interface SearchRun {
  readonly session: TuneSession;
  readonly options: TuneOptions;
  readonly space: SearchSpace;
  readonly study: Study;
  readonly objective: Objective;
  readonly context: MagicContext;
  /** The study as bound to `--out`. */
  readonly bound: NotebookStudy;
  /** Trials run at once (default 1); with `admission`, the most in flight, running or paused. */
  readonly concurrency?: number;
  /** Trials shown to each ask as running (the engine's `OptimizeOptions.pendingWindow`; default concurrency − 1). */
  readonly pendingWindow?: number;
  /** When a new trial may start (successive halving with paused trials, paused-halving.ts); then the asks are not `repeatable`. */
  readonly admission?: TrialAdmission;
  /** What the time in the objective is spent on, for the report ("training", "in the objective"). */
  readonly objectiveWork: string;
  /** Runs after a search that was not interrupted, before the final figures (the --cv refit). */
  readonly afterSearch?: () => Promise<void>;
  /** Runs after each trial ends; what it throws stops the search and becomes the cell's error (the trials so far kept). */
  readonly afterTrial?: () => void;
}

/** What the cell says when too many trials failed in a row: the engine's reason, with the option that sets the limit. */
function tooManyFailures(failure: TooManyFailuresError): MagicError {
  return new MagicError(`stopping the search: the last ${failure.count} trials failed in a row (the last with: ${failure.lastError}); check the objective, or raise --max-failures`);
}

/**
 * Binds `bound` to `--out` once the search has started (its first trial began, or it ended without
 * an error: nothing left to run, interrupted): a study the name held before is disposed then (its
 * kept model's tensors, its journal file or database connection), so a re-run cell does not leak.
 * Until then the old binding stays, and a search that fails before its first trial keeps it.
 */
export function binder(context: MagicContext, out: string, bound: NotebookStudy): { bind(): void; readonly done: boolean } {
  const previous = context.has(out) ? context.lookup(out) : undefined;
  let done = false;
  return {
    bind() {
      if (done) return;
      done = true;
      context.assign(out, bound);
      if (previous instanceof NotebookStudy && previous !== bound) previous.dispose();
    },
    get done() {
      return done;
    },
  };
}

/** Runs the study with the live view, binds the result and shows the summary. */
export async function runSearch(run: SearchRun): Promise<void> {
  const { session, options, space, study, objective, context, bound } = run;
  const binding = binder(context, options.out, bound);
  // --trials counts the study's finished trials (complete or pruned): with --storage those of
  // earlier runs and other workers too; a failed trial frees its place.
  // Trials copied from an earlier study (--from) do not count against --trials.
  const seeded = study.trials.filter((trial) => trial.userAttrs["seededFrom"] !== undefined).length;
  const trials = plannedTrials(options, space) + (options.storage !== undefined ? seeded : 0);
  const live = options.live ? new LiveView({ output: context, embedding: session.embedding, ...optional("intervalMs", session.liveIntervalMs) }) : undefined;
  const refresh = live === undefined ? undefined : setInterval(() => live.update(bound.data()), session.liveIntervalMs ?? 1000);
  refresh?.unref();
  // The first display: the empty table, and plotly.js once per session (a few MB to the front end).
  live?.update(bound.data());
  const setupMs = performance.now() - options.cellStartedAt;
  context.interruptCooperatively();
  // Time during which at least one trial's objective runs (the union of their intervals), so with
  // several trials at once the share of wall time outside the objective stays meaningful.
  let objectiveMs = 0;
  let running = 0;
  let busySince = 0;
  const timedObjective: Objective = async (trial) => {
    binding.bind();
    recordBracket(study, trial);
    if (running++ === 0) busySince = performance.now();
    try {
      return await objective(trial);
    } finally {
      if (--running === 0) objectiveMs += performance.now() - busySince;
    }
  };
  const started = Date.now();
  let failure: unknown;
  let summary: { message: string; trialsRun: number } = { message: "nothing to do", trialsRun: 0 };
  try {
    if (trialsLeft(options, space, study.trials.filter((trial) => trial.userAttrs["seededFrom"] === undefined)) > 0) {
      summary = await study.optimize(timedObjective, {
        trials,
        countStudyTrials: options.storage !== undefined,
        space,
        signal: context.signal,
        concurrency: run.concurrency ?? 1,
        repeatable: run.admission === undefined,
        ...optional("pendingWindow", run.pendingWindow),
        ...optional("admission", run.admission),
        ...optional("timeout", options.timeout),
        callbacks: [() => live?.update(bound.data()), ...(run.afterTrial === undefined ? [] : [run.afterTrial])],
      });
    } else {
      summary = { message: `the study already has ${plannedTrials(options, space)} finished trials (raise --trials to run more)`, trialsRun: 0 };
    }
  } catch (error) {
    failure = error;
  } finally {
    if (refresh !== undefined) clearInterval(refresh);
    live?.finish(bound.data());
  }
  // The cell's error, if the search failed: too many failures in a row name the option that sets the limit.
  const cellError = failure instanceof TooManyFailuresError ? tooManyFailures(failure) : failure;
  if (cellError !== undefined && !binding.done) {
    // Failed before its first trial: the name keeps what it held; this study's storage is closed.
    bound.dispose();
    throw cellError;
  }
  binding.bind();
  bound.lastSearch = {
    message: cellError instanceof Error ? cellError.message : summary.message,
    trialsRun: summary.trialsRun,
    wallTimeMs: Date.now() - started,
    objectiveMs,
    setupMs,
    ...optional("liveMs", live?.spentMs),
  };
  context.stdout(`${searchReport(bound, bound.lastSearch, run.objectiveWork, options.out)}\n`);
  if (cellError !== undefined) throw cellError;
  if (context.signal.aborted) {
    throw new InterruptedSearch(`search interrupted; ${bound.trials.length === 1 ? "the 1 trial" : `the ${bound.trials.length} trials`} so far ${bound.trials.length === 1 ? "is" : "are"} kept in \`${options.out}\``);
  }
  await run.afterSearch?.();
  for (const bundle of bound.figures(undefined, true)) context.display(bundle);
}

/**
 * The public vocabulary of a study: its options, what an objective returns, what `tell` accepts,
 * the options and summary of `optimize`, and the JSON export. The study's parts (ask, tell, the
 * optimize loop, export) share these types; `study.ts` re-exports them.
 */
import type { Sampler, Pruner, StudyDirection, TrialState, FrozenTrial, SearchSpace } from "./types";
import type { StudyStorage } from "./storage/storage";
import type { Study } from "./study";
import type { Trial } from "./trial";

/** Options of {@link createStudy}. */
export interface StudyOptions {
  /** The study's name in its storage (default "study"); an existing study of that name is resumed. */
  readonly studyName?: string;
  /** Default "minimize". Must match the stored study's direction when resuming. */
  readonly direction?: StudyDirection;
  /**
   * Several objectives, one direction each (like Optuna's `directions`): the objective returns an
   * array of numbers in this order, or a record holding each of `metrics`. Excludes `direction`;
   * one direction is a single-objective study. Must match the stored study when resuming.
   */
  readonly directions?: readonly StudyDirection[];
  /**
   * With `directions`: each objective's metric name, in the same order (default `values_0`,
   * `values_1`, …). Excludes `metric`.
   */
  readonly metrics?: readonly string[];
  /** Default `new RandomSampler({ seed })`. */
  readonly sampler?: Sampler;
  /** Default: no pruning. */
  readonly pruner?: Pruner;
  /** Default: a fresh {@link MemoryStorage}. */
  readonly storage?: StudyStorage;
  /** The study's own seed (duplicate avoidance, default sampler); default 0. */
  readonly seed?: number;
  /**
   * The metric that is the objective value when an objective returns a record of metrics
   * (default "value"; a plain number is stored under this name too).
   */
  readonly metric?: string;
  /** `optimize` stops with {@link TooManyFailuresError} after this many failed trials in a row (default 10). */
  readonly maxConsecutiveFailures?: number;
  /** In a discrete space too large to list, how many random redraws replace a duplicate (default 20). */
  readonly duplicateRetries?: number;
  /** Milliseconds since the epoch (default `Date.now`); injectable for tests. */
  readonly clock?: () => number;
}

/**
 * What an objective returns: the value, or a record of metrics holding the study's metric; in a
 * study of several objectives, an array of each objective's value or a record holding each metric.
 */
export type ObjectiveResult = number | readonly number[] | Readonly<Record<string, number>>;

/** The function a study optimises. It may be async. */
export type Objective = (trial: Trial) => ObjectiveResult | Promise<ObjectiveResult>;

/**
 * What `tell` accepts: a value (NaN/±∞ fail the trial), each objective's value in a study of
 * several objectives, or an explicit outcome.
 */
export type TellResult =
  | number
  | readonly number[]
  | {
      readonly state: Extract<TrialState, "complete" | "failed" | "pruned">;
      readonly value?: number;
      /** Each objective's value (a study of several objectives). */
      readonly values?: readonly number[];
      readonly metrics?: Readonly<Record<string, number>>;
      readonly error?: string;
    };

/** Called after each trial `optimize` runs. */
export type OptimizeCallback = (study: Study, trial: FrozenTrial) => void | Promise<void>;

/** Options of {@link Study.optimize}. At least one of `trials`, `timeout` and `signal` is required. */
export interface OptimizeOptions {
  /** Run this many trials (Infinity: until exhausted, timed out or aborted). */
  readonly trials?: number;
  /** Start no new trial after this many seconds. */
  readonly timeout?: number;
  /** Start no new trial once aborted; the trials done are kept. */
  readonly signal?: AbortSignal;
  /** Sample every trial's parameters jointly from this space up front (see {@link Study.ask}). */
  readonly space?: SearchSpace;
  readonly callbacks?: readonly OptimizeCallback[];
  /**
   * Count `trials` over the whole study rather than this call: stop once the study holds `trials`
   * finished trials (complete or pruned: `FINISHED_STATES` of the search-space module), whoever ran them. With a shared storage, workers start a
   * trial only while finished and running trials are fewer than `trials`, and otherwise wait for
   * the running ones (re-running any whose worker dies), so the study ends with exactly `trials`.
   */
  readonly countStudyTrials?: boolean;
  /**
   * How many trials run at once (default 1): while fewer are running, another is asked, so an
   * objective that awaits work done elsewhere (worker threads, other processes) keeps N busy. The
   * sampler sees the running trials as pending; `trials` is never exceeded. Which parameters a
   * trial gets can then depend on which trials finished first, unless `repeatable` is set.
   */
  readonly concurrency?: number;
  /**
   * With `concurrency: N` on a storage of one process: the call's k-th trial is asked only once
   * its trials up to k−N have been told, and the sampler sees its trials k−N+1…k−1 as running
   * (parameters only) whether or not they have finished, so each trial's parameters depend on
   * the trial order and the seeds, not on which trials finished first. Ignored on a shared
   * storage (other workers' trials come and go with their timing). Costs idle lanes when trials
   * take unequal times.
   */
  readonly repeatable?: boolean;
  /**
   * With `repeatable`: how many trials before the k-th are shown to the sampler as running
   * (default `concurrency − 1`, the fewest): the k-th trial is asked once the call's trials up to
   * k − 1 − `pendingWindow` are told. A wider window hides a few more finished results from the
   * sampler but idles a lane less: with `concurrency` lanes and a window of 2·(concurrency − 1), a
   * lane waits only when one trial outlasts two on another lane.
   */
  readonly pendingWindow?: number;
  /**
   * A scheduler that decides when a lane may start a new trial, for schedulers that pause trials
   * and resume them on the same threads (asynchronous successive halving with paused trials): a
   * lane waits for `admission.wait()` before asking. With an admission `repeatable` is ignored
   * (the trials' order then depends on which reached a rung first), and `concurrency` is the most
   * trials in flight, running or paused.
   */
  readonly admission?: TrialAdmission;
}

/** When a lane of `optimize` may start a new trial (see `OptimizeOptions.admission`). */
export interface TrialAdmission {
  /**
   * Resolves true when the lane may start a new trial (the lane holds a place until that trial's
   * objective takes it over, or gives it back with {@link cancel}); false when the lane should look
   * at the stop conditions again (after {@link close}, or an interrupt).
   */
  wait(): Promise<boolean>;
  /** Gives back the place `wait` granted, when the lane starts no trial after all. */
  cancel(): void;
  /** The loop will start no more trials (it stopped: trials, timeout, interrupt, exhausted space). */
  close(): void;
}

/** Why `optimize` stopped. */
export type StopReason = "trials" | "timeout" | "aborted" | "exhausted";

/** What `optimize` did. */
export interface OptimizeSummary {
  /** Trials run by this call. */
  readonly trialsRun: number;
  readonly stopReason: StopReason;
  /** A sentence saying why the search stopped. */
  readonly message: string;
}

/** The JSON export of a study. */
export interface StudyJSON {
  readonly studyName: string;
  readonly direction: StudyDirection;
  readonly metric: string;
  /** The best trial's number; `null` without a complete trial, and in a study of several objectives. */
  readonly bestTrial: number | null;
  /** A study of several objectives: each objective's direction and metric, and the Pareto front's trial numbers. */
  readonly directions?: readonly StudyDirection[];
  readonly metrics?: readonly string[];
  readonly bestTrials?: readonly number[];
  readonly trials: readonly FrozenTrial[];
}

/**
 * The storage contract of studies: flat create / update / read operations keyed by study name and
 * trial number. The study keeps its trials cached in memory and writes every change through a
 * storage; a storage that persists (the journal, later PostgreSQL) lets a new process resume.
 * Methods are async so that a database-backed storage can implement them too.
 */
import type { FrozenTrial, IntermediateValue, ParamValue, Params, SearchSpace, StudyDirection, TrialState } from "../types";

/** What a storage keeps about a study itself. */
export interface StudyRecord {
  readonly name: string;
  readonly direction: StudyDirection;
  /** The metric whose value is the objective, when objectives return records of metrics. */
  readonly metric?: string;
  /**
   * A study of several objectives: each objective's direction (`direction` is the first), absent
   * for a single objective (so records written before several objectives existed still read).
   */
  readonly directions?: readonly StudyDirection[];
  /** A study of several objectives: each objective's metric name, in the order of `directions`. */
  readonly metrics?: readonly string[];
  readonly createdAt: number;
}

/** A new trial, without its number (the storage assigns it). */
export type NewTrial = Omit<FrozenTrial, "number">;

/** A trial record that has nothing yet but its state and the given fields (no metrics, reports or attributes). */
export function newTrial(state: NewTrial["state"], fields: Partial<Omit<NewTrial, "state">> = {}): NewTrial {
  return { state, params: {}, distributions: {}, metrics: {}, intermediateValues: [], userAttrs: {}, ...fields };
}

/**
 * A change to a trial. Scalars replace; `params`/`distributions`/`metrics`/`userAttrs` merge by key;
 * `intermediate` is appended (a step already reported is ignored).
 */
export interface TrialUpdate {
  readonly state?: TrialState;
  readonly value?: number;
  /** Every objective's value (a study of several objectives); replaces. */
  readonly values?: readonly number[];
  readonly params?: Params;
  readonly distributions?: SearchSpace;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly intermediate?: IntermediateValue;
  readonly userAttrs?: Readonly<Record<string, unknown>>;
  readonly startedAt?: number;
  readonly completedAt?: number;
  readonly error?: string;
}

/** Where studies and their trials live. */
export interface StudyStorage {
  /**
   * Creates the study, or returns the existing record if one of that name exists (the caller checks
   * that its direction matches).
   */
  createStudy(record: StudyRecord): Promise<StudyRecord>;
  /** The study's record, or `undefined` if none of that name exists. */
  loadStudy(name: string): Promise<StudyRecord | undefined>;
  /** Names of every study held. */
  listStudies(): Promise<string[]>;
  /** Adds a trial to the study and resolves to its number (0, 1, 2, … in creation order). */
  createTrial(studyName: string, trial: NewTrial): Promise<number>;
  /** Applies `update` to trial `number`; resolves once the change is stored. */
  updateTrial(studyName: string, number: number, update: TrialUpdate): Promise<void>;
  /** Every trial of the study, in number order. */
  readTrials(studyName: string): Promise<FrozenTrial[]>;
  /** Releases files or connections; the storage is unusable afterwards. */
  close(): Promise<void>;
}

/** The trial after `update` (a new object; `trial` is left unchanged). */
export function applyTrialUpdate(trial: FrozenTrial, update: TrialUpdate): FrozenTrial {
  const next: Record<string, unknown> = { ...trial };
  for (const key of ["state", "value", "startedAt", "completedAt", "error"] as const) {
    if (update[key] !== undefined) next[key] = update[key];
  }
  if (update.values !== undefined) next["values"] = [...update.values];
  if (update.params !== undefined) next["params"] = { ...trial.params, ...update.params };
  if (update.distributions !== undefined) next["distributions"] = { ...trial.distributions, ...update.distributions };
  if (update.metrics !== undefined) next["metrics"] = { ...trial.metrics, ...update.metrics };
  if (update.userAttrs !== undefined) next["userAttrs"] = { ...trial.userAttrs, ...update.userAttrs };
  const intermediate = update.intermediate;
  if (intermediate !== undefined && !trial.intermediateValues.some((iv) => iv.step === intermediate.step)) {
    next["intermediateValues"] = [...trial.intermediateValues, { step: intermediate.step, value: intermediate.value }];
  }
  return next as unknown as FrozenTrial;
}

/** A parameter value as stored: any JSON scalar. */
export type StoredParamValue = ParamValue;

/** What {@link SharedStudyStorage.startTrial} is asked to do. */
export interface StartTrialRequest {
  /** The trial's start time (milliseconds since the epoch), as the worker's clock says. */
  readonly startedAt: number;
  /**
   * Start nothing (resolve to `undefined`) when the study already holds this many trials that are
   * finished (`FINISHED_STATES` of the search-space module: complete or pruned) or running: how
   * workers sharing a study stop at exactly N finished trials.
   */
  readonly limit?: number;
}

/** Trials changed since a cursor, and the cursor to ask from next time. */
export interface TrialChanges {
  /** The changed trials (created, updated or failed by any worker), in number order. */
  readonly trials: readonly FrozenTrial[];
  /** Pass this to the next {@link SharedStudyStorage.readTrialChanges}. */
  readonly cursor: number;
}

/**
 * A storage that several worker processes use at once (PostgreSQL). On top of the plain
 * contract, every operation that hands out work is atomic across workers:
 * - {@link startTrial} gives each waiting trial to exactly one worker, and numbers new trials
 *   in the database;
 * - workers heartbeat their running trials, and {@link failStaleTrials} fails a trial whose
 *   heartbeat stopped (exactly once, whichever worker notices) and enqueues its parameters again;
 * - {@link readTrialChanges} reads only what changed since the last read, so a study can refresh
 *   its view of other workers' trials before every sample.
 * A trial that is already over (`isTerminal` of the search-space module: complete, pruned or
 * failed) cannot be changed: {@link updateTrial} then rejects with a {@link StaleTrialError}.
 */
export interface SharedStudyStorage extends StudyStorage {
  /** How often a study heartbeats each running trial (ms). */
  readonly heartbeatIntervalMs: number;
  /** A running trial with no heartbeat for this long (ms) is failed and its parameters offered again. */
  readonly staleTrialTimeoutMs: number;
  /**
   * Atomically claims the lowest-numbered waiting trial (setting it running), or else creates a new
   * running trial with no parameters yet; either way with a fresh heartbeat. Resolves to the trial,
   * or to `undefined` when `request.limit` is reached. An aborted `signal` (the search was
   * interrupted) may cancel the wait for the storage and reject.
   */
  startTrial(studyName: string, request: StartTrialRequest, signal?: AbortSignal): Promise<FrozenTrial | undefined>;
  /** Marks running trials `numbers` as alive now (finished ones are left alone). */
  recordHeartbeat(studyName: string, numbers: readonly number[]): Promise<void>;
  /**
   * Fails every running trial of the study whose last heartbeat is older than
   * {@link staleTrialTimeoutMs}, and enqueues a waiting trial with each one's parameters.
   * Resolves to the numbers of the trials it failed (each stale trial is failed by one caller only).
   */
  failStaleTrials(studyName: string, signal?: AbortSignal): Promise<number[]>;
  /** Trials changed since `cursor` (0: every trial). */
  readTrialChanges(studyName: string, cursor: number): Promise<TrialChanges>;
}

/** Whether `storage` is shared by several workers (has heartbeats and atomic trial hand-out). */
export function isSharedStorage(storage: StudyStorage): storage is SharedStudyStorage {
  const candidate = storage as Partial<SharedStudyStorage>;
  return typeof candidate.startTrial === "function" && typeof candidate.failStaleTrials === "function" && typeof candidate.readTrialChanges === "function";
}

/**
 * A change to a trial that has already finished, typically because its worker stopped heartbeating
 * and another worker failed it: the trial keeps its final state and the change is not applied.
 */
export class StaleTrialError extends Error {
  override readonly name = "StaleTrialError";
  readonly trialNumber: number;
  constructor(studyName: string, trialNumber: number, state: TrialState, reason: string | undefined) {
    super(
      `trial ${trialNumber} of study "${studyName}" is already ${state}${reason === undefined ? "" : ` (${reason})`}; ` +
        `it cannot change any more`,
    );
    this.trialNumber = trialNumber;
  }
}

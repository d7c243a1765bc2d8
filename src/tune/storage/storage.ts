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
  readonly createdAt: number;
}

/** A new trial, without its number (the storage assigns it). */
export type NewTrial = Omit<FrozenTrial, "number">;

/**
 * A change to a trial. Scalars replace; `params`/`distributions`/`metrics`/`userAttrs` merge by key;
 * `intermediate` is appended (a step already reported is ignored).
 */
export interface TrialUpdate {
  readonly state?: TrialState;
  readonly value?: number;
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

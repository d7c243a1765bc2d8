/**
 * The shapes of the "info" step (see `info.ts`): what the renderers take from a study
 * ({@link StudyData}) and the plain data they draw from ({@link StudyInfo} and its parts).
 */
import type { Distribution, FrozenTrial, ParamValue, SearchSpace, StudyDirection, TrialState } from "../engine/types";
import type { ParameterImportance } from "./importance";
import type { ObjectivesData, ParetoInfo } from "./pareto-info";
import type { Population } from "./pbt-info";

/** What the renderers need from a study (the Study class hands this over). */
export interface StudyData {
  /** Every trial so far, in any order (they are shown by number). */
  readonly trials: readonly FrozenTrial[];
  /** The declared search space; its key order is the column order of parameters. */
  readonly space: SearchSpace;
  readonly direction: StudyDirection;
  /** The name of the objective metric (the trials' `value`). */
  readonly metric: string;
  /** How many trials the search will run, when known (for progress and time left). */
  readonly plannedTrials?: number;
  readonly studyName?: string;
  /** A study of several objectives: their metrics and directions (`direction`/`metric` are the first's). */
  readonly objectives?: ObjectivesData;
  /** The trial picked from the Pareto front, marked in its figure. */
  readonly pickedTrial?: number;
}

/** How a parameter is laid out on an axis. */
export type AxisScale = "linear" | "log" | "category";

/** A parameter as the figures see it. */
export interface ParameterInfo {
  readonly name: string;
  readonly distribution: Distribution;
  /** `fixed` parameters are shown in the table only. */
  readonly scale: AxisScale | "fixed";
  /** For categoricals: the choices as shown, in declared order. */
  readonly categories?: readonly string[];
}

/** What a table column holds. */
export type ColumnKind = "number" | "state" | "param" | "objective" | "metric" | "duration" | "error";

/** A column of the trials table. `key` is the parameter or metric name for those kinds. */
export interface TableColumn {
  readonly kind: ColumnKind;
  readonly key: string;
  readonly title: string;
}

/** One trial as a table row. */
export interface TrialRow {
  readonly number: number;
  readonly state: TrialState;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The objective value (complete trials; pruned ones keep their last reported value). */
  readonly value?: number;
  readonly metrics: Readonly<Record<string, number>>;
  /** completedAt − startedAt; for a running trial, now − startedAt. */
  readonly durationMs?: number;
  readonly error?: string;
  /** The best trial, or with several objectives a trial on the Pareto front. */
  readonly isBest: boolean;
}

/** The trials table: columns in display order and one row per trial, by trial number. */
export interface TableInfo {
  readonly columns: readonly TableColumn[];
  readonly rows: readonly TrialRow[];
}

/** The best trial: the complete trial with the best value (lowest number on ties). */
export interface BestTrialInfo {
  readonly number: number;
  readonly value: number;
  readonly params: Readonly<Record<string, ParamValue>>;
}

/** One trial on the optimisation history. */
export interface HistoryPoint {
  readonly number: number;
  readonly state: TrialState;
  readonly value?: number;
  /** The best complete value among trials numbered ≤ this one, when there is one. */
  readonly bestSoFar?: number;
  readonly error?: string;
}

/** One trial on a slice plot. */
export interface SlicePoint {
  readonly number: number;
  readonly state: "complete" | "pruned";
  /** Numbers for linear/log parameters, the shown category for categoricals. */
  readonly x: number | string;
  readonly value: number;
}

/** The objective against one parameter. */
export interface SliceInfo {
  readonly parameter: ParameterInfo;
  readonly points: readonly SlicePoint[];
}

/** The intermediate values a trial reported. */
export interface LearningCurve {
  readonly number: number;
  readonly state: TrialState;
  /** (k,) steps and (k,) values, in report order. */
  readonly steps: readonly number[];
  readonly values: readonly number[];
  /** The Hyperband bracket the trial ran in (its user attribute "bracket"), when it has one. */
  readonly bracket?: number;
  /** The learning rate after each epoch, when it adapted (its user attribute "lr", hypergradient descent). */
  readonly learningRates?: readonly number[];
}

/** Where the search stands. */
export interface ProgressInfo {
  /** Trials that ended (complete, pruned or failed). */
  readonly finished: number;
  readonly running: number;
  readonly planned?: number;
  /** From the first trial's start to `now`. */
  readonly elapsedMs: number;
  /** elapsed / finished × (planned − finished), when both are known. */
  readonly remainingMs?: number;
  readonly best?: BestTrialInfo;
}

/** Everything the figures and the text table are built from. */
export interface StudyInfo {
  readonly metric: string;
  readonly direction: StudyDirection;
  readonly studyName?: string;
  readonly parameters: readonly ParameterInfo[];
  /** Metric names other than the objective, in first-seen order. */
  readonly otherMetrics: readonly string[];
  readonly table: TableInfo;
  readonly best?: BestTrialInfo;
  readonly history: readonly HistoryPoint[];
  readonly slices: readonly SliceInfo[];
  readonly curves: readonly LearningCurve[];
  readonly importance: readonly ParameterImportance[];
  readonly progress: ProgressInfo;
  /** A study of several objectives: its points and Pareto front (then `best` is unset). */
  readonly pareto?: ParetoInfo;
  /** A `--strategy pbt` study's members and rounds (no members for any other study). */
  readonly population: Population;
  /**
   * A study of several objectives: the history, slices and importance of each objective on its
   * own, in the study's order (the first equals `metric`, `history`, `slices`, `importance`).
   */
  readonly objectiveViews?: readonly ObjectiveView[];
}

/** What the history, slices and importance figures show of one objective. */
export type ObjectiveView = Pick<StudyInfo, "metric" | "direction" | "history" | "slices" | "importance">;

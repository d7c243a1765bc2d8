/**
 * The pure "info" step: a study's trials → plain data (table rows, best trial, history, slices,
 * learning curves, importance, progress). No Plotly here; figures and text are built from this.
 */

import type {
  Distribution,
  FrozenTrial,
  ParamValue,
  SearchSpace,
  StudyDirection,
  TrialState,
} from "../engine/types";
import { formatDuration, formatNumber, formatParamValue } from "./format";
import { parameterImportance, type ParameterImportance } from "./importance";

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
}

const TRIAL_STATES: readonly TrialState[] = ["waiting", "running", "complete", "failed", "pruned"];

/**
 * Checks a {@link StudyData} and throws an error naming the first thing that is wrong and what
 * was expected.
 */
export function validateStudyData(study: StudyData): void {
  if (study === null || typeof study !== "object") throw new Error("study data must be an object");
  if (!Array.isArray(study.trials)) throw new Error("study data: `trials` must be an array of FrozenTrial");
  if (study.direction !== "minimize" && study.direction !== "maximize") {
    throw new Error(`study data: \`direction\` must be "minimize" or "maximize", got ${JSON.stringify(study.direction)}`);
  }
  if (typeof study.metric !== "string" || study.metric === "") {
    throw new Error(`study data: \`metric\` must be a non-empty string, got ${JSON.stringify(study.metric)}`);
  }
  if (study.space === null || typeof study.space !== "object") {
    throw new Error("study data: `space` must be a SearchSpace object (parameter name → distribution)");
  }
  if (study.plannedTrials !== undefined && !(Number.isInteger(study.plannedTrials) && study.plannedTrials >= 0)) {
    throw new Error(`study data: \`plannedTrials\` must be a non-negative integer, got ${study.plannedTrials}`);
  }
  const seen = new Set<number>();
  study.trials.forEach((trial, i) => {
    if (trial === null || typeof trial !== "object") throw new Error(`study data: trials[${i}] must be a FrozenTrial object`);
    if (!Number.isInteger(trial.number) || trial.number < 0) {
      throw new Error(`study data: trials[${i}].number must be a non-negative integer, got ${String(trial.number)}`);
    }
    if (seen.has(trial.number)) throw new Error(`study data: trial number ${trial.number} appears twice; numbers must be unique`);
    seen.add(trial.number);
    if (!TRIAL_STATES.includes(trial.state)) {
      throw new Error(
        `study data: trial ${trial.number} has state ${JSON.stringify(trial.state)}; expected one of ${TRIAL_STATES.join(", ")}`,
      );
    }
    for (const field of ["params", "distributions", "metrics"] as const) {
      if (trial[field] === null || typeof trial[field] !== "object") {
        throw new Error(`study data: trial ${trial.number} has no \`${field}\` object; expected a record (possibly empty)`);
      }
    }
    if (!Array.isArray(trial.intermediateValues)) {
      throw new Error(`study data: trial ${trial.number}: \`intermediateValues\` must be an array of {step, value}`);
    }
    if (trial.state === "complete" && !(typeof trial.value === "number" && Number.isFinite(trial.value))) {
      throw new Error(`study data: trial ${trial.number} is complete but its value is ${String(trial.value)}; expected a finite number`);
    }
  });
}

/**
 * Extracts everything the renderers show from a study.
 * @param study the trials and the study's settings
 * @param now the current time in ms since the epoch (for elapsed time and running durations)
 */
export function studyInfo(study: StudyData, now: number): StudyInfo {
  validateStudyData(study);
  const trials = [...study.trials].sort((a, b) => a.number - b.number);
  const parameters = parametersOf(study.space, trials);
  const otherMetrics = otherMetricNames(trials, study.metric);
  const best = bestTrial(trials, study.direction);
  const table = tableInfo(trials, parameters, study.metric, otherMetrics, best, now);
  const plotted = parameters.filter((p) => p.scale !== "fixed");
  const info: StudyInfo = {
    metric: study.metric,
    direction: study.direction,
    parameters,
    otherMetrics,
    table,
    history: historyOf(trials, study.direction),
    slices: plotted.map((parameter) => sliceOf(parameter, trials)),
    curves: trials
      .filter((t) => t.intermediateValues.length > 0)
      .map((t) => ({
        number: t.number,
        state: t.state,
        steps: t.intermediateValues.map((v) => v.step),
        values: t.intermediateValues.map((v) => v.value),
      })),
    importance: importanceOf(plotted, trials),
    progress: progressOf(trials, study.plannedTrials, best, now),
    ...(best === undefined ? {} : { best }),
    ...(study.studyName === undefined ? {} : { studyName: study.studyName }),
  };
  return info;
}

/** Whether `a` is a better objective value than `b` in this direction. */
export function isBetter(a: number, b: number, direction: StudyDirection): boolean {
  return direction === "minimize" ? a < b : a > b;
}

/** The complete trial with the best value (lowest number on ties), if any. */
export function bestTrial(trials: readonly FrozenTrial[], direction: StudyDirection): BestTrialInfo | undefined {
  let best: FrozenTrial | undefined;
  for (const trial of trials) {
    if (trial.state !== "complete" || trial.value === undefined) continue;
    if (
      best === undefined ||
      isBetter(trial.value, best.value as number, direction) ||
      (trial.value === best.value && trial.number < best.number)
    ) {
      best = trial;
    }
  }
  return best === undefined ? undefined : { number: best.number, value: best.value as number, params: best.params };
}

function parametersOf(space: SearchSpace, trials: readonly FrozenTrial[]): ParameterInfo[] {
  const distributions = new Map<string, Distribution>(Object.entries(space));
  for (const trial of trials) {
    for (const [name, distribution] of Object.entries(trial.distributions)) {
      if (!distributions.has(name)) distributions.set(name, distribution);
    }
  }
  return [...distributions].map(([name, distribution]) => parameterInfo(name, distribution));
}

function parameterInfo(name: string, distribution: Distribution): ParameterInfo {
  switch (distribution.kind) {
    case "float":
    case "int":
      return { name, distribution, scale: distribution.log ? "log" : "linear" };
    case "categorical":
      return { name, distribution, scale: "category", categories: distribution.choices.map(formatParamValue) };
    case "fixed":
      return { name, distribution, scale: "fixed" };
    default:
      throw new Error(`parameter "${name}" has an unknown distribution kind ${JSON.stringify((distribution as { kind: unknown }).kind)}; expected float, int, categorical or fixed`);
  }
}

function otherMetricNames(trials: readonly FrozenTrial[], objective: string): string[] {
  const names = new Set<string>();
  for (const trial of trials) for (const name of Object.keys(trial.metrics)) if (name !== objective) names.add(name);
  return [...names];
}

function durationOf(trial: FrozenTrial, now: number): number | undefined {
  if (trial.startedAt === undefined) return undefined;
  if (trial.completedAt !== undefined) return trial.completedAt - trial.startedAt;
  return trial.state === "running" ? now - trial.startedAt : undefined;
}

function tableInfo(
  trials: readonly FrozenTrial[],
  parameters: readonly ParameterInfo[],
  metric: string,
  otherMetrics: readonly string[],
  best: BestTrialInfo | undefined,
  now: number,
): TableInfo {
  const columns: TableColumn[] = [
    { kind: "number", key: "number", title: "#" },
    { kind: "state", key: "state", title: "state" },
    ...parameters.map((p): TableColumn => ({ kind: "param", key: p.name, title: p.name })),
    { kind: "objective", key: metric, title: metric },
    ...otherMetrics.map((m): TableColumn => ({ kind: "metric", key: m, title: m })),
    { kind: "duration", key: "duration", title: "duration" },
  ];
  if (trials.some((t) => t.error !== undefined)) columns.push({ kind: "error", key: "error", title: "error" });
  const rows = trials.map((trial): TrialRow => {
    const durationMs = durationOf(trial, now);
    return {
      number: trial.number,
      state: trial.state,
      params: trial.params,
      metrics: trial.metrics,
      isBest: best !== undefined && best.number === trial.number,
      ...(trial.value === undefined ? {} : { value: trial.value }),
      ...(durationMs === undefined ? {} : { durationMs }),
      ...(trial.error === undefined ? {} : { error: trial.error }),
    };
  });
  return { columns, rows };
}

/** The raw value of a table cell (`undefined` when empty), for sorting and plotting. */
export function cellValue(row: TrialRow, column: TableColumn): ParamValue | undefined {
  switch (column.kind) {
    case "number":
      return row.number;
    case "state":
      return row.state;
    case "param":
      return column.key in row.params ? row.params[column.key] : undefined;
    case "objective":
      return row.value;
    case "metric":
      return row.metrics[column.key];
    case "duration":
      return row.durationMs;
    case "error":
      return row.error;
  }
}

/** The text of a table cell as shown in tables (empty when there is no value). */
export function cellText(row: TrialRow, column: TableColumn): string {
  const value = cellValue(row, column);
  if (value === undefined) return "";
  if (column.kind === "duration") return formatDuration(value as number);
  if (column.kind === "error") return String(value);
  return typeof value === "number" ? formatNumber(value) : formatParamValue(value);
}

function historyOf(trials: readonly FrozenTrial[], direction: StudyDirection): HistoryPoint[] {
  let best: number | undefined;
  return trials
    .filter((t) => t.state !== "waiting")
    .map((trial) => {
      if (trial.state === "complete" && trial.value !== undefined && (best === undefined || isBetter(trial.value, best, direction))) {
        best = trial.value;
      }
      return {
        number: trial.number,
        state: trial.state,
        ...(trial.value === undefined ? {} : { value: trial.value }),
        ...(best === undefined ? {} : { bestSoFar: best }),
        ...(trial.error === undefined ? {} : { error: trial.error }),
      };
    });
}

function sliceOf(parameter: ParameterInfo, trials: readonly FrozenTrial[]): SliceInfo {
  const points: SlicePoint[] = [];
  for (const trial of trials) {
    if ((trial.state !== "complete" && trial.state !== "pruned") || trial.value === undefined) continue;
    if (!Number.isFinite(trial.value) || !(parameter.name in trial.params)) continue;
    const raw = trial.params[parameter.name];
    if (parameter.scale === "category") {
      points.push({ number: trial.number, state: trial.state, x: formatParamValue(raw), value: trial.value });
    } else if (typeof raw === "number") {
      points.push({ number: trial.number, state: trial.state, x: raw, value: trial.value });
    }
  }
  return { parameter, points };
}

function importanceOf(parameters: readonly ParameterInfo[], trials: readonly FrozenTrial[]): ParameterImportance[] {
  const complete = trials.filter(
    (t) => t.state === "complete" && t.value !== undefined && parameters.every((p) => p.name in t.params),
  );
  return parameterImportance(
    parameters.map((p) => ({
      name: p.name,
      scale: p.scale === "category" ? "categorical" : "ordered",
      values: complete.map((t) => t.params[p.name]),
    })),
    complete.map((t) => t.value as number),
  );
}

function progressOf(
  trials: readonly FrozenTrial[],
  planned: number | undefined,
  best: BestTrialInfo | undefined,
  now: number,
): ProgressInfo {
  const finished = trials.filter((t) => t.state === "complete" || t.state === "pruned" || t.state === "failed").length;
  const running = trials.filter((t) => t.state === "running").length;
  const starts = trials.map((t) => t.startedAt).filter((s): s is number => s !== undefined);
  const elapsedMs = starts.length === 0 ? 0 : Math.max(0, now - Math.min(...starts));
  const remainingMs =
    planned !== undefined && finished > 0 ? (elapsedMs / finished) * Math.max(0, planned - finished) : undefined;
  return {
    finished,
    running,
    elapsedMs,
    ...(planned === undefined ? {} : { planned }),
    ...(remainingMs === undefined ? {} : { remainingMs }),
    ...(best === undefined ? {} : { best }),
  };
}

/** One line: "12 of 30 trials done · elapsed 1 min 02 s · ~2 min 40 s left · best val_acc 0.9512 (trial 7)". */
export function progressLine(info: StudyInfo): string {
  const p = info.progress;
  const parts = [
    p.planned === undefined ? `${p.finished} trials done` : `${p.finished} of ${p.planned} trials done`,
    `elapsed ${formatDuration(p.elapsedMs) || "0 ms"}`,
  ];
  if (p.running > 0) parts.push(`${p.running} running`);
  if (p.remainingMs !== undefined && p.planned !== undefined && p.finished < p.planned) {
    parts.push(`~${formatDuration(p.remainingMs)} left`);
  }
  parts.push(p.best === undefined ? `no complete trial yet` : `best ${info.metric} ${formatNumber(p.best.value)} (trial ${p.best.number})`);
  return parts.join(" · ");
}

/**
 * The pure "info" step: a study's trials → plain data (table rows, best trial, history, slices,
 * learning curves, importance, progress). No Plotly here; figures and text are built from this.
 * The shapes are in `info-types.ts`, the trials table in `info-table.ts` (both re-exported here).
 */

import type { Distribution, FrozenTrial, SearchSpace, StudyDirection, TrialState } from "../engine/types";
import { formatDuration, formatNumber, formatParamValue } from "./format";
import { parameterImportance, type ParameterImportance } from "./importance";
import { tableInfo } from "./info-table";
import { paretoInfo } from "./pareto-info";
import { pbtPopulation } from "./pbt-info";
import type {
  BestTrialInfo,
  HistoryPoint,
  ObjectiveView,
  ParameterInfo,
  ProgressInfo,
  SliceInfo,
  SlicePoint,
  StudyData,
  StudyInfo,
} from "./info-types";

export type * from "./info-types";
export { cellText, cellValue } from "./info-table";

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
  const several = study.objectives !== undefined && study.objectives.metrics.length > 1 ? study.objectives : undefined;
  const pareto = several === undefined ? undefined : paretoInfo(trials, several, study.pickedTrial);
  // Several objectives: one column each, first; the front's rows are highlighted (no single best).
  const otherMetrics = [...new Set([...(several?.metrics.slice(1) ?? []), ...otherMetricNames(trials, study.metric)])];
  const best = pareto === undefined ? bestTrial(trials, study.direction) : undefined;
  const table = tableInfo(trials, parameters, study.metric, otherMetrics, best, now, pareto === undefined ? undefined : new Set(pareto.front));
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
        ...bracketOf(t),
        ...learningRatesOf(t),
      })),
    importance: importanceOf(plotted, trials),
    population: pbtPopulation(study),
    progress: progressOf(trials, study.plannedTrials, best, now),
    ...(best === undefined ? {} : { best }),
    ...(pareto === undefined ? {} : { pareto }),
    ...(several === undefined ? {} : { objectiveViews: several.metrics.map((metric, k) => objectiveView(trials, plotted, metric, several.directions[k] ?? "minimize", k)) }),
    ...(study.studyName === undefined ? {} : { studyName: study.studyName }),
  };
  return info;
}

/**
 * The history, slices and importance of objective `k` alone: each trial's value is its k-th
 * objective's (complete trials of several objectives; other trials keep their first value for
 * k = 0 and have none for the other objectives).
 */
function objectiveView(trials: readonly FrozenTrial[], plotted: readonly ParameterInfo[], metric: string, direction: StudyDirection, k: number): ObjectiveView {
  const valued = trials.map((trial): FrozenTrial => {
    const { value: first, ...rest } = trial;
    const value = trial.values?.[k] ?? (k === 0 ? first : undefined);
    return value === undefined ? rest : { ...rest, value };
  });
  return {
    metric,
    direction,
    history: historyOf(valued, direction),
    slices: plotted.map((parameter) => sliceOf(parameter, valued)),
    importance: importanceOf(plotted, valued),
  };
}

/** `{ bracket }` when the trial records a Hyperband bracket (a non-negative integer user attribute). */
function bracketOf(trial: FrozenTrial): { bracket?: number } {
  const bracket = trial.userAttrs["bracket"];
  return typeof bracket === "number" && Number.isSafeInteger(bracket) && bracket >= 0 ? { bracket } : {};
}

/** `{ learningRates }` when the trial records its learning rate per epoch (user attribute "lr": finite numbers). */
function learningRatesOf(trial: FrozenTrial): { learningRates?: readonly number[] } {
  const rates = trial.userAttrs["lr"];
  return Array.isArray(rates) && rates.length > 0 && rates.every((r) => typeof r === "number" && Number.isFinite(r)) ? { learningRates: rates as number[] } : {};
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

/**
 * Importance over every complete trial, of the parameters they all hold: a conditional parameter
 * absent from some trials is left out (its absence is not a value to rank).
 */
function importanceOf(parameters: readonly ParameterInfo[], trials: readonly FrozenTrial[]): ParameterImportance[] {
  const complete = trials.filter((t) => t.state === "complete" && t.value !== undefined);
  const held = parameters.filter((p) => complete.every((t) => p.name in t.params));
  return parameterImportance(
    held.map((p) => ({
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
  if (info.pareto !== undefined) parts.push(`Pareto front: ${info.pareto.front.length} of ${info.pareto.points.length} complete trials`);
  else parts.push(p.best === undefined ? `no complete trial yet` : `best ${info.metric} ${formatNumber(p.best.value)} (trial ${p.best.number})`);
  return parts.join(" · ");
}

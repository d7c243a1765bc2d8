/**
 * A study's trials as data: the JSON export (name, direction, metric, best trial, every trial)
 * and a CSV table with one row per trial.
 */
import type { StudyJSON } from "./study-types";
import type { FrozenTrial, StudyDirection } from "./types";

/** The JSON export of a study from its parts. */
export function studyToJSON(
  studyName: string,
  direction: StudyDirection,
  metric: string,
  bestTrial: FrozenTrial | undefined,
  trials: readonly FrozenTrial[],
): StudyJSON {
  return { studyName, direction, metric, bestTrial: bestTrial?.number ?? null, trials };
}

/**
 * The trials as CSV, one row per trial: number, state, value (with `objectiveMetrics`, a study of
 * several objectives: one `values_<metric>` column per objective instead), `params_<name>` and
 * `metrics_<name>` columns (in order of first appearance, the names of `paramOrder` first in that
 * order: a conditional parameter that first appears in a later trial keeps its place in the space),
 * started_at, completed_at, duration_ms, error. Values are JSON (strings bare), quoted when they
 * hold `"`, `,` or a newline.
 */
export function trialsToCSV(trials: readonly FrozenTrial[], objectiveMetrics?: readonly string[], paramOrder: readonly string[] = []): string {
  const valueColumns = objectiveMetrics === undefined ? ["value"] : objectiveMetrics.map((m) => `values_${m}`);
  const valuesOf = (t: FrozenTrial): unknown[] => (objectiveMetrics === undefined ? [t.value] : objectiveMetrics.map((_, k) => t.values?.[k]));
  const appearing = new Set(trials.flatMap((t) => Object.keys(t.params)));
  const paramNames = firstAppearance([paramOrder.filter((name) => appearing.has(name)), ...trials.map((t) => Object.keys(t.params))]);
  const metricNames = firstAppearance(trials.map((t) => Object.keys(t.metrics)));
  const header = [
    "number",
    "state",
    ...valueColumns,
    ...paramNames.map((n) => `params_${n}`),
    ...metricNames.map((n) => `metrics_${n}`),
    "started_at",
    "completed_at",
    "duration_ms",
    "error",
  ];
  const rows = trials.map((t) => [
    t.number,
    t.state,
    ...valuesOf(t),
    ...paramNames.map((n) => t.params[n]),
    ...metricNames.map((n) => t.metrics[n]),
    t.startedAt,
    t.completedAt,
    t.startedAt !== undefined && t.completedAt !== undefined ? t.completedAt - t.startedAt : undefined,
    t.error,
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(",")).join("\n") + "\n";
}

function firstAppearance(lists: readonly (readonly string[])[]): string[] {
  const seen = new Set<string>();
  for (const list of lists) for (const name of list) seen.add(name);
  return [...seen];
}

function csvField(value: unknown): string {
  if (value === undefined) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

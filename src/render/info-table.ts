/** The trials table of the "info" step: its columns and rows, and the value and text of a cell. */
import type { FrozenTrial, ParamValue } from "../engine/types";
import { formatDuration, formatNumber, formatParamValue } from "./format";
import type { BestTrialInfo, ParameterInfo, TableColumn, TableInfo, TrialRow } from "./info-types";

/** How long `trial` ran (so far, when running at `now`). */
function durationOf(trial: FrozenTrial, now: number): number | undefined {
  if (trial.startedAt === undefined) return undefined;
  if (trial.completedAt !== undefined) return trial.completedAt - trial.startedAt;
  return trial.state === "running" ? now - trial.startedAt : undefined;
}

/**
 * The table: number, state, parameters, objective, other metrics, duration (and errors, when any).
 * `front` (several objectives) marks the Pareto front's rows as best instead of `best`.
 */
export function tableInfo(
  trials: readonly FrozenTrial[],
  parameters: readonly ParameterInfo[],
  metric: string,
  otherMetrics: readonly string[],
  best: BestTrialInfo | undefined,
  now: number,
  front?: ReadonlySet<number>,
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
      isBest: front !== undefined ? front.has(trial.number) : best !== undefined && best.number === trial.number,
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

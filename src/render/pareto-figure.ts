/**
 * The Pareto-front figure of a study of several objectives ({@link ParetoInfo} → Plotly): every
 * complete trial as a point, the front highlighted. Two objectives: a scatter plot with the front
 * joined by a line in the order of the first objective; three or more: a scatter
 * matrix (every pair of objectives) with the front in its own colour. Hover shows the trial number,
 * its objective values and its parameters; the picked trial (`study.pickTrial`) is a star.
 */
import { escapeHtml } from "../common/html";
import { baseLayout, emptyFigure, STATE_COLORS, type PlotlyTrace, type StudyFigure } from "./figure-types";
import { formatNumber, formatParamValue, roundSignificant as round } from "./format";
import type { ParetoInfo, ParetoPoint } from "./pareto-info";
import { alignedTable } from "./text";

/** Colour of the front's points and line. */
export const FRONT_COLOR = "#d62728";
/** Colour of the picked trial's star. */
export const PICKED_COLOR = "#d4a017";

/** "val_acc (higher is better)". */
function axisTitle(info: ParetoInfo, k: number): string {
  return `${info.metrics[k]} (${info.directions[k] === "maximize" ? "higher" : "lower"} is better)`;
}

/** The hover text of a point: trial number, objective values, parameters (HTML-escaped). */
function hoverText(info: ParetoInfo, point: ParetoPoint): string {
  const values = info.metrics.map((m, k) => `${escapeHtml(m)} ${formatNumber(point.values[k] as number)}`);
  const params = Object.entries(point.params).map(([name, v]) => `${escapeHtml(name)} = ${escapeHtml(formatParamValue(v))}`);
  return [`trial ${point.number}${point.onFront ? " (Pareto front)" : ""}`, ...values, ...params].join("<br>");
}

/**
 * The scatter traces of objectives `kx` against `ky`: dominated trials, the front (joined in the
 * order of objective `kx`) and the picked trial. Axis names `xaxis`/`yaxis` place them in a
 * composite figure (the live view).
 */
export function paretoTraces(info: ParetoInfo, kx = 0, ky = 1, axes: { readonly xaxis?: string; readonly yaxis?: string } = {}): PlotlyTrace[] {
  const trace = (points: readonly ParetoPoint[], extra: Record<string, unknown>): PlotlyTrace => ({
    type: "scatter",
    x: points.map((p) => round(p.values[kx] as number)),
    y: points.map((p) => round(p.values[ky] as number)),
    text: points.map((p) => hoverText(info, p)),
    hovertemplate: "%{text}<extra></extra>",
    ...axes,
    ...extra,
  });
  const dominated = info.points.filter((p) => !p.onFront);
  const front = info.points.filter((p) => p.onFront).sort((a, b) => (a.values[kx] as number) - (b.values[kx] as number) || a.number - b.number);
  const traces = [
    trace(dominated, { mode: "markers", name: "dominated trials", marker: { color: STATE_COLORS.complete, size: 8, opacity: 0.55 } }),
    trace(front, { mode: "lines+markers", name: `Pareto front (${front.length})`, marker: { color: FRONT_COLOR, size: 10 }, line: { color: FRONT_COLOR, width: 1.5 } }),
  ];
  const picked = info.points.find((p) => p.number === info.picked);
  if (picked !== undefined) {
    traces.push(trace([picked], { mode: "markers", name: `picked (trial ${picked.number})`, marker: { color: PICKED_COLOR, size: 16, symbol: "star", line: { color: "#333333", width: 1 } } }));
  }
  return traces;
}

/** The front as a text table: trial number and each objective. */
function frontText(info: ParetoInfo): string {
  const byNumber = new Map(info.points.map((p) => [p.number, p]));
  return `Pareto front: ${info.front.length} of ${info.points.length} complete trials\n${alignedTable(
    ["#", ...info.metrics],
    info.front.map((n) => [String(n), ...(byNumber.get(n)?.values ?? []).map((v) => formatNumber(v))]),
    ["right", ...info.metrics.map(() => "right" as const)],
  )}`;
}

/** The Pareto-front figure (see the module comment). */
export function paretoPlot(info: ParetoInfo | undefined): StudyFigure {
  const title = info === undefined ? "Pareto front" : `Pareto front (${info.metrics.join(" vs ")})`;
  if (info === undefined) {
    const note = "a study of one objective has no Pareto front (use --metric a,b)";
    return { name: "pareto", figure: emptyFigure(title, note), text: note };
  }
  if (info.points.length === 0) return { name: "pareto", figure: emptyFigure(title, "no complete trial yet"), text: "no complete trial yet" };
  if (info.metrics.length === 2) {
    return {
      name: "pareto",
      figure: {
        data: paretoTraces(info),
        layout: { ...baseLayout(title, 440), xaxis: { title: { text: axisTitle(info, 0) } }, yaxis: { title: { text: axisTitle(info, 1) } } },
      },
      text: frontText(info),
    };
  }
  const splom = (points: readonly ParetoPoint[], name: string, marker: Record<string, unknown>): PlotlyTrace => ({
    type: "splom",
    name,
    dimensions: info.metrics.map((m, k) => ({ label: m, values: points.map((p) => round(p.values[k] as number)) })),
    text: points.map((p) => hoverText(info, p)),
    hovertemplate: "%{text}<extra></extra>",
    diagonal: { visible: false },
    marker,
  });
  const data = [
    splom(info.points.filter((p) => !p.onFront), "dominated trials", { color: STATE_COLORS.complete, size: 6, opacity: 0.55 }),
    splom(info.points.filter((p) => p.onFront), `Pareto front (${info.front.length})`, { color: FRONT_COLOR, size: 8 }),
  ];
  const picked = info.points.find((p) => p.number === info.picked);
  if (picked !== undefined) data.push(splom([picked], `picked (trial ${picked.number})`, { color: PICKED_COLOR, size: 14, symbol: "star" }));
  return {
    name: "pareto",
    figure: { data, layout: { ...baseLayout(`${title}; ${info.directions.map((d, k) => `${info.metrics[k]} ${d === "maximize" ? "↑" : "↓"}`).join(", ")}`, 160 + 200 * info.metrics.length) } },
    text: frontText(info),
  };
}

/**
 * The figures of the parameters (see `figures.ts`): parallel coordinates of every searched
 * parameter against the objective, and the objective against each parameter (slices), with the
 * log-axis ticks they share.
 */

import { formatNumber, formatParamValue, roundSignificant as round } from "./format";
import {
  STATE_COLORS,
  baseLayout,
  emptyFigure,
  type PlotlyTrace,
  type StudyFigure,
} from "./figure-types";
import type { ParameterInfo, SliceInfo, StudyInfo } from "./info";
import { alignedTable, type TextAlign } from "./text";
import { escapeHtml } from "../common/html";

/** Tick values and labels for a log10 axis spanning [log10 low, log10 high]. */
export function logTicks(low: number, high: number): { tickvals: number[]; ticktext: string[] } {
  const from = Math.log10(low);
  const to = Math.log10(high);
  const powers: number[] = [];
  for (let k = Math.ceil(from - 1e-9); k <= Math.floor(to + 1e-9); k++) powers.push(k);
  const tickvals = powers.length >= 2 ? powers : [from, ...powers.filter((k) => k > from && k < to), to];
  return { tickvals: tickvals.map((v) => round(v)), ticktext: tickvals.map((v) => formatNumber(round(10 ** v, 3))) };
}

/**
 * Parallel coordinates of every plotted parameter and the objective, one line per complete trial
 * coloured by the objective. Log parameters are drawn as log10 values with labels in the
 * original units; categoricals as their choice index with the choices as tick labels.
 */
export function parallelCoordinates(info: StudyInfo): StudyFigure {
  const title = `parameters vs ${info.metric}`;
  const complete = info.table.rows.filter((r) => r.state === "complete" && r.value !== undefined);
  const parameters = info.parameters.filter((p) => p.scale !== "fixed");
  if (complete.length === 0 || parameters.length === 0) {
    const note = complete.length === 0 ? "no complete trials yet" : "no searched parameters";
    return { name: "parallel", figure: emptyFigure(title, note), text: note };
  }
  // An axis needs a value on every line: a parameter absent from some trials (conditional) is left
  // out of the figure (not drawn at zero); the text table shows it with blank cells.
  const held = parameters.filter((p) => complete.every((r) => p.name in r.params));
  const dimensions = held.map((p) => dimensionOf(p, complete.map((r) => r.params[p.name])));
  const values = complete.map((r) => round(r.value as number));
  dimensions.push({ label: info.metric, values });
  return {
    name: "parallel",
    figure: {
      data: [
        {
          type: "parcoords",
          dimensions,
          line: {
            color: values,
            colorscale: "Viridis",
            reversescale: info.direction === "minimize",
            showscale: true,
            colorbar: { title: { text: info.metric } },
          },
        },
      ],
      layout: { ...baseLayout(title, 420), margin: { l: 70, r: 70, t: 90, b: 40 } },
    },
    text: `${title}\n${alignedTable(
      ["#", ...parameters.map((p) => p.name), info.metric],
      complete.map((r) => [String(r.number), ...parameters.map((p) => formatParamValue(r.params[p.name])), formatNumber(r.value as number)]),
      ["right", ...parameters.map((p): TextAlign => (p.scale === "category" ? "left" : "right")), "right"],
    )}`,
  };
}

function dimensionOf(parameter: ParameterInfo, raw: readonly unknown[]): Record<string, unknown> {
  const label = parameter.scale === "log" ? `${parameter.name} (log)` : parameter.name;
  const distribution = parameter.distribution;
  if (parameter.scale === "category") {
    const categories = parameter.categories ?? [];
    const shown = raw.map((v) => (v === null ? "null" : typeof v === "number" ? formatNumber(v) : String(v)));
    return {
      label,
      values: shown.map((s) => categories.indexOf(s)),
      tickvals: categories.map((_, i) => i),
      ticktext: categories,
      range: categories.length > 1 ? [0, categories.length - 1] : [-0.5, 0.5],
    };
  }
  const numbers = raw.map((v) => (typeof v === "number" ? v : Number.NaN));
  const [low, high] =
    distribution.kind === "float" || distribution.kind === "int"
      ? [distribution.low, distribution.high]
      : [Math.min(...numbers), Math.max(...numbers)];
  if (parameter.scale === "log") {
    return {
      label,
      values: numbers.map((v) => round(Math.log10(v))),
      range: [round(Math.log10(low)), round(Math.log10(high))],
      ...logTicks(low, high),
    };
  }
  return { label, values: numbers.map((v) => round(v)), range: [round(low), round(high)] };
}

/** Panels per row of the slices figure. */
const SLICE_COLUMNS = 3;

/**
 * The objective against each searched parameter: one panel per parameter, in a grid of up to
 * three columns, sharing one colour scale (trial number) — complete trials coloured, pruned ones
 * as open diamonds. A panel's x axis is logarithmic for a log parameter and categorical (choices
 * in declared order) for a categorical. Parameters without points yet are left out; with none at
 * all the figure is a note.
 */
export function slicesPlot(info: StudyInfo): StudyFigure {
  const title = `${info.metric} vs each parameter`;
  const slices = info.slices.filter((slice) => slice.points.length > 0);
  if (slices.length === 0) return { name: "slices", figure: emptyFigure(title, "no trials with a value yet"), text: `${title}: no points` };
  const columns = Math.min(SLICE_COLUMNS, slices.length);
  const rows = Math.ceil(slices.length / columns);
  const lastNumber = Math.max(...slices.flatMap((slice) => slice.points.map((p) => p.number)));
  const data: PlotlyTrace[] = [];
  const layout: Record<string, unknown> = {
    ...baseLayout(title, 110 + 290 * rows),
    grid: { rows, columns, pattern: "independent", xgap: 0.16, ygap: 0.32 },
    legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02 + 0.04 / rows, yanchor: "bottom" },
  };
  let prunedShown = false;
  slices.forEach((slice, i) => {
    const suffix = i === 0 ? "" : String(i + 1);
    const { parameter, points } = slice;
    const complete = points.filter((p) => p.state === "complete");
    const pruned = points.filter((p) => p.state === "pruned");
    const x = (p: (typeof points)[number]) => (typeof p.x === "number" ? round(p.x) : p.x);
    const hover = `${escapeHtml(parameter.name)} %{x}<br>${escapeHtml(info.metric)} %{y}<br>trial %{customdata}`;
    data.push({
      type: "scatter",
      mode: "markers",
      name: "complete",
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
      showlegend: false,
      x: complete.map(x),
      y: complete.map((p) => round(p.value)),
      customdata: complete.map((p) => p.number),
      marker: {
        color: complete.map((p) => p.number),
        colorscale: "Blues",
        cmin: 0,
        cmax: Math.max(1, lastNumber),
        showscale: i === 0,
        colorbar: { title: { text: "trial" }, thickness: 12 },
        size: 8,
        line: { color: "#555555", width: 0.5 },
      },
      hovertemplate: `${hover}<extra>complete</extra>`,
    });
    if (pruned.length > 0) {
      data.push({
        type: "scatter",
        mode: "markers",
        name: "pruned",
        legendgroup: "pruned",
        showlegend: !prunedShown,
        xaxis: `x${suffix}`,
        yaxis: `y${suffix}`,
        x: pruned.map(x),
        y: pruned.map((p) => round(p.value)),
        customdata: pruned.map((p) => p.number),
        marker: { color: STATE_COLORS.pruned, size: 8, symbol: "diamond-open", line: { width: 2 } },
        hovertemplate: `${hover}<extra>pruned</extra>`,
      });
      prunedShown = true;
    }
    const categories = parameter.categories ?? [];
    const xaxis: Record<string, unknown> = { title: { text: parameter.name } };
    // Over at most two decades, whole labels between the powers of ten (20, 30 rather than 2, 3,
    // which read as other values); over more, a panel a third wide has room for the powers only.
    if (parameter.scale === "log") Object.assign(xaxis, { type: "log", minorloglabels: decades(parameter) <= 2 ? "complete" : "none" });
    if (parameter.scale === "category") Object.assign(xaxis, { type: "category", categoryorder: "array", categoryarray: categories });
    layout[`xaxis${suffix}`] = xaxis;
    layout[`yaxis${suffix}`] = i % columns === 0 ? { title: { text: info.metric } } : {};
  });
  layout["showlegend"] = prunedShown;
  return { name: "slices", figure: { data, layout }, text: slices.map((slice) => sliceText(info, slice)).join("\n\n") };
}

/** log10(high / low) of a numeric parameter's range (0 for other kinds). */
function decades(parameter: ParameterInfo): number {
  const dist = parameter.distribution;
  return (dist.kind === "float" || dist.kind === "int") && dist.low > 0 ? Math.log10(dist.high / dist.low) : 0;
}

/** One parameter's points as a text table, ordered by the parameter (categoricals in declared order). */
function sliceText(info: StudyInfo, slice: SliceInfo): string {
  const { parameter, points } = slice;
  const categories = parameter.categories ?? [];
  const order = (x: number | string) => (typeof x === "number" ? x : categories.indexOf(x));
  return `${info.metric} vs ${parameter.name} (${parameter.scale} axis)\n${alignedTable(
    [parameter.name, info.metric, "#", "state"],
    [...points]
      .sort((a, b) => order(a.x) - order(b.x))
      .map((p) => [typeof p.x === "number" ? formatNumber(p.x) : p.x, formatNumber(p.value), String(p.number), p.state]),
    [parameter.scale === "category" ? "left" : "right", "right", "right", "left"],
  )}`;
}

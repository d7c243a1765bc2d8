/**
 * The figure step: {@link StudyInfo} → Plotly figure JSON (`{data, layout}`), one builder per
 * figure. Numbers are rounded to 6 significant digits to keep figures small; nothing here knows
 * about MIME types or HTML. The parameter figures (parallel coordinates, slices) are in
 * `parameter-figures.ts`, the trials table in `table-figure.ts`; both are re-exported here.
 */

import type { TrialState } from "../engine/types";
import { formatNumber, roundSignificant as round } from "./format";
import {
  MARGIN,
  STATE_COLORS,
  baseLayout,
  directionWord,
  emptyFigure,
  type PlotlyTrace,
  type StudyFigure,
} from "./figure-types";
import type { LearningCurve, StudyInfo } from "./info";
import { alignedTable } from "./text";
import { escapeHtml } from "../common/html";

export {
  BEST_ROW_COLOR,
  STATE_COLORS,
  type PlotlyFigure,
  type PlotlyTrace,
  type SortKey,
  type StudyFigure,
  type TableControls,
} from "./figure-types";
export { trialsTable } from "./table-figure";
export { logTicks, parallelCoordinates, slicesPlot } from "./parameter-figures";

/**
 * Optimisation history: each trial's value by trial number and the best-so-far line; pruned
 * trials as open diamonds (their last reported value), failed trials as red crosses along the
 * bottom edge with the error in the tooltip.
 */
export function historyPlot(info: StudyInfo): StudyFigure {
  const title = `optimisation history (${info.metric}, ${directionWord(info)})`;
  const points = info.history;
  const withValue = points.filter((p) => p.value !== undefined && Number.isFinite(p.value));
  if (points.length === 0) return { name: "history", figure: emptyFigure(title, "no trials yet"), text: "no trials yet" };
  const values = withValue.map((p) => p.value as number);
  const floor = values.length === 0 ? 0 : Math.min(...values);
  const byState = (state: TrialState) => withValue.filter((p) => p.state === state);
  const complete = byState("complete");
  const pruned = byState("pruned");
  const failed = points.filter((p) => p.state === "failed");
  const best = points.filter((p) => p.bestSoFar !== undefined);
  const metric = escapeHtml(info.metric);
  const data: PlotlyTrace[] = [
    {
      type: "scatter",
      mode: "markers",
      name: "complete",
      x: complete.map((p) => p.number),
      y: complete.map((p) => round(p.value as number)),
      marker: { color: STATE_COLORS.complete, size: 8 },
      hovertemplate: `trial %{x}<br>${metric} %{y}<extra>complete</extra>`,
    },
    {
      type: "scatter",
      mode: "lines",
      name: "best so far",
      x: best.map((p) => p.number),
      y: best.map((p) => round(p.bestSoFar as number)),
      line: { color: "#d4a017", width: 2, shape: "hv" },
      hovertemplate: `after trial %{x}<br>best ${metric} %{y}<extra></extra>`,
    },
  ];
  if (info.best !== undefined) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: `best (trial ${info.best.number})`,
      x: [info.best.number],
      y: [round(info.best.value)],
      marker: { color: "#d4a017", size: 15, symbol: "star", line: { color: "#333333", width: 1 } },
      hovertemplate: `best: trial %{x}<br>${metric} %{y}<extra></extra>`,
    });
  }
  if (pruned.length > 0) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "pruned",
      x: pruned.map((p) => p.number),
      y: pruned.map((p) => round(p.value as number)),
      marker: { color: STATE_COLORS.pruned, size: 9, symbol: "diamond-open", line: { width: 2 } },
      hovertemplate: `trial %{x} (pruned)<br>last ${metric} %{y}<extra></extra>`,
    });
  }
  if (failed.length > 0) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "failed",
      x: failed.map((p) => p.number),
      y: failed.map(() => round(floor)),
      customdata: failed.map((p) => p.error ?? "failed"),
      marker: { color: STATE_COLORS.failed, size: 10, symbol: "x" },
      hovertemplate: "trial %{x} failed:<br>%{customdata}<extra></extra>",
    });
  }
  const text = alignedTable(
    ["#", "state", info.metric, "best so far"],
    points.map((p) => [
      String(p.number),
      p.state,
      p.value === undefined ? "" : formatNumber(p.value),
      p.bestSoFar === undefined ? "" : formatNumber(p.bestSoFar),
    ]),
    ["right", "left", "right", "right"],
  );
  return {
    name: "history",
    figure: {
      data,
      layout: {
        ...baseLayout(title, 400),
        xaxis: { title: { text: "trial" }, zeroline: false },
        yaxis: { title: { text: info.metric } },
      },
    },
    text,
  };
}

/**
 * The intermediate values (learning curves) of every trial that reported any. Pruned trials are
 * dashed and end in a cross; running trials are green.
 */
export function intermediatePlot(info: StudyInfo, curves: readonly LearningCurve[] = info.curves, title?: string): StudyFigure {
  const heading = title ?? "intermediate values";
  if (curves.length === 0) {
    return { name: "intermediate", figure: emptyFigure(heading, "no trial reported intermediate values"), text: "no intermediate values" };
  }
  const shownInLegend = new Set<TrialState>();
  const data = curves.map((curve): PlotlyTrace => {
    const first = !shownInLegend.has(curve.state);
    shownInLegend.add(curve.state);
    const pruned = curve.state === "pruned";
    const last = curve.values.length - 1;
    return {
      type: "scatter",
      mode: pruned ? "lines+markers" : "lines",
      name: curve.state,
      legendgroup: curve.state,
      showlegend: first,
      x: curve.steps.map((s) => round(s)),
      y: curve.values.map((v) => round(v)),
      line: { color: STATE_COLORS[curve.state], width: 1.5, dash: pruned ? "dash" : "solid" },
      opacity: curve.state === "complete" ? 0.6 : 0.9,
      ...(pruned
        ? { marker: { symbol: curve.values.map((_, i) => (i === last ? "x" : "circle")), size: curve.values.map((_, i) => (i === last ? 10 : 0)) } }
        : {}),
      hovertemplate: `trial ${curve.number} (${curve.state})<br>step %{x}<br>value %{y}<extra></extra>`,
    };
  });
  return {
    name: "intermediate",
    figure: {
      data,
      layout: {
        ...baseLayout(heading, 380),
        xaxis: stepAxis(curves),
        yaxis: { title: { text: info.metric } },
      },
    },
    text: `${heading}\n${alignedTable(
      ["#", "state", "steps", "first", "last"],
      curves.map((c) => [
        String(c.number),
        c.state,
        String(c.steps.length),
        formatNumber(c.values[0]),
        formatNumber(c.values[c.values.length - 1]),
      ]),
      ["right", "left", "right", "right", "right"],
    )}`,
  };
}

/** The x axis of learning curves: whole-number ticks when every step is a whole number. */
export function stepAxis(curves: readonly LearningCurve[]): Record<string, unknown> {
  const steps = curves.flatMap((c) => c.steps);
  const axis: Record<string, unknown> = { title: { text: "step" } };
  if (steps.every(Number.isInteger)) {
    const span = Math.max(...steps) - Math.min(...steps);
    axis.dtick = Math.max(1, Math.ceil(span / 10));
  }
  return axis;
}

/** A horizontal bar chart of parameter importance (first-order ε² shares; see `importance.ts`). */
export function importancePlot(info: StudyInfo): StudyFigure {
  const title = `parameter importance for ${info.metric}`;
  const entries = info.importance;
  if (entries.length === 0 || entries.every((e) => e.share === 0)) {
    const note = entries.length === 0 ? "no searched parameters" : "not enough complete trials to tell (or no parameter matters alone)";
    return { name: "importance", figure: emptyFigure(title, note), text: `${title}: ${note}` };
  }
  const shown = [...entries].reverse(); // Plotly draws the first bar at the bottom
  return {
    name: "importance",
    figure: {
      data: [
        {
          type: "bar",
          orientation: "h",
          x: shown.map((e) => round(e.share, 4)),
          y: shown.map((e) => e.name),
          text: shown.map((e) => `${(e.share * 100).toFixed(1)}%`),
          textposition: "auto",
          customdata: shown.map((e) => round(e.explainedVariance, 4)),
          marker: { color: STATE_COLORS.complete },
          hovertemplate: "%{y}: %{x:.1%} of explained variance<br>ε² = %{customdata}<extra></extra>",
        },
      ],
      layout: {
        ...baseLayout(title, Math.max(220, 90 + 36 * shown.length)),
        margin: { ...MARGIN, l: 120 },
        xaxis: { title: { text: "share of first-order explained variance (ε², objective ranks)" }, tickformat: ".0%", range: [0, 1] },
        yaxis: { automargin: true },
      },
    },
    text: alignedTable(
      ["parameter", "share", "ε²"],
      entries.map((e) => [e.name, `${(e.share * 100).toFixed(1)}%`, formatNumber(round(e.explainedVariance, 4))]),
      ["left", "right", "right"],
    ),
  };
}

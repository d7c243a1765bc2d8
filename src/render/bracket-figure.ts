/**
 * The Hyperband figure: every trial's intermediate values coloured by the bracket it ran in (the
 * learning curves' `bracket`, from the trial's user attribute "bracket"). Pruned trials are dashed
 * and end in a cross, as in the intermediate-values figure, so each bracket's rungs show where its
 * trials were stopped. Trials without a bracket are left out.
 */
import { formatNumber, roundSignificant as round } from "./format";
import { baseLayout, emptyFigure, type PlotlyTrace, type StudyFigure } from "./figure-types";
import { stepAxis } from "./figures";
import type { LearningCurve, StudyInfo } from "./info";
import { alignedTable } from "./text";

/** Bracket colours (Plotly's qualitative "D3" set without the state colours' blue and orange first). */
const BRACKET_COLORS = ["#9467bd", "#2ca02c", "#d62728", "#17becf", "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f", "#1f77b4", "#ff7f0e"];

/** The colour of bracket `id`. */
export function bracketColor(id: number): string {
  return BRACKET_COLORS[id % BRACKET_COLORS.length] as string;
}

/** Intermediate values per trial, coloured by Hyperband bracket, with a per-bracket text summary. */
export function bracketPlot(info: StudyInfo): StudyFigure {
  const title = `intermediate values by Hyperband bracket (${info.metric})`;
  const curves = info.curves.filter((c): c is LearningCurve & { bracket: number } => c.bracket !== undefined);
  if (curves.length === 0) {
    return { name: "brackets", figure: emptyFigure(title, "no trial ran in a Hyperband bracket"), text: "no Hyperband brackets" };
  }
  const brackets = [...new Set(curves.map((c) => c.bracket))].sort((a, b) => a - b);
  const inLegend = new Set<number>();
  const data = curves.map((curve): PlotlyTrace => {
    const first = !inLegend.has(curve.bracket);
    inLegend.add(curve.bracket);
    const pruned = curve.state === "pruned";
    const last = curve.values.length - 1;
    return {
      type: "scatter",
      mode: pruned ? "lines+markers" : "lines",
      name: `bracket ${curve.bracket}`,
      legendgroup: `bracket ${curve.bracket}`,
      showlegend: first,
      x: curve.steps.map((s) => round(s)),
      y: curve.values.map((v) => round(v)),
      line: { color: bracketColor(curve.bracket), width: 1.5, dash: pruned ? "dash" : "solid" },
      opacity: 0.8,
      ...(pruned
        ? { marker: { symbol: curve.values.map((_, i) => (i === last ? "x" : "circle")), size: curve.values.map((_, i) => (i === last ? 10 : 0)) } }
        : {}),
      hovertemplate: `trial ${curve.number} (${curve.state}, bracket ${curve.bracket})<br>step %{x}<br>value %{y}<extra></extra>`,
    };
  });
  const rows = brackets.map((bracket) => {
    const inBracket = curves.filter((c) => c.bracket === bracket);
    const count = (state: string) => String(inBracket.filter((c) => c.state === state).length);
    const lastSteps = inBracket.map((c) => c.steps[c.steps.length - 1] as number);
    return [String(bracket), String(inBracket.length), count("complete"), count("pruned"), formatNumber(Math.max(...lastSteps))];
  });
  return {
    name: "brackets",
    figure: {
      data,
      layout: {
        ...baseLayout(title, 400),
        xaxis: stepAxis(curves),
        yaxis: { title: { text: info.metric } },
        legend: { title: { text: "bracket" } },
      },
    },
    text: `${title}\n${alignedTable(["bracket", "trials", "complete", "pruned", "last step"], rows, ["right", "right", "right", "right", "right"])}`,
  };
}

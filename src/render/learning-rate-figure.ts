/**
 * The hypergradient figure: each trial's learning rate after every epoch (the learning curves'
 * `learningRates`, from the trial's user attribute "lr" that `%%tune` records when a parameter is
 * `hypergradient(...)`), on a log axis, with where it started and ended per trial as text.
 */
import { formatNumber, roundSignificant as round } from "./format";
import { baseLayout, emptyFigure, STATE_COLORS, type PlotlyTrace, type StudyFigure } from "./figure-types";
import type { LearningCurve, StudyInfo } from "./info";
import { alignedTable } from "./text";

/** Learning-rate trajectories per trial; trials without one are left out. */
export function learningRatePlot(info: StudyInfo): StudyFigure {
  const title = "learning rate per epoch (hypergradient descent)";
  const curves = info.curves.filter((c): c is LearningCurve & { learningRates: readonly number[] } => c.learningRates !== undefined && c.learningRates.length > 0);
  if (curves.length === 0) {
    return { name: "learning-rate", figure: emptyFigure(title, "no trial adapted its learning rate"), text: "no learning-rate trajectories" };
  }
  const data = curves.map(
    (curve): PlotlyTrace => ({
      type: "scatter",
      mode: "lines+markers",
      name: `trial ${curve.number}`,
      x: curve.learningRates.map((_, epoch) => epoch + 1),
      y: curve.learningRates.map((rate) => round(rate)),
      line: { color: STATE_COLORS[curve.state], width: 1.5 },
      marker: { size: 4 },
      opacity: 0.8,
      hovertemplate: `trial ${curve.number} (${curve.state})<br>epoch %{x}<br>lr %{y}<extra></extra>`,
    }),
  );
  const rows = curves.map((c) => [String(c.number), c.state, formatNumber(c.learningRates[0]!), formatNumber(c.learningRates[c.learningRates.length - 1]!)]);
  return {
    name: "learning-rate",
    figure: {
      data,
      layout: {
        ...baseLayout(title, 380),
        xaxis: { title: { text: "epoch" } },
        yaxis: { title: { text: "learning rate" }, type: "log" },
        showlegend: curves.length <= 12,
      },
    },
    text: `${title}\n${alignedTable(["trial", "state", "after epoch 1", "last"], rows, ["right", "left", "right", "right"])}`,
  };
}

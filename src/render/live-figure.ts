/**
 * The live view's figure: the trials table under the progress line, and the running trial's
 * learning curve, or with several objectives the Pareto front so far.
 */

import { stepAxis, intermediatePlot } from "./figures";
import type { StudyFigure } from "./figure-types";
import { progressLine, type StudyInfo } from "./info";
import { trialsTable } from "./table-figure";
import { progressText } from "./text";
import { paretoTraces } from "./pareto-figure";
import type { ParetoInfo } from "./pareto-info";

/**
 * The live view: the progress line as the title, the trials table and, when a trial is running
 * and reports intermediate values, its learning curve under the table. A study of several
 * objectives shows its Pareto front under the table instead (the first two objectives).
 */
export function liveFigure(info: StudyInfo): StudyFigure {
  const table = trialsTable(info, progressLine(info));
  if (info.pareto !== undefined && info.pareto.points.length > 0) return withParetoPanel(info, info.pareto, table);
  const running = info.curves.filter((c) => c.state === "running");
  if (running.length === 0) return { ...table, name: "live", text: progressText(info) };
  const curves = intermediatePlot(info, running, "running trial");
  const tableTrace = { ...table.figure.data[0], domain: { x: [0, 1], y: [0.42, 1] } };
  const tableHeight = table.figure.layout.height as number;
  return {
    ...table,
    name: "live",
    text: progressText(info),
    figure: {
      data: [tableTrace, ...curves.figure.data],
      layout: {
        ...table.figure.layout,
        height: tableHeight + 260,
        xaxis: { ...stepAxis(running), domain: [0.05, 0.98] },
        yaxis: { title: { text: info.metric }, domain: [0, 0.32] },
        annotations: [
          {
            text: `learning curve of running trial ${running.map((c) => c.number).join(", ")}`,
            showarrow: false,
            xref: "paper",
            yref: "paper",
            x: 0.05,
            xanchor: "left",
            y: 0.36,
            font: { size: 13 },
          },
        ],
        showlegend: false,
        margin: { l: 50, r: 10, t: 40, b: 40 },
      },
    },
  };
}

/** The table above, the Pareto front (objectives 1 and 2) below. */
function withParetoPanel(info: StudyInfo, pareto: ParetoInfo, table: StudyFigure): StudyFigure {
  const tableTrace = { ...table.figure.data[0], domain: { x: [0, 1], y: [0.5, 1] } };
  const tableHeight = table.figure.layout.height as number;
  const more = pareto.metrics.length > 2 ? ` (first two of ${pareto.metrics.length} objectives)` : "";
  return {
    ...table,
    name: "live",
    text: progressText(info),
    figure: {
      data: [tableTrace, ...paretoTraces(pareto)],
      layout: {
        ...table.figure.layout,
        height: tableHeight + 380,
        xaxis: { title: { text: pareto.metrics[0] }, domain: [0.08, 0.98] },
        yaxis: { title: { text: pareto.metrics[1] }, domain: [0, 0.4] },
        annotations: [
          { text: `Pareto front so far${more}`, showarrow: false, xref: "paper", yref: "paper", x: 0.08, xanchor: "left", y: 0.45, font: { size: 13 } },
        ],
        showlegend: false,
        margin: { l: 60, r: 10, t: 40, b: 50 },
      },
    },
  };
}

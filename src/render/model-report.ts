/**
 * The best-model report as Plotly figures (offline like the others): for a classifier the
 * confusion matrix as two heatmaps (counts, and each true class's row normalised), ROC and
 * precision-recall curves, and a per-class precision / recall / F1 table; for a regressor the
 * predicted values against the true ones and the residuals against the predictions.
 */
import type { ClassifierReport, ModelReportData, RegressorReport } from "../metrics/report-data";
import { baseLayout, type PlotlyTrace, type StudyFigure } from "./figure-types";
import { formatNumber } from "./format";
import { alignedTable } from "./text";

/** The report's figures, each named "confusion", "roc", "precision-recall", "per-class", "predicted", "residuals". */
export function modelReportFigures(report: ModelReportData, title: string): StudyFigure[] {
  return report.kind === "classifier" ? classifierFigures(report, title) : regressorFigures(report, title);
}

function classifierFigures(report: ClassifierReport, title: string): StudyFigure[] {
  const k = report.confusion.length;
  // The user's class names when given (--class-names), else the class indices.
  const names = Array.from({ length: k }, (_, c) => report.classNames?.[c] ?? String(c));
  const curveName = (label: number): string => (report.classNames === undefined ? `class ${label}` : names[label]!);
  const heatmap = (z: number[][], xaxis: string, yaxis: string, text: (v: number) => string): PlotlyTrace => ({
    type: "heatmap",
    z,
    x: names,
    y: names,
    xaxis,
    yaxis,
    text: z.map((row) => row.map(text)),
    texttemplate: "%{text}",
    colorscale: "Blues",
    showscale: false,
    hovertemplate: "true %{y}, predicted %{x}: %{text}<extra></extra>",
  });
  const confusion: StudyFigure = {
    name: "confusion",
    figure: {
      data: [heatmap(report.confusion, "x", "y", (v) => String(v)), heatmap(report.normalised, "x2", "y2", (v) => formatNumber(v))],
      layout: {
        ...baseLayout(`${title}: confusion matrix (counts | each true class normalised)`, 380),
        xaxis: { domain: [0, 0.45], title: { text: "predicted" }, type: "category" },
        yaxis: { title: { text: "true" }, type: "category", autorange: "reversed" },
        xaxis2: { domain: [0.55, 1], title: { text: "predicted" }, type: "category" },
        yaxis2: { anchor: "x2", type: "category", autorange: "reversed" },
      },
    },
    text: alignedTable(["true \\ predicted", ...names], report.confusion.map((row, c) => [names[c]!, ...row.map(String)]), ["left", ...names.map(() => "right" as const)]),
  };
  const drawn = report.curves.filter((c) => c.roc !== undefined);
  const roc: StudyFigure = {
    name: "roc",
    figure: {
      data: [
        ...drawn.map((c) => ({ type: "scatter", mode: "lines", name: `${curveName(c.label)} (AUC ${formatNumber(c.auc!)})`, x: c.roc!.falsePositiveRate, y: c.roc!.truePositiveRate })),
        { type: "scatter", mode: "lines", name: "chance", x: [0, 1], y: [0, 1], line: { dash: "dot", color: "#999" } },
      ],
      layout: { ...baseLayout(`${title}: ROC curve`, 380), xaxis: { title: { text: "false-positive rate" }, range: [0, 1] }, yaxis: { title: { text: "true-positive rate" }, range: [0, 1.02] } },
    },
    text: drawn.map((c) => `${curveName(c.label)}: ROC AUC ${formatNumber(c.auc!)}`).join("\n"),
  };
  const precisionRecall: StudyFigure = {
    name: "precision-recall",
    figure: {
      data: drawn.map((c) => ({ type: "scatter", mode: "lines", line: { shape: "hv" }, name: curveName(c.label), x: c.precisionRecall!.recall, y: c.precisionRecall!.precision })),
      layout: { ...baseLayout(`${title}: precision-recall curve`, 380), xaxis: { title: { text: "recall" }, range: [0, 1] }, yaxis: { title: { text: "precision" }, range: [0, 1.02] } },
    },
    text: drawn.map((c) => `${curveName(c.label)}: ${c.precisionRecall!.thresholds.length} thresholds`).join("\n"),
  };
  const header = ["class", "precision", "recall", "F1", "rows"];
  const cells = report.perClass.map((s, c) => [names[c]!, formatNumber(s.precision), formatNumber(s.recall), formatNumber(s.f1), String(s.support)]);
  const perClass: StudyFigure = {
    name: "per-class",
    figure: {
      data: [{ type: "table", header: { values: header }, cells: { values: header.map((_, j) => cells.map((row) => row[j])) } }],
      layout: { ...baseLayout(`${title}: per class`, 120 + 28 * k) },
    },
    text: alignedTable(header, cells, ["left", "right", "right", "right", "right"]),
  };
  return [confusion, roc, precisionRecall, perClass];
}

function regressorFigures(report: RegressorReport, title: string): StudyFigure[] {
  const low = Math.min(...report.truth, ...report.predicted);
  const high = Math.max(...report.truth, ...report.predicted);
  const predicted: StudyFigure = {
    name: "predicted",
    figure: {
      data: [
        { type: "scatter", mode: "markers", name: "rows", x: report.truth, y: report.predicted },
        { type: "scatter", mode: "lines", name: "predicted = true", x: [low, high], y: [low, high], line: { dash: "dot", color: "#999" } },
      ],
      layout: { ...baseLayout(`${title}: predicted against true`, 380), xaxis: { title: { text: "true" } }, yaxis: { title: { text: "predicted" } } },
    },
    text: `${report.rows} rows, predicted against true`,
  };
  const residuals: StudyFigure = {
    name: "residuals",
    figure: {
      data: [{ type: "scatter", mode: "markers", name: "residual", x: report.predicted, y: report.residuals }],
      layout: { ...baseLayout(`${title}: residuals (true − predicted)`, 380), xaxis: { title: { text: "predicted" } }, yaxis: { title: { text: "true − predicted" }, zeroline: true } },
    },
    text: `${report.rows} residuals`,
  };
  return [predicted, residuals];
}

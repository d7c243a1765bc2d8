/**
 * Study rendering, pure from end to end: study data → plain info (`info.ts`) → Plotly figures
 * (`figures.ts`) → MIME bundles (`bundle.ts`), plus a throttled live view (`live.ts`).
 *
 * ```ts
 * const embedding = new PlotlyEmbedding();           // one per kernel session
 * for (const bundle of renderStudy(study, { embedding })) context.display(bundle);
 * ```
 */

import type { MimeBundle } from "../magic/types";
import { figureBundle, type PlotlyEmbedding } from "./bundle";
import {
  historyPlot,
  importancePlot,
  intermediatePlot,
  parallelCoordinates,
  slicesPlot,
  trialsTable,
  type StudyFigure,
} from "./figures";
import { bracketPlot } from "./bracket-figure";
import { pbtPlot } from "./pbt-figure";
import { learningRatePlot } from "./learning-rate-figure";
import { studyInfo, type StudyData, type StudyInfo } from "./info";
import { MIN_TRIALS_FOR_IMPORTANCE } from "./importance";
import { paretoPlot } from "./pareto-figure";

export * from "./bracket-figure";
export * from "./learning-rate-figure";
export * from "./bundle";
export * from "./figures";
export * from "./format";
export * from "./importance";
export * from "./info";
export * from "./live";
export * from "./live-figure";
export * from "./pareto-figure";
export * from "./pareto-info";
export * from "./pbt-figure";
export * from "./pbt-info";
export * from "./plotly-library";
export * from "./text";

/** The figures {@link renderStudy} can draw. */
export type FigureKind = "trials" | "pareto" | "history" | "parallel" | "slices" | "intermediate" | "brackets" | "learning-rate" | "pbt" | "importance";

/** Options of {@link renderStudy}. */
export interface RenderOptions {
  /** The session's embedding state (the library goes into the first HTML output only). */
  readonly embedding: PlotlyEmbedding;
  /** Which figures (default: all that have something to show). */
  readonly figures?: readonly FigureKind[];
  /** The current time (default `Date.now()`), for durations of running trials and elapsed time. */
  readonly now?: number;
  /** Extra Plotly config for every figure. */
  readonly config?: Readonly<Record<string, unknown>>;
}

/** Every figure kind, in the order they are shown. */
export const ALL_FIGURES: readonly FigureKind[] = ["trials", "pareto", "history", "parallel", "slices", "intermediate", "brackets", "learning-rate", "pbt", "importance"];

/**
 * The figures of a study. Without `kinds`, figures with nothing to show are left out (the table
 * is always there); with `kinds`, each requested figure is drawn, with a note when empty. With
 * several objectives, history, slices and importance are drawn once per objective.
 */
export function studyFigures(info: StudyInfo, kinds?: readonly FigureKind[]): StudyFigure[] {
  const requested = kinds ?? ALL_FIGURES;
  for (const kind of requested) {
    if (!ALL_FIGURES.includes(kind)) {
      throw new Error(`unknown figure ${JSON.stringify(kind)}; expected one of ${ALL_FIGURES.join(", ")}`);
    }
  }
  const explicit = kinds !== undefined;
  const complete = info.table.rows.filter((r) => r.state === "complete").length;
  const figures: StudyFigure[] = [];
  // Several objectives: one history, slices and importance figure per objective.
  const views = info.objectiveViews ?? [info];
  for (const kind of requested) {
    switch (kind) {
      case "trials":
        figures.push(trialsTable(info));
        break;
      case "pareto":
        if (explicit || (info.pareto !== undefined && info.pareto.points.length > 0)) figures.push(paretoPlot(info.pareto));
        break;
      case "history":
        if (explicit || info.history.length > 0) figures.push(...views.map((view) => historyPlot({ ...info, ...view })));
        break;
      case "parallel":
        if (explicit || (complete > 0 && info.slices.length > 0)) figures.push(parallelCoordinates(info));
        break;
      case "slices":
        if (explicit || info.slices.some((slice) => slice.points.length > 0)) figures.push(...views.map((view) => slicesPlot({ ...info, ...view })));
        break;
      case "intermediate":
        if (explicit || info.curves.length > 0) figures.push(intermediatePlot(info));
        break;
      case "brackets":
        if (explicit || info.curves.some((curve) => curve.bracket !== undefined)) figures.push(bracketPlot(info));
        break;
      case "learning-rate":
        if (explicit || info.curves.some((curve) => curve.learningRates !== undefined)) figures.push(learningRatePlot(info));
        break;
      case "pbt":
        if (explicit || info.population.members.length > 0) figures.push(pbtPlot(info));
        break;
      case "importance":
        if (explicit || (complete >= MIN_TRIALS_FOR_IMPORTANCE && info.slices.length > 1)) figures.push(...views.map((view) => importancePlot({ ...info, ...view })));
        break;
    }
  }
  return figures;
}

/** Renders a study's figures as MIME bundles, ready for `display_data`. */
export function renderStudy(study: StudyData, options: RenderOptions): MimeBundle[] {
  const info = studyInfo(study, options.now ?? Date.now());
  return studyFigures(info, options.figures).map((figure) =>
    figureBundle(figure, { embedding: options.embedding, ...(options.config === undefined ? {} : { config: options.config }) }),
  );
}
export * from "./model-report";

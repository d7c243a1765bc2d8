/**
 * What notebooks get from `import { ... } from "tunelab"` besides display: data helpers for the
 * tutorial data sets, the tuning engine's public API for plain TypeScript use, and `plot` for
 * Plotly figures of one's own (sharing the session's one embedded copy of plotly.js).
 */
import type { MimeBundle } from "../magic/types";
import { figureBundle, type PlotlyFigure } from "../render";
import { sessionEmbedding } from "./session";

export { loadTable, parseTable } from "../tfjs/csv";
export type { Table, TableOptions } from "../tfjs/csv";
export { fitStandardizer, kFold, oneHot, standardize, trainTestSplit, trainValidationTestSplit } from "../tfjs/data";
export type { Split, SplitOptions, Standardizer, ThreeWaySplit, ThreeWaySplitOptions } from "../tfjs/data";
export { trialInitializers } from "../tfjs/initializers";
export { adamHD, sgdHD, hypergradientVersionOf, isHypergradientOptimizer } from "../tfjs/hypergradient";
export type { AdamHDOptions, HypergradientOptimizer, HypergradientOptions, HypergradientRule } from "../tfjs/hypergradient";
export { loadTensorFlow } from "../tfjs/backend";
export {
  CmaEsSampler,
  createStudy,
  GPSampler,
  GridSampler,
  HyperbandPruner,
  JournalStorage,
  MedianPruner,
  NSGA2Sampler,
  RandomSampler,
  Study,
  SuccessiveHalvingPruner,
  TPESampler,
  Trial,
  TrialPruned,
} from "../engine";
export type { FrozenTrial, Params, SearchSpace, StudyDirection, TrialState } from "../engine";
export { NotebookStudy } from "../magic/tune/notebook-study";
export { narrow } from "../magic/tune/coarse-to-fine";
export type { NarrowedSpace } from "../magic/tune/coarse-to-fine";

/** A Plotly figure as `plot` takes it: traces, and optionally a layout and config. */
export interface PlotInput {
  readonly data: readonly Readonly<Record<string, unknown>>[];
  readonly layout?: Readonly<Record<string, unknown>>;
  readonly config?: Readonly<Record<string, unknown>>;
}

/**
 * A Plotly figure that displays itself (as a cell's last expression, or with `display(...)`):
 * interactive in JupyterLab, VS Code, the classic Notebook and nbconvert's HTML export, offline.
 */
export function plot(figure: PlotInput): { [key: symbol]: () => MimeBundle } {
  const title = (figure.layout?.["title"] as { text?: string } | string | undefined) ?? "";
  const text = typeof title === "string" ? title : (title.text ?? "");
  const plotly: PlotlyFigure = { data: figure.data, layout: { ...figure.layout } };
  let bundle: MimeBundle | undefined;
  return {
    [Symbol.for("Jupyter.display")]: () =>
      (bundle ??= figureBundle(
        { name: "plot", figure: plotly, text: `Plotly figure${text === "" ? "" : `: ${text}`} (${figure.data.length} traces)` },
        { embedding: sessionEmbedding, ...(figure.config === undefined ? {} : { config: figure.config }) },
      )),
  };
}

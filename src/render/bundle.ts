/**
 * The bundle step: a {@link StudyFigure} → a Jupyter MIME bundle with
 * - `application/vnd.plotly.v1+json`: `{data, layout, config}` (JupyterLab's and VS Code's Plotly renderers);
 * - `text/html`: a `<div>` and a script that draws it with plotly.js (classic Notebook, nbconvert
 *   HTML export, JupyterLab without the Plotly renderer), working offline: the first HTML output of
 *   a kernel session carries the library itself, later ones wait for `window.Plotly`;
 * - `text/plain`: an aligned text table or a one-line summary (consoles).
 *
 * Whether the library was already sent is an explicit {@link PlotlyEmbedding} that the caller
 * holds (one per kernel session), not a module global.
 */

import { randomUUID } from "node:crypto";
import type { MimeBundle } from "../magic/types";
import { DRAW_SCRIPT, TABLE_SCRIPT } from "./browser-script";
import type { StudyFigure } from "./figures";
import { loadPlotlyLibrary, type PlotlyLibrary } from "./plotly-library";
import { escapeHtml } from "../common/html";

/** The MIME type of Plotly figure JSON. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** The Plotly `config` every figure gets. */
export const DEFAULT_CONFIG: Readonly<Record<string, unknown>> = {
  responsive: true,
  displaylogo: false,
  modeBarButtonsToRemove: ["lasso2d", "select2d"],
};

/**
 * Remembers whether plotly.js has been embedded in this notebook page. Hold one per kernel
 * session; call {@link PlotlyEmbedding.reset} to embed the library again (e.g. after the output
 * that carried it was cleared).
 */
export class PlotlyEmbedding {
  private embedded = false;

  /** @param library where the library's source comes from (read lazily, on first embedding) */
  constructor(private readonly library: () => PlotlyLibrary = () => loadPlotlyLibrary()) {}

  /** Whether an earlier HTML output already carried the library. */
  get isEmbedded(): boolean {
    return this.embedded;
  }

  /** Forgets the embedding: the next HTML output carries the library again. */
  reset(): void {
    this.embedded = false;
  }

  /**
   * A `<script>` that defines `window.Plotly` when the library has not been embedded yet (and
   * marks it embedded), otherwise "".
   */
  takeLibraryScript(): string {
    if (this.embedded) return "";
    const { source, version } = this.library();
    this.embedded = true;
    return `<script type="text/javascript">/* plotly.js ${version} (MIT), embedded by tunelab */\n${escapeScript(source)}\n</script>`;
  }
}

/** Options of {@link figureBundle}. */
export interface BundleOptions {
  /** The session's embedding state; the library goes into this bundle if not yet embedded. */
  readonly embedding: PlotlyEmbedding;
  /** Extra Plotly config, merged over {@link DEFAULT_CONFIG}. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** The HTML element id (default: a random one, unique across sessions). */
  readonly elementId?: string;
  /** Leave the library out even when not yet embedded (used when it goes in a separate output). */
  readonly withoutLibrary?: boolean;
}

/** Turns one figure into a MIME bundle (see the module comment). */
export function figureBundle(figure: StudyFigure, options: BundleOptions): MimeBundle {
  const config = { ...DEFAULT_CONFIG, ...options.config };
  const plotly = { data: figure.figure.data, layout: figure.figure.layout, config };
  const id = options.elementId ?? `tunelab-${randomUUID()}`;
  const library = options.withoutLibrary === true ? "" : options.embedding.takeLibraryScript();
  return {
    [PLOTLY_MIME]: plotly,
    "text/html": `${library}${figureHtml(id, plotly, figure)}`,
    "text/plain": figure.text,
  };
}

/**
 * A bundle that only carries the library (empty text): for a view that updates in place, whose
 * later states must not each carry 5 MB. `undefined` when the library is already embedded.
 */
export function libraryBundle(embedding: PlotlyEmbedding): MimeBundle | undefined {
  const script = embedding.takeLibraryScript();
  return script === "" ? undefined : { "text/html": script, "text/plain": "" };
}

function figureHtml(id: string, plotly: Readonly<Record<string, unknown>>, figure: StudyFigure): string {
  const height = typeof figure.figure.layout.height === "number" ? figure.figure.layout.height : 450;
  const controls = figure.table === undefined ? "" : tableControlsHtml(id, figure);
  const script =
    `(function () {\nvar id = ${scriptJson(id)};\nvar fig = ${scriptJson(plotly)};\n` +
    `var table = ${scriptJson(figure.table ?? null)};\n${DRAW_SCRIPT}\n${figure.table === undefined ? "" : TABLE_SCRIPT}\n})();`;
  return (
    `<div class="tunelab-output">${controls}` +
    `<div id="${id}" class="tunelab-figure" style="width:100%;min-height:${height}px"></div></div>\n` +
    `<script type="text/javascript">\n${escapeScript(script)}\n</script>`
  );
}

function tableControlsHtml(id: string, figure: StudyFigure): string {
  const table = figure.table;
  if (table === undefined) return "";
  const states = table.stateColumn < 0 ? [] : [...new Set(table.sortKeys[table.stateColumn])].filter((s): s is string => typeof s === "string");
  const options = states.map((s) => `<option value="${escapeHtml(s)}">${escapeHtml(s)}</option>`).join("");
  return (
    `<style>#${id} g.column-block#header { cursor: pointer !important; }</style>` +
    `<div style="font:12px sans-serif;margin:2px 0 0 10px">` +
    `<label>state: <select id="${id}-filter"><option value="">all</option>${options}</select></label>` +
    ` <span style="color:#666">· click a column header to sort</span></div>`
  );
}

/** JSON safe inside a `<script>` element (no `</script>`, no `<!--`, no line separators). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Keeps arbitrary JavaScript from closing its `<script>` element early. */
function escapeScript(source: string): string {
  return source.replace(/<\/(script)/gi, "<\\/$1");
}



/**
 * A self-contained HTML page of an executed notebook (no nbconvert): markdown cells rendered with
 * `marked`, code cells with their escaped source and their outputs, each output shown in its
 * preferred MIME type. HTML outputs are inserted as they are, so the Plotly figures of `%%tune`
 * draw offline with the plotly.js they embed; if figures are present but no output carries the
 * library (for example the output that did was cleared), the page embeds it once in its head.
 */
import { stripVTControlCharacters } from "node:util";
import { marked } from "marked";
import { loadPlotlyLibrary } from "../render/plotly-library";
import { PLOTLY_MIME } from "../render/bundle";
import { joinText, type Cell, type MimeBundle, type Notebook, type Output } from "./notebook";
import { escapeHtml } from "../common/html";

/** MIME types shown, best first. */
export const MIME_PREFERENCE = ["text/html", "image/png", "image/jpeg", "image/svg+xml", "text/markdown", "text/latex", "application/json", "text/plain"] as const;

/** The comment the kernel's Plotly HTML puts before the embedded library (see src/render/bundle.ts). */
const EMBEDDED_LIBRARY_MARK = "embedded by tunelab";

/** Options of {@link notebookToHtml}. */
export interface HtmlOptions {
  /** The page title (default: the notebook's first heading, else "Notebook"). */
  readonly title?: string;
}

/** Renders `notebook` as one HTML document that needs no network. */
export function notebookToHtml(notebook: Notebook, options: HtmlOptions = {}): string {
  const body = notebook.cells.map(renderCell).join("\n");
  const title = options.title ?? firstHeading(notebook) ?? "Notebook";
  const library = needsPlotlyLibrary(notebook) ? libraryScript() : "";
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="tunelab run">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    library,
    "</head>",
    "<body>",
    '<main class="notebook">',
    body,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

function renderCell(cell: Cell): string {
  const source = joinText(cell.source);
  if (cell.cell_type === "markdown") return `<section class="cell markdown">${renderMarkdown(source)}</section>`;
  if (cell.cell_type !== "code") {
    const format = cell.metadata["format"] ?? cell.metadata["raw_mimetype"];
    return format === "text/html" ? `<section class="cell raw">${source}</section>` : "";
  }
  const count = cell.execution_count === null ? " " : String(cell.execution_count);
  const outputs = cell.outputs.map(renderOutput).join("\n");
  return [
    '<section class="cell code">',
    `<div class="input"><div class="prompt">In [${count}]:</div><pre class="source"><code>${escapeHtml(source)}</code></pre></div>`,
    outputs === "" ? "" : `<div class="outputs">${outputs}</div>`,
    "</section>",
  ].join("\n");
}

/** One output in its preferred representation. */
export function renderOutput(output: Output): string {
  switch (output.output_type) {
    case "stream":
      return `<pre class="output stream ${output.name}">${escapeHtml(stripVTControlCharacters(joinText(output.text)))}</pre>`;
    case "error": {
      const text = output.traceback.length > 0 ? output.traceback.join("\n") : `${output.ename}: ${output.evalue}`;
      return `<pre class="output error">${escapeHtml(stripVTControlCharacters(text))}</pre>`;
    }
    case "display_data":
    case "execute_result": {
      const prompt = output.output_type === "execute_result" && output.execution_count !== null ? `<div class="prompt">Out[${output.execution_count}]:</div>` : "";
      return `<div class="output ${output.output_type}">${prompt}${renderBundle(output.data)}</div>`;
    }
  }
}

function renderBundle(data: MimeBundle): string {
  const mime = MIME_PREFERENCE.find((type) => data[type] !== undefined);
  if (mime === undefined) return "";
  const value = data[mime];
  const text = typeof value === "string" || Array.isArray(value) ? joinText(value as string | string[]) : JSON.stringify(value, null, 2);
  switch (mime) {
    case "text/html":
    case "image/svg+xml":
      return `<div class="rendered">${text}</div>`;
    case "image/png":
    case "image/jpeg":
      return `<img alt="" src="data:${mime};base64,${text.replace(/\s/g, "")}">`;
    case "text/markdown":
      return `<div class="rendered">${renderMarkdown(text)}</div>`;
    case "text/latex":
    case "application/json":
    case "text/plain":
      return `<pre>${escapeHtml(stripVTControlCharacters(text))}</pre>`;
  }
}

function renderMarkdown(source: string): string {
  return marked.parse(source, { async: false, gfm: true });
}

/** Whether some output has a Plotly figure but no output embeds plotly.js. */
function needsPlotlyLibrary(notebook: Notebook): boolean {
  let figures = false;
  for (const cell of notebook.cells) {
    if (cell.cell_type !== "code") continue;
    for (const output of cell.outputs) {
      if (output.output_type !== "display_data" && output.output_type !== "execute_result") continue;
      // The library may travel in an output of its own (the live view's), without a figure.
      const html = output.data["text/html"];
      if (html !== undefined && joinText(html as string | string[]).includes(EMBEDDED_LIBRARY_MARK)) return false;
      if (output.data[PLOTLY_MIME] !== undefined) figures = true;
    }
  }
  return figures;
}

function libraryScript(): string {
  const { source, version } = loadPlotlyLibrary();
  return `<script>/* plotly.js ${version} (MIT), embedded by tunelab run */\n${source.replace(/<\/(script)/gi, "<\\/$1")}\n</script>`;
}

function firstHeading(notebook: Notebook): string | undefined {
  for (const cell of notebook.cells) {
    if (cell.cell_type !== "markdown") continue;
    const match = /^#{1,6}\s+(.+)$/m.exec(joinText(cell.source));
    if (match !== null) return match[1]!.trim();
  }
  return undefined;
}



const STYLE = `
body { margin: 0; background: #fff; color: #1f2328; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main.notebook { max-width: 1100px; margin: 0 auto; padding: 24px; }
.cell { margin: 12px 0; }
.cell.code .input { display: flex; gap: 8px; }
.prompt { flex: none; width: 72px; color: #57606a; font: 12px/1.9 ui-monospace, monospace; text-align: right; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre.source { flex: 1; background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; padding: 8px; }
.outputs { margin: 4px 0 0 80px; }
.output { margin: 4px 0; overflow-x: auto; }
.output.execute_result { display: flex; gap: 8px; }
.output.execute_result .prompt { margin-left: -80px; color: #bc4c00; }
pre.stream.stderr { background: #fff5f5; }
pre.error { background: #ffebe9; color: #82071e; padding: 6px; border-radius: 4px; }
.output img { max-width: 100%; }
.rendered table { border-collapse: collapse; }
.rendered th, .rendered td { border: 1px solid #d0d7de; padding: 2px 8px; }
`;

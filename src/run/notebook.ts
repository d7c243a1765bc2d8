/**
 * nbformat 4 documents: the types `tunelab run` reads and writes, reading with clear errors, and
 * writing in the layout Jupyter uses (one-space indent, multi-line strings as lists of lines).
 * Spec: https://nbformat.readthedocs.io/en/latest/format_description.html
 */
import { readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { describeKind } from "../common/describe";

/** A string, or the list of its lines (each but the last ending in "\n"), as nbformat stores text. */
export type MultilineString = string | string[];

/** A MIME bundle: MIME type → data (text as a multi-line string, JSON types as JSON). */
export type MimeBundle = Record<string, unknown>;

/** `stream` output. */
export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: MultilineString;
}

/** `display_data` output. */
export interface DisplayDataOutput {
  output_type: "display_data";
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

/** `execute_result` output. */
export interface ExecuteResultOutput {
  output_type: "execute_result";
  execution_count: number | null;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

/** `error` output. */
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}

/** One output of a code cell. */
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

/** Cell metadata; `tags` is the field `tunelab run` reads. */
export interface CellMetadata {
  tags?: string[];
  [key: string]: unknown;
}

/** A code cell. */
export interface CodeCell {
  cell_type: "code";
  id?: string;
  metadata: CellMetadata;
  source: MultilineString;
  execution_count: number | null;
  outputs: Output[];
}

/** A markdown or raw cell. */
export interface TextCell {
  cell_type: "markdown" | "raw";
  id?: string;
  metadata: CellMetadata;
  source: MultilineString;
  attachments?: Record<string, MimeBundle>;
}

/** Any cell. */
export type Cell = CodeCell | TextCell;

/** An nbformat 4 notebook. */
export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

/** Raised for a file that is missing or is not an nbformat 4 notebook. */
export class NotebookError extends Error {
  override readonly name = "NotebookError";
}

/** Reads and checks a notebook file. */
export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new NotebookError(code === "ENOENT" ? `notebook not found: ${file}` : `cannot read ${file}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new NotebookError(`${file} is not a notebook: expected nbformat 4 JSON, but it does not parse (${(error as Error).message})`);
  }
  return parseNotebook(raw, file);
}

/** Checks the shape `tunelab run` relies on; `source` names the file in errors. */
export function parseNotebook(raw: unknown, source = "notebook"): Notebook {
  if (!isRecord(raw)) throw new NotebookError(`${source} is not a notebook: expected a JSON object with "cells", got ${describeKind(raw)}`);
  if (raw["nbformat"] !== 4) {
    throw new NotebookError(`${source} is not a notebook this tool runs: expected "nbformat": 4, got ${JSON.stringify(raw["nbformat"]) ?? "nothing"}`);
  }
  if (!Array.isArray(raw["cells"])) throw new NotebookError(`${source}: expected "cells" to be a list, got ${describeKind(raw["cells"])}`);
  raw["cells"].forEach((cell: unknown, index) => {
    const where = `${source}: cell ${index}`;
    if (!isRecord(cell)) throw new NotebookError(`${where} must be an object, got ${describeKind(cell)}`);
    const type = cell["cell_type"];
    if (type !== "code" && type !== "markdown" && type !== "raw") {
      throw new NotebookError(`${where}: "cell_type" must be "code", "markdown" or "raw", got ${JSON.stringify(type) ?? "nothing"}`);
    }
    const text = cell["source"];
    if (typeof text !== "string" && !(Array.isArray(text) && text.every((line) => typeof line === "string"))) {
      throw new NotebookError(`${where}: "source" must be a string or a list of strings, got ${describeKind(text)}`);
    }
    if (cell["metadata"] === undefined) cell["metadata"] = {};
    if (!isRecord(cell["metadata"])) throw new NotebookError(`${where}: "metadata" must be an object, got ${describeKind(cell["metadata"])}`);
    if (type === "code") {
      if (!Array.isArray(cell["outputs"])) cell["outputs"] = [];
      if (cell["execution_count"] === undefined) cell["execution_count"] = null;
    }
  });
  if (!isRecord(raw["metadata"])) raw["metadata"] = {};
  if (typeof raw["nbformat_minor"] !== "number") raw["nbformat_minor"] = 4;
  return raw as unknown as Notebook;
}

/** Writes `notebook` as Jupyter does: indent 1, multi-line strings as lists of lines, trailing newline. */
export function writeNotebook(file: string, notebook: Notebook): void {
  writeFileSync(file, `${JSON.stringify(withLineLists(notebook), null, 1)}\n`);
}

/** A copy whose sources, stream texts and textual MIME data are lists of lines (JSON MIME data untouched). */
function withLineLists(notebook: Notebook): Notebook {
  const lines = (text: MultilineString) => splitLines(joinText(text));
  const bundle = (data: MimeBundle): MimeBundle =>
    Object.fromEntries(Object.entries(data).map(([mime, value]) => [mime, !/json$/.test(mime) && typeof value === "string" ? splitLines(value) : value]));
  const output = (out: Output): Output => {
    switch (out.output_type) {
      case "stream":
        return { ...out, text: lines(out.text) };
      case "display_data":
      case "execute_result":
        return { ...out, data: bundle(out.data) };
      case "error":
        return out;
    }
  };
  const cells = notebook.cells.map((cell): Cell => (cell.cell_type === "code" ? { ...cell, source: lines(cell.source), outputs: cell.outputs.map(output) } : { ...cell, source: lines(cell.source) }));
  return { ...notebook, cells };
}

/** The text of a multi-line string. */
export function joinText(text: MultilineString): string {
  return Array.isArray(text) ? text.join("") : text;
}

/** Splits text into lines that keep their "\n", as nbformat writes multi-line strings. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** The tags of a cell (empty when it has none). */
export function tagsOf(cell: Cell): readonly string[] {
  const tags = cell.metadata.tags;
  return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === "string") : [];
}

/** A new cell id (nbformat ≥ 4.5 requires them), in the 8-hex-digit form Jupyter makes. */
export function newCellId(): string {
  return randomBytes(4).toString("hex");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}


/**
 * Loads small numeric tables (the tutorial data sets, or a CSV of one's own) into arrays. Files
 * may be gzip-compressed (detected from their first bytes), comma- or whitespace-separated, and
 * may open with the scikit-learn header `rows,features,className0,className1,...` (e.g.
 * `569,30,malignant,benign`), which is checked against the rows that follow, or with a line of
 * column names (`sepal_length,…,species`). Features are numbers; the target column may hold class
 * names (`setosa`), which become class indices in sorted order of the names.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** A numeric table split into features and (optionally) a target column. */
export interface Table {
  /** Feature rows, shape (rows, features). */
  readonly x: number[][];
  /** The target column (class index or value), one per row; empty when `target` is "none". */
  readonly y: number[];
  /**
   * Class names in class-index order: a scikit-learn header's, or the sorted names a text target
   * column holds; empty when there are none.
   */
  readonly classNames: readonly string[];
  /** The column names of a header line of names (features, then the target), else empty. */
  readonly columnNames: readonly string[];
  readonly rowCount: number;
  readonly featureCount: number;
}

/** How to read a table. */
export interface TableOptions {
  /**
   * - `auto` (default): a scikit-learn header when the first line is one (two integers then class
   *   names, or just two integers above wider rows), a line of column names when none of its
   *   fields is a number, none otherwise;
   * - `counts`: the first line must be a scikit-learn header;
   * - `names`: the first line holds the column names;
   * - `none`: every line is data.
   */
  readonly header?: "auto" | "counts" | "names" | "none";
  /** `last` (default): the last column is the target; `none`: every column is a feature. */
  readonly target?: "last" | "none";
}

/** Reads and parses a table file (gzip-compressed or plain). See {@link parseTable}. */
export function loadTable(path: string, options: TableOptions = {}): Table {
  const bytes = readFileSync(path);
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const text = (gzipped ? gunzipSync(bytes) : bytes).toString("utf8");
  return parseTable(text, options, path);
}

/**
 * Parses a numeric table.
 * @param source named in error messages (a file name)
 * @throws Error naming the line and what was expected, for a non-numeric field, a row of the
 *   wrong length, or a header whose counts disagree with the rows
 */
export function parseTable(text: string, options: TableOptions = {}, source = "table"): Table {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) throw new Error(`${source} is empty: expected numeric rows`);
  const headerMode = options.header ?? "auto";
  const header = headerMode === "none" || headerMode === "names" ? undefined : parseHeader(lines, headerMode === "counts", source);
  const columnNames = header === undefined && (headerMode === "names" || (headerMode === "auto" && isNamesLine(lines[0]!))) ? splitFields(lines[0]!) : [];
  const firstDataLine = header === undefined && columnNames.length === 0 ? 0 : 1;
  const targetMode = options.target ?? "last";
  const rows: string[][] = [];
  const lineNumbers: number[] = [];
  for (let i = firstDataLine; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    rows.push(splitFields(line));
    lineNumbers.push(i + 1);
  }
  if (rows.length === 0) throw new Error(`${source} has no data rows`);
  const width = rows[0]!.length;
  rows.forEach((row, r) => {
    if (row.length !== width) {
      throw new Error(`${source}: data row ${r + 1} has ${row.length} fields, but the first row has ${width}`);
    }
  });
  const featureCount = targetMode === "last" ? width - 1 : width;
  if (featureCount < 1) {
    throw new Error(`${source}: rows have ${width} field, too few for features and a target; a column of targets alone loads with { target: "none" } (its values are then x[i][0])`);
  }
  if (columnNames.length > 0 && columnNames.length !== width) {
    throw new Error(`${source} line 1: the header names ${columnNames.length} columns, but rows have ${width}`);
  }
  if (header !== undefined) {
    if (header.rowCount !== rows.length) {
      throw new Error(`${source}: the header announces ${header.rowCount} rows, but ${rows.length} follow`);
    }
    if (header.featureCount !== featureCount) {
      throw new Error(`${source}: the header announces ${header.featureCount} features, but rows have ${featureCount} (plus the target)`);
    }
  }
  const x = rows.map((row, r) => row.slice(0, featureCount).map((field, column) => numberAt(field, lineNumbers[r]!, column, source)));
  if (targetMode === "none") return { x, y: [], classNames: header?.classNames ?? [], columnNames, rowCount: rows.length, featureCount };
  const targets = rows.map((row) => row[featureCount]!);
  // A target column of words holds class names: each becomes its index in sorted order. One word
  // among numbers is a typo, refused by its line like a feature's.
  const named = header === undefined && targets.every((field) => !isNumeric(field));
  const classNames = named ? [...new Set(targets)].sort() : header?.classNames ?? [];
  const y = named ? targets.map((field) => classNames.indexOf(field)) : targets.map((field, r) => numberAt(field, lineNumbers[r]!, featureCount, source));
  return { x, y, classNames, columnNames, rowCount: rows.length, featureCount };
}

interface Header {
  readonly rowCount: number;
  readonly featureCount: number;
  readonly classNames: readonly string[];
}

function splitFields(line: string): string[] {
  return line.includes(",") ? line.split(",").map((field) => field.trim()) : line.split(/\s+/);
}

function parseHeader(lines: readonly string[], required: boolean, source: string): Header | undefined {
  const fields = splitFields(lines[0]!);
  const isCount = (field: string | undefined): boolean => field !== undefined && /^\d+$/.test(field);
  const looksLikeHeader =
    isCount(fields[0]) &&
    isCount(fields[1]) &&
    (fields.slice(2).some((field) => !isNumeric(field)) ||
      (fields.length === 2 && lines.length > 1 && splitFields(lines[1]!).length > 2));
  if (!looksLikeHeader) {
    if (required) {
      throw new Error(`${source} line 1: expected a header "rows,features,className,..." but got "${lines[0]!.slice(0, 60)}"`);
    }
    return undefined;
  }
  return { rowCount: Number(fields[0]), featureCount: Number(fields[1]), classNames: fields.slice(2) };
}

function isNumeric(field: string): boolean {
  return field !== "" && Number.isFinite(Number(field));
}

/** Whether a first line is a header of column names: none of its fields is a number. */
function isNamesLine(line: string): boolean {
  return splitFields(line).every((field) => field !== "" && !isNumeric(field));
}

function numberAt(field: string, lineNumber: number, column: number, source: string): number {
  if (!isNumeric(field)) {
    throw new Error(`${source} line ${lineNumber}, field ${column + 1}: expected a number but got "${field}"`);
  }
  return Number(field);
}

/**
 * Aligned plain-text tables (the `text/plain` part of a bundle, for consoles and logs).
 */

import { cellText, cellValue, progressLine, type StudyInfo } from "./info";
import { formatNumber } from "./format";

/** How a text column is aligned. */
export type TextAlign = "left" | "right";

/** Longest cell text kept before it is cut with "…" (long error messages). */
export const MAX_CELL_WIDTH = 40;

/**
 * Lays out a table as lines of text: a header, a rule of dashes, then one line per row, columns
 * separated by two spaces and padded to their widest cell (cells longer than
 * {@link MAX_CELL_WIDTH} are cut). Trailing spaces are trimmed.
 */
export function alignedTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly TextAlign[],
): string {
  rows.forEach((row, i) => {
    if (row.length !== headers.length) {
      throw new Error(`text table row ${i} has ${row.length} cells; expected ${headers.length} (one per header)`);
    }
  });
  const cut = (text: string): string => {
    const oneLine = text.replace(/\s+/g, " ");
    return oneLine.length > MAX_CELL_WIDTH ? `${oneLine.slice(0, MAX_CELL_WIDTH - 1)}…` : oneLine;
  };
  const cells = [headers, ...rows].map((row) => row.map(cut));
  const widths = headers.map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  const line = (row: readonly string[]): string =>
    row
      .map((text, c) => (align[c] === "right" ? text.padStart(widths[c]) : text.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

/** The trials table as text; the best trial's number is marked with `*`. */
export function trialsText(info: StudyInfo): string {
  const { columns, rows } = info.table;
  if (rows.length === 0) return `no trials yet (${info.direction} ${info.metric})`;
  const align = columns.map((c): TextAlign => {
    if (c.kind === "state" || c.kind === "error") return "left";
    if (c.kind !== "param") return "right";
    return rows.every((r) => typeof cellValue(r, c) !== "string") ? "right" : "left";
  });
  const body = rows.map((row) =>
    columns.map((column) => (column.kind === "number" ? `${row.isBest ? "*" : ""}${row.number}` : cellText(row, column))),
  );
  const best = info.best === undefined ? "" : `\n* best: trial ${info.best.number}, ${info.metric} = ${formatNumber(info.best.value)}`;
  return `${alignedTable(columns.map((c) => c.title), body, align)}${best}`;
}

/** The progress line followed by the trials table (what the live view shows in consoles). */
export function progressText(info: StudyInfo): string {
  return `${progressLine(info)}\n${trialsText(info)}`;
}

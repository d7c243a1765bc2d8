/**
 * The trials table as a Plotly `table` trace, with the raw sort keys its HTML needs to sort and
 * filter in the browser.
 */

import { formatNumber, roundSignificant as round } from "./format";
import { BEST_ROW_COLOR, STATE_COLORS, baseLayout, type SortKey, type StudyFigure } from "./figure-types";
import { escapeHtml } from "../common/html";
import { cellText, cellValue, type StudyInfo } from "./info";
import { trialsText } from "./text";

const ROW_COLOR = "#fff";
const HEADER_COLOR = "#e8eef7";

/**
 * The trials table: one row per trial by number, every parameter, the metric(s), the duration and
 * the failure reason; the best trial's row highlighted. `title` defaults to the study's name.
 */
export function trialsTable(info: StudyInfo, title?: string): StudyFigure {
  const { columns, rows } = info.table;
  const texts = columns.map((column) => rows.map((row) => escapeHtml(cellText(row, column)))); // (columns, rows)
  const fill = columns.map(() => rows.map((row) => (row.isBest ? BEST_ROW_COLOR : ROW_COLOR)));
  const stateColors = rows.map((row) => STATE_COLORS[row.state]);
  const fontColors = columns.map((column) => (column.kind === "state" ? stateColors : "#222222"));
  // Plotly shares the width out in proportion to these: ~7 px a character plus 16 px of padding;
  // headers get room for the sort arrow; long text (errors) wraps instead of widening its column.
  const widths = columns.map((column, c) => {
    const characters = Math.max(column.title.length + 2, ...texts[c].map((t) => t.length));
    return 7 * Math.min(characters, 22) + 16;
  });
  const rowHeight = 24;
  const height = Math.min(560, 110 + rowHeight * Math.max(1, rows.length));
  const sortKeys = columns.map((column) =>
    rows.map((row): SortKey => {
      const value = cellValue(row, column);
      if (value === undefined || value === null) return null;
      return typeof value === "number" ? round(value) : String(value);
    }),
  );
  return {
    name: "trials",
    figure: {
      data: [
        {
          type: "table",
          columnwidth: widths,
          header: {
            values: columns.map((c) => `<b>${escapeHtml(c.title)}</b>`),
            fill: { color: HEADER_COLOR },
            align: "left",
            height: 28,
          },
          cells: {
            values: texts,
            fill: { color: fill },
            font: { color: fontColors },
            align: columns.map((c) => (c.kind === "state" || c.kind === "error" || c.kind === "param" ? "left" : "right")),
            height: rowHeight,
          },
        },
      ],
      layout: {
        ...baseLayout(title ?? tableTitle(info), height),
        margin: { l: 10, r: 10, t: 40, b: 10 },
      },
    },
    text: trialsText(info),
    table: { sortKeys, stateColumn: columns.findIndex((c) => c.kind === "state") },
  };
}

function tableTitle(info: StudyInfo): string {
  const name = info.studyName === undefined ? "trials" : `${info.studyName}: trials`;
  const best =
    info.best === undefined ? "" : ` — best ${info.metric} ${formatNumber(info.best.value)} (trial ${info.best.number})`;
  return `${name} (${info.direction} ${info.metric})${best}`;
}

/**
 * What every figure builder shares: the figure types, state colours, the base layout and the empty
 * figure (label text is escaped with `escapeHtml` of src/common/html.ts).
 */

import type { TrialState } from "../engine/types";
import type { StudyInfo } from "./info";

/** One Plotly trace (a plain JSON object). */
export type PlotlyTrace = Readonly<Record<string, unknown>>;

/** A Plotly figure as the `application/vnd.plotly.v1+json` MIME type carries it (minus config). */
export interface PlotlyFigure {
  readonly data: readonly PlotlyTrace[];
  readonly layout: Readonly<Record<string, unknown>>;
}

/** A sort key of a table cell: numbers sort numerically, strings alphabetically, null last. */
export type SortKey = number | string | null;

/** What the HTML of a trials table needs to sort and filter it in the browser. */
export interface TableControls {
  /** (columns, rows) the raw value behind each cell. */
  readonly sortKeys: readonly (readonly SortKey[])[];
  /** The index of the state column, for the state filter. */
  readonly stateColumn: number;
}

/** A figure ready to become a MIME bundle. */
export interface StudyFigure {
  /** A short stable identifier: "trials", "history", "parallel", "slices", "intermediate", "importance". */
  readonly name: string;
  readonly figure: PlotlyFigure;
  /** The `text/plain` form of the figure. */
  readonly text: string;
  /** Set for the trials table: the HTML adds click-to-sort headers and a state filter. */
  readonly table?: TableControls;
}

/** Colours of trial states, shared by every figure. */
export const STATE_COLORS: Readonly<Record<TrialState, string>> = {
  complete: "#1f77b4",
  pruned: "#ff7f0e",
  failed: "#d62728",
  running: "#2ca02c",
  waiting: "#7f7f7f",
};

/** Background of the best trial's row. */
export const BEST_ROW_COLOR = "#fff3b0";

/** Plot margins shared by the figures. */
export const MARGIN = { l: 60, r: 30, t: 50, b: 50 };

/** The layout every figure starts from. */
export function baseLayout(title: string, height: number): Record<string, unknown> {
  return { title: { text: title, x: 0.02 }, height, margin: MARGIN, hovermode: "closest" };
}

/** A figure with no data and a centred note (used when a study has nothing to show yet). */
export function emptyFigure(title: string, note: string): PlotlyFigure {
  return {
    data: [],
    layout: {
      ...baseLayout(title, 260),
      xaxis: { visible: false },
      yaxis: { visible: false },
      annotations: [{ text: note, showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5, font: { size: 14 } }],
    },
  };
}

/** "lower is better" or "higher is better". */
export function directionWord(info: StudyInfo): string {
  return info.direction === "minimize" ? "lower is better" : "higher is better";
}



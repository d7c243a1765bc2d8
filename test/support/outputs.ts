/** Reading executed notebooks in tests: outputs as nbconvert writes them, and their text. */

/** Plotly's MIME type in a display's data. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** One output of an executed notebook, loosely typed (any output type). */
export interface LooseOutput {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}

/** Text stored as a string or a list of lines, joined; anything else as "". */
export const text = (value: unknown): string => (Array.isArray(value) ? value.join("") : typeof value === "string" ? value : "");

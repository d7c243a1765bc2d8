/**
 * State shared by everything that draws figures in one kernel process: whether plotly.js is
 * already embedded in the notebook page (it goes into the first HTML output only).
 */
import { PlotlyEmbedding } from "../render";

/** The kernel session's plotly.js embedding state. */
export const sessionEmbedding = new PlotlyEmbedding();

/**
 * The plotly.js library as a minified script, for embedding in HTML outputs (no CDN).
 *
 * `plotly.js-dist-min` ships plotly's own minified bundle (~4.8 MB, licence header included); it is
 * read once per process and kept in memory. Nothing is minified, cached or written at run time.
 */

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The library's source and what was done to it. */
export interface PlotlyLibrary {
  /** plotly.js version, e.g. "4.1.1". */
  readonly version: string;
  /** JavaScript that defines `window.Plotly` when run in a page. */
  readonly source: string;
  /** Whether `source` is minified (the installed `plotly.js-dist-min` bundle is). */
  readonly minified: boolean;
}

let loaded: PlotlyLibrary | undefined;

/** The installed `plotly.js-dist-min` bundle, read on first use (a few milliseconds) and then kept in memory. */
export function loadPlotlyLibrary(): PlotlyLibrary {
  if (loaded !== undefined) return loaded;
  const bundlePath = require.resolve("plotly.js-dist-min/plotly.min.js");
  const version = (JSON.parse(readFileSync(join(dirname(bundlePath), "package.json"), "utf8")) as { version: string }).version;
  loaded = { version, source: readFileSync(bundlePath, "utf8"), minified: true };
  return loaded;
}

/**
 * The plotly.js library as a minified script, for embedding in HTML outputs (no CDN).
 *
 * `plotly.js-dist` ships only an unminified bundle (~10 MB); minified it is ~4.8 MB. We minify it
 * once with esbuild's transform API (esbuild is present through tsx; license comments are kept at
 * the end) and cache the result on disk, keyed by the plotly.js version, so later kernel sessions
 * read it in milliseconds. When esbuild cannot be loaded the unminified bundle is used as is.
 */

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** The library's source and what was done to it. */
export interface PlotlyLibrary {
  /** plotly.js version, e.g. "4.1.1". */
  readonly version: string;
  /** JavaScript that defines `window.Plotly` when run in a page. */
  readonly source: string;
  readonly minified: boolean;
}

/** Where to look for and keep the minified library. */
export interface PlotlyLibraryOptions {
  /** Directory of the on-disk cache (default `$TUNELAB_CACHE_DIR`, else `~/.cache/tunelab`). */
  readonly cacheDir?: string;
  /** Whether to minify (default true). */
  readonly minify?: boolean;
}

type Minifier = (source: string) => string;

const loaded = new Map<string, PlotlyLibrary>();

/** The default on-disk cache directory. */
export function defaultCacheDir(): string {
  return process.env.TUNELAB_CACHE_DIR ?? join(homedir(), ".cache", "tunelab");
}

/**
 * Loads plotly.js (minified when possible), from memory, the disk cache, or by minifying the
 * installed `plotly.js-dist` bundle (about 1–2 s, once per machine and plotly.js version).
 */
export function loadPlotlyLibrary(options: PlotlyLibraryOptions = {}): PlotlyLibrary {
  const minify = options.minify ?? true;
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const key = `${cacheDir}|${minify}`;
  const cached = loaded.get(key);
  if (cached !== undefined) return cached;
  const bundlePath = require.resolve("plotly.js-dist/plotly.js");
  const version = (JSON.parse(readFileSync(join(dirname(bundlePath), "package.json"), "utf8")) as { version: string }).version;
  const library = minify ? minifiedLibrary(bundlePath, version, cacheDir) : undefined;
  const result = library ?? { version, source: readFileSync(bundlePath, "utf8"), minified: false };
  loaded.set(key, result);
  return result;
}

function minifiedLibrary(bundlePath: string, version: string, cacheDir: string): PlotlyLibrary | undefined {
  const cachePath = join(cacheDir, `plotly-${version}.min.js`);
  if (existsSync(cachePath)) return { version, source: readFileSync(cachePath, "utf8"), minified: true };
  const minifier = loadMinifier();
  if (minifier === undefined) return undefined;
  const source = minifier(readFileSync(bundlePath, "utf8"));
  try {
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${cachePath}.${process.pid}.tmp`;
    writeFileSync(partial, source);
    renameSync(partial, cachePath); // atomic: readers never see half a file
  } catch {
    // An unwritable cache only costs the minification again next session.
  }
  return { version, source, minified: true };
}

function loadMinifier(): Minifier | undefined {
  try {
    // esbuild is an optional runtime helper (installed with tsx); loaded lazily and untyped here.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require("esbuild") as {
      transformSync(code: string, options: Record<string, unknown>): { code: string };
    };
    return (source) => esbuild.transformSync(source, { minify: true, loader: "js", legalComments: "eof" }).code;
  } catch {
    return undefined;
  }
}

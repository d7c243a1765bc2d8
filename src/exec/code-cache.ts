/**
 * Loading a big CommonJS module with a V8 code cache (Node 20 has no `module.enableCompileCache`).
 * The compiler (`@tslab/typescript-for-tslab`, 8 MB of JavaScript) is compiled on every kernel
 * start; with the cache V8 skips that, and also the lazy compilation of the functions the first
 * cell used (parser, binder, checker, emitter), because the cache is written after they ran.
 *
 * The cache is a file per module source, Node version and architecture; V8 checks it against
 * the source and its flags and rejects a stale one, which is then rewritten. Any failure to read
 * or write the cache only costs the time it would have saved.
 *
 * The source is given to V8 as a one-byte string: decoding 8 MB of UTF-8 that holds a few
 * non-ASCII characters (the compiler has five, in comments) makes a two-byte string twice the
 * size, slower to decode and to compile. A module that is not plain ASCII is compiled with each
 * non-ASCII UTF-16 unit written as a `\uXXXX` escape, which means the same in comments, string
 * and regular expression literals, template literals' values and identifiers (astral identifiers
 * excepted); only raw template strings and `Function.prototype.toString` show the escapes. That
 * source is kept beside the cache (`….ascii.js`) and read as Latin-1 the next time.
 */
import { isAscii } from "node:buffer";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import Module from "node:module";
import * as vm from "node:vm";
import { log } from "../common/log";

/**
 * Part of every cache's key: caches made from the UTF-8 text of a module that is not ASCII (before
 * the ASCII copies) have other names, so kernels of both kinds sharing one installation do not
 * reject and rewrite each other's cache.
 */
const CACHE_FORMAT = "one-byte source";

/** A module loaded through {@link loadWithCodeCache}. */
export interface CachedModule {
  /** Where its code cache lives (`undefined`: the module was loaded before, without one). */
  readonly cacheFile: string | undefined;
  /** Whether V8 used a cache written earlier. */
  readonly cacheUsed: boolean;
  /** Writes the code cache, with the functions compiled so far, unless an accepted one exists (and the module's ASCII copy, if it is not ASCII and has none). */
  save(): void;
}

/**
 * The folder of tunelab's code caches: `$TUNELAB_CACHE_DIR`, else `node_modules/.cache/tunelab`
 * of tunelab's own installation (where build tools keep their caches), so nothing is written to
 * the user's home folder. Where that folder cannot be written the kernel just runs without a cache.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env["TUNELAB_CACHE_DIR"] !== undefined && env["TUNELAB_CACHE_DIR"] !== "") return env["TUNELAB_CACHE_DIR"];
  // This file is dist/src/exec/code-cache.js of the installation.
  return path.join(__dirname, "..", "..", "..", "node_modules", ".cache", "tunelab");
}

/**
 * Loads the module `id` (resolved from this file, as `require` would) into `require.cache` with
 * V8's code cache from `cacheDir`, so that every later `require` of it gets this instance. A module
 * already loaded is left as it is.
 */
export function loadWithCodeCache(id: string, cacheDir: string): CachedModule {
  const file = require.resolve(id);
  if (require.cache[file] !== undefined) return { cacheFile: undefined, cacheUsed: false, save: () => undefined };
  const stat = statSync(file);
  const key = createHash("sha256").update(`${CACHE_FORMAT}\0${file}\0${stat.size}\0${stat.mtimeMs}\0${process.version}\0${process.arch}`).digest("hex").slice(0, 16);
  const cacheFile = path.join(cacheDir, `${path.basename(file, ".js")}-${key}.v8cache`);
  const asciiFile = path.join(cacheDir, `${path.basename(file, ".js")}-${key}.ascii.js`);
  const { source, asciiCopy } = oneByteSource(file, asciiFile);
  const cachedData = readCache(cacheFile);
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData === undefined ? {} : { cachedData }) });
  const cacheUsed = cachedData !== undefined && script.cachedDataRejected !== true;
  if (cachedData !== undefined && !cacheUsed) log(`code cache ${cacheFile} was rejected by V8; it is rewritten`);

  const loaded = new Module(file, module);
  loaded.filename = file;
  loaded.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const moduleRequire = Module.createRequire(file);
  require.cache[file] = loaded;
  try {
    const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
    wrapper.call(loaded.exports, loaded.exports, moduleRequire, loaded, file, path.dirname(file));
  } catch (error) {
    delete require.cache[file];
    throw error;
  }
  loaded.loaded = true;

  let saved = cacheUsed;
  let copied = asciiCopy === undefined;
  return {
    cacheFile,
    cacheUsed,
    save: () => {
      if (!copied) {
        copied = true;
        writeAtomically(asciiFile, Buffer.from(asciiCopy as string, "latin1"));
      }
      if (saved) return;
      saved = true;
      writeAtomically(cacheFile, script.createCachedData());
    },
  };
}

/**
 * The source of `file` as a one-byte string: the ASCII copy in `asciiFile` when there is one, the
 * file itself when it is ASCII, else the file with its non-ASCII units escaped (`asciiCopy`: to be
 * written to `asciiFile`).
 */
function oneByteSource(file: string, asciiFile: string): { source: string; asciiCopy?: string } {
  try {
    return { source: readFileSync(asciiFile, "latin1") };
  } catch {
    // No copy yet (or the cache folder cannot be read): the file itself.
  }
  const bytes = readFileSync(file);
  if (isAscii(bytes)) return { source: bytes.toString("latin1") };
  const escaped = bytes.toString("utf8").replace(/[^\x00-\x7f]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return { source: escaped, asciiCopy: escaped };
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes `data` to `file` through a temporary file, so a reader never sees half a file. */
function writeAtomically(file: string, data: Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(temporary, data);
    renameSync(temporary, file);
  } catch (error) {
    log(`could not write the code cache file ${file}: ${(error as Error).message}`);
  }
}

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
 * source, already inside CommonJS's function wrapper (`Module.wrap`), is kept beside the cache
 * (`….ascii.js`) and read as Latin-1 the next time: V8 then compiles the very string read, where
 * wrapping it would make V8 copy 8 MB into its heap first (page faults are most of that cost on
 * a virtual machine).
 *
 * A module may be changed as it loads (`SOURCE_PATCHES`: the compiler's, compiler-patch.ts); its
 * ASCII copy then holds the changed source, and the names of the copy and the cache say which patch.
 *
 * The kernel reads both files ahead ({@link prefetchCodeCache}), on libuv's thread pool, while its
 * main thread loads its own modules and starts the transport thread: reading 11 MB into fresh
 * memory is mostly page faults, which then happen on the other core.
 */
import { isAscii } from "node:buffer";
import { createHash } from "node:crypto";
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, read, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import Module from "node:module";
import * as vm from "node:vm";
import { log } from "../common/log";
import { applyPatch, SPARE_CHECKER_PATCH, type SourcePatch } from "./compiler-patch";

/**
 * Part of every cache's key: caches made from other texts of a module (its UTF-8 text before the
 * ASCII copies, the copies before they held the wrapper) have other names, so kernels of both
 * kinds sharing one installation do not reject and rewrite each other's cache.
 */
const CACHE_FORMAT = "wrapped one-byte source";

/** The compiler's package, the module the kernel loads with a code cache. */
export const COMPILER_MODULE = "@tslab/typescript-for-tslab";

/** The changes made to a module's source as it is loaded, by module (compiler-patch.ts). */
const SOURCE_PATCHES: ReadonlyMap<string, SourcePatch> = new Map([[COMPILER_MODULE, SPARE_CHECKER_PATCH]]);

/** A module loaded through {@link loadWithCodeCache}. */
export interface CachedModule {
  /** Where its code cache lives (`undefined`: the module was loaded before, without one). */
  readonly cacheFile: string | undefined;
  /** Whether V8 used a cache written earlier. */
  readonly cacheUsed: boolean;
  /** Writes the code cache, with the functions compiled so far, unless an accepted one exists (and the module's wrapped ASCII copy, when it has none). */
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
  const patch = SOURCE_PATCHES.get(id);
  const { cacheFile, asciiFile } = cacheFiles(file, cacheDir, patch);
  const ahead = readAhead.get(file)?.files;
  readAhead.delete(file);
  const copy = ahead?.ascii !== undefined ? ahead.ascii.toString("latin1") : readCopy(asciiFile);
  if (copy !== undefined && !isWrapped(copy)) log(`the ASCII copy ${asciiFile} is damaged (not one whole wrapped module); it is rewritten`);
  const { wrapped, asciiCopy }: { wrapped: string; asciiCopy?: string } = copy !== undefined && isWrapped(copy) ? { wrapped: copy } : wrappedOneByteSource(file, patch);
  const cachedData = ahead !== undefined ? ahead.cache : readCache(cacheFile);
  const script = new vm.Script(wrapped, { filename: file, ...(cachedData === undefined ? {} : { cachedData }) });
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
 * Whether the module `id` has a code cache in `cacheDir` (written earlier; V8 may still reject it
 * when the process runs with other flags, and the kernel then rewrites it).
 */
export function hasCodeCache(id: string, cacheDir: string): boolean {
  try {
    return existsSync(cacheFiles(require.resolve(id), cacheDir, SOURCE_PATCHES.get(id)).cacheFile);
  } catch {
    return false;
  }
}

/** The files of a module's cache, read ahead by {@link prefetchCodeCache} (`files` once both reads ended). */
interface ReadAhead {
  readonly done: Promise<void>;
  files?: { readonly ascii: Buffer | undefined; readonly cache: Buffer | undefined };
}

/** Reads under way or done, by the module's file; {@link loadWithCodeCache} takes its entry. */
const readAhead = new Map<string, ReadAhead>();

/**
 * Starts reading the ASCII copy and the code cache of the module `id` (see {@link loadWithCodeCache})
 * on libuv's thread pool; resolves when both reads ended (a missing file is not an error: it is then
 * read, or made, as without this). `loadWithCodeCache` uses what was read if the reads ended by
 * then, else it reads the files itself. Calling it again for the same module returns the same promise.
 */
export function prefetchCodeCache(id: string, cacheDir: string): Promise<void> {
  let file: string;
  try {
    file = require.resolve(id);
  } catch {
    return Promise.resolve();
  }
  const known = readAhead.get(file);
  if (known !== undefined) return known.done;
  if (require.cache[file] !== undefined) return Promise.resolve();
  let paths: { cacheFile: string; asciiFile: string };
  try {
    paths = cacheFiles(file, cacheDir, SOURCE_PATCHES.get(id));
  } catch {
    return Promise.resolve();
  }
  const entry: ReadAhead = {
    done: Promise.all([readWhole(paths.asciiFile), readWhole(paths.cacheFile)]).then(([ascii, cache]) => {
      entry.files = { ascii, cache };
    }),
  };
  readAhead.set(file, entry);
  return entry.done;
}

/**
 * Starts reading what loading the compiler and building the first program read from `cacheDir`:
 * the compiler's code cache and ASCII copy ({@link prefetchCodeCache}) and the syntax tree pack
 * ({@link readAheadFile}). Resolves when all the reads ended (they run side by side on the thread
 * pool); the kernel loads the compiler then, so that none of it is read again on the main thread.
 * Calling it again returns promises of the same reads.
 */
export function prefetchCompilerCaches(cacheDir: string): Promise<void> {
  let treePack: Promise<void>;
  try {
    treePack = readAheadFile(syntaxTreePackFile(cacheDir));
  } catch {
    // No compiler to name the pack after: the kernel reports that when it loads the compiler.
    treePack = Promise.resolve();
  }
  // Never rejects: whatever went wrong, the kernel then reads the files itself.
  return Promise.all([prefetchCodeCache(COMPILER_MODULE, cacheDir), treePack]).then(
    () => undefined,
    () => undefined,
  );
}

/** Length of the SHA-1 digest that ends a cache file written by {@link withTrailingSha1}. */
const SHA1_BYTES = 20;

/** `data` followed by its SHA-1 digest: a cache file that {@link intactPart} can check (V8 checks its code caches itself; the syntax tree pack is ours). */
export function withTrailingSha1(data: Buffer): Buffer {
  return Buffer.concat([data, createHash("sha1").update(data).digest()]);
}

/** The part of `file` before its digest when the digest matches it, else `undefined` (damaged or cut). */
export function intactPart(file: Buffer): Buffer | undefined {
  if (file.length < SHA1_BYTES) return undefined;
  const data = file.subarray(0, file.length - SHA1_BYTES);
  return createHash("sha1").update(data).digest().equals(file.subarray(file.length - SHA1_BYTES)) ? data : undefined;
}

/** A cache file read ahead: `data` is the part before its digest when that digest matched, `undefined` when it did not or the file could not be read. */
interface ReadAheadFile {
  readonly done: Promise<void>;
  ended: boolean;
  data: Buffer | undefined;
}

/** Files written by {@link withTrailingSha1} read ahead (the syntax tree pack), by name. */
const filesReadAhead = new Map<string, ReadAheadFile>();

/**
 * Starts reading `file`, written by {@link withTrailingSha1} (another cache of the kernel: the
 * syntax tree pack), on libuv's thread pool, and checks its digest once read (a few MB: a few ms
 * of the main thread, which is waiting for the compiler's files then); {@link takeReadAhead} gives
 * what was read. Resolves when that is done; a missing file is not an error. Calling it again for
 * the same file returns the same promise.
 */
export function readAheadFile(file: string): Promise<void> {
  const known = filesReadAhead.get(file);
  if (known !== undefined) return known.done;
  const entry: ReadAheadFile = {
    ended: false,
    data: undefined,
    done: readWhole(file).then((bytes) => {
      entry.ended = true;
      entry.data = bytes === undefined ? undefined : intactPart(bytes);
    }),
  };
  filesReadAhead.set(file, entry);
  return entry.done;
}

/**
 * What {@link readAheadFile} read of `file`: `"unread"` when no read was started or it has not
 * ended (the caller then reads the file itself), else the part before the digest when the digest
 * matched, `undefined` when it did not or the file could not be read. Given once.
 */
export function takeReadAhead(file: string): Buffer | undefined | "unread" {
  const entry = filesReadAhead.get(file);
  if (entry === undefined || !entry.ended) return "unread";
  filesReadAhead.delete(file);
  return entry.data;
}

/**
 * The names of the code cache and the ASCII copy of the module `file` (see {@link CACHE_FORMAT}),
 * made from its source changed by `patch`.
 */
function cacheFiles(file: string, cacheDir: string, patch: SourcePatch | undefined): { cacheFile: string; asciiFile: string } {
  const stem = cacheStem(file, cacheDir) + (patch === undefined ? "" : `-${patch.key}`);
  return { cacheFile: `${stem}.v8cache`, asciiFile: `${stem}.ascii.js` };
}

/** The caches of the module `file` are named `<stem>.<kind>`: its name and a key of its version, Node's and the machine's. */
function cacheStem(file: string, cacheDir: string): string {
  const stat = statSync(file);
  const key = createHash("sha256").update(`${CACHE_FORMAT}\0${file}\0${stat.size}\0${stat.mtimeMs}\0${process.version}\0${process.arch}`).digest("hex").slice(0, 16);
  return path.join(cacheDir, `${path.basename(file, ".js")}-${key}`);
}

/**
 * The file of the compiler's syntax tree cache in `cacheDir` (syntax-tree-cache.ts): named after
 * the compiler like its code cache, so another compiler never reads it.
 */
export function syntaxTreePackFile(cacheDir: string): string {
  return `${cacheStem(require.resolve(COMPILER_MODULE), cacheDir)}.trees`;
}

/**
 * The whole of `file`, read by one request to the thread pool (`fs.readFile` reads in chunks, each
 * asked for by the main thread, which is busy meanwhile); `undefined` when it cannot be read whole.
 */
export function readWhole(file: string): Promise<Buffer | undefined> {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const finish = (buffer: Buffer | undefined): void => {
      closeSync(fd);
      resolve(buffer);
    };
    try {
      const size = fstatSync(fd).size;
      const buffer = Buffer.allocUnsafeSlow(size);
      read(fd, buffer, 0, size, 0, (error, bytesRead) => finish(error === null && bytesRead === size ? buffer : undefined));
    } catch {
      finish(undefined);
    }
  });
}

/**
 * The source of `file` inside CommonJS's function wrapper, as a one-byte string (its non-ASCII
 * units escaped), changed by `patch`; it is also the `asciiCopy` to keep. A patch whose text is
 * not found is logged and left out.
 */
function wrappedOneByteSource(file: string, patch: SourcePatch | undefined): { wrapped: string; asciiCopy: string } {
  const bytes = readFileSync(file);
  const text = isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8").replace(/[^\x00-\x7f]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const patched = patch === undefined ? undefined : applyPatch(text, patch);
  if (patch !== undefined && patched === undefined) log(`the compiler patch ${patch.key} does not apply to ${file}; it is loaded unchanged`);
  const wrapped = Module.wrap(patched ?? text);
  return { wrapped, asciiCopy: wrapped };
}

/** Whether `source` is a whole module in CommonJS's function wrapper (an ASCII copy cut short is not). */
function isWrapped(source: string): boolean {
  const [head, tail] = (Module as unknown as { wrapper: readonly [string, string] }).wrapper;
  return source.startsWith(head) && source.endsWith(tail);
}

/** The ASCII copy kept in `file`, if there is one (as Latin-1: one byte per character). */
function readCopy(file: string): string | undefined {
  try {
    return readFileSync(file, "latin1");
  } catch {
    return undefined; // no copy yet, or the cache folder cannot be read
  }
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes `data` to `file` through a temporary file, so a reader never sees half a file; a failure is logged. */
export function writeAtomically(file: string, data: Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(temporary, data);
    renameSync(temporary, file);
  } catch (error) {
    log(`could not write the cache file ${file}: ${(error as Error).message}`);
  }
}

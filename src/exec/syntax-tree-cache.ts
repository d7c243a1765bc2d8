/**
 * Parsed declaration files kept between kernels. The first program of a kernel parses the
 * TypeScript libraries and the `@types` packages (2.5–3 MB of declarations): about 450 ms on one
 * core, mostly the parser's code warming up, before the first cell can be checked. This cache keeps
 * their syntax trees, encoded (syntax-tree-codec.ts), in one file (the pack, beside the compiler's
 * code cache); a later kernel rebuilds each tree from it with a small decoder that gets hot at
 * once, in about a third of that time.
 *
 * A tree is rebuilt exactly as the parser made it: the same constructors (the compiler's
 * `objectAllocator`), the same properties in the same order (so the binder and checker see the
 * same object shapes) and the same values. Only the file's text and the function the parser stores
 * on the file (`setExternalModuleIndicator`) are not encoded: the text is read from the file as
 * before, the function is the one the program passes, as the parser would have stored it. A file is
 * taken from the pack only when its size and modification time, the compiler, the parse options
 * and whether documentation comments were dropped (doc-comments.ts) are those it was encoded with.
 *
 * `tunelab kernel` reads the pack ahead on libuv's thread pool, and checks its digest, before it
 * loads the compiler (`readAheadFile`). Trees parsed because the pack lacked them are parsed again
 * and encoded after the cell, one file per turn of the event loop
 * ({@link SyntaxTreeCache.saveBetweenTurns}; `tunelab warm-up` does it at once), and written with
 * the pack's other entries that still match their files. Any failure to read or write the pack only costs the time it would have saved.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import ts = require("@tslab/typescript-for-tslab");
import { log } from "../common/log";
import { codeCacheDir, intactPart, syntaxTreePackFile, takeReadAhead, withTrailingSha1, writeAtomically } from "./code-cache";
import { unguardedSetImmediate } from "./guard";
import { decodeTree, encodeTree, parserConstructors, type EncodedTree } from "./syntax-tree-codec";

/** Changes when the encoding (syntax-tree-codec.ts) or the pack's layout changes. */
const FORMAT = 2;

/** The pack's first four bytes. */
const MAGIC = 0x5453_4c54; // "TLST"

/**
 * The pack is not grown beyond this many bytes of trees (entries of files this kernel did not use
 * go first): every kernel reads it whole and keeps it (the libraries and one folder's `@types` take
 * about 5 MB, TensorFlow.js's declarations 4 MB more).
 */
const MAX_PACK_BYTES = 32 * 1024 * 1024;

/** What a tree is valid for: its file as it was, the parse options, and the compiler (in the pack's name). */
interface TreeKey {
  /** The file on disk (a file of tslab's installation is named in the notebook's `node_modules` too). */
  readonly disk: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** The parse options and whether documentation comments were dropped. */
  readonly options: string;
}

/** An entry of the pack's index. */
interface PackEntry extends TreeKey {
  readonly file: string;
  /** Where its tables (JSON of its strings and shapes) and its stream lie in the pack's data section: [start, end) byte offsets. */
  readonly tables: readonly [number, number];
  readonly stream: readonly [number, number];
}

/** A tree of the pack (or a new one), with its key. */
interface KnownTree extends TreeKey {
  readonly tree: EncodedTree;
}

/** The parse options a tree was made with, as part of its key (`undefined`: not cacheable). */
function optionsKey(options: ts.ScriptTarget | ts.CreateSourceFileOptions, docsDropped: boolean): string | undefined {
  // The file stores the module indicator's setter: only the program's own (the parser stores a
  // function of its own when none is given, on JSON files and when a module format is given) can
  // be given back; other files are parsed as usual.
  if (typeof options !== "object" || typeof options.setExternalModuleIndicator !== "function") return undefined;
  if (options.languageVersion === ts.ScriptTarget.JSON || options.impliedNodeFormat !== undefined) return undefined;
  return `${options.languageVersion}|${docsDropped}`;
}

/** The function the parser stores on a file parsed with `options` (see `createSourceFile`; {@link optionsKey} took only these). */
function indicatorSetterOf(options: ts.ScriptTarget | ts.CreateSourceFileOptions): unknown {
  return typeof options === "object" ? options.setExternalModuleIndicator : undefined;
}

/** The trees of one compiler, kept in one file (see the module comment). */
export class SyntaxTreeCache {
  private readonly constructors = parserConstructors();
  /** The pack's trees, by file name (decoded lazily). */
  private entries = new Map<string, KnownTree | PackEntry>();
  /** The pack's data section (tables and streams of its entries). */
  private packData: Buffer | undefined;
  private loaded = false;
  /** Files parsed because the pack lacked them: encoded at the next {@link save}. */
  private readonly missed = new Map<string, { options: ts.ScriptTarget | ts.CreateSourceFileOptions; text: string; key: TreeKey }>();
  /** Files whose tree this kernel took or parsed (kept first when the pack is full). */
  private readonly used = new Set<string>();
  /** The {@link saveBetweenTurns} under way. */
  private saving: Promise<void> | undefined;
  /** Trees taken from the pack. */
  hits = 0;
  /** Time spent rebuilding them, ms. */
  rebuildMs = 0;
  /** Whether the pack was read (and its digest checked) ahead, before the compiler loaded (`readAheadFile`). */
  packReadAhead = false;

  /**
   * @param packFile the pack (see {@link syntaxTreePackFile})
   */
  constructor(readonly packFile: string) {}

  /**
   * The tree of `fileName` parsed from `text` with `options`, from the pack when it holds one for
   * the file as it is now; otherwise `undefined`, and the caller parses it (then calls
   * {@link parsed}).
   */
  take(fileName: string, disk: string, text: string, options: ts.ScriptTarget | ts.CreateSourceFileOptions, docsDropped: boolean): ts.SourceFile | undefined {
    this.load();
    const key = this.keyOf(disk, options, docsDropped);
    if (key === undefined) return undefined;
    this.used.add(fileName);
    const known = this.entries.get(fileName);
    if (known === undefined || !sameKey(known, key)) return undefined;
    const started = performance.now();
    try {
      const tree = "tree" in known ? known.tree : this.treeOf(known);
      const file = decodeTree(tree, text, indicatorSetterOf(options), this.constructors);
      this.hits++;
      this.rebuildMs += performance.now() - started;
      return file;
    } catch (error) {
      log(`syntax tree cache: ${fileName} could not be rebuilt (${(error as Error).message}); it is parsed`);
      this.entries.delete(fileName);
      return undefined;
    }
  }

  /** Notes that `fileName` was parsed from `text` because the pack lacked it: its tree is encoded at the next {@link save}. */
  parsed(fileName: string, disk: string, text: string, options: ts.ScriptTarget | ts.CreateSourceFileOptions, docsDropped: boolean): void {
    const key = this.keyOf(disk, options, docsDropped);
    if (key !== undefined) this.missed.set(fileName, { options, text, key });
  }

  /** How many parsed trees the next {@link save} adds. */
  get pending(): number {
    return this.missed.size;
  }

  /**
   * Parses again and encodes the trees the pack lacked, and writes the pack with them and with the
   * pack's other entries whose files have not changed.
   */
  save(): void {
    if (this.missed.size === 0) return;
    this.load();
    for (const fileName of [...this.missed.keys()]) this.encodeMissed(fileName);
    this.write();
  }

  /**
   * What {@link save} does, one file per turn of the event loop, so that requests arriving
   * meanwhile are answered between two files (the kernel calls it once a cell has ended). Resolves
   * once the pack is written; a call while one is under way joins it.
   */
  saveBetweenTurns(): Promise<void> {
    if (this.saving !== undefined) return this.saving;
    if (this.missed.size === 0) return Promise.resolve();
    this.saving = (async () => {
      try {
        this.load();
        for (let next = this.missed.keys().next(); next.done !== true; next = this.missed.keys().next()) {
          this.encodeMissed(next.value);
          await new Promise((resolve) => unguardedSetImmediate(resolve));
        }
        this.write();
      } finally {
        this.saving = undefined;
      }
    })();
    return this.saving;
  }

  /** Parses `fileName` again, as it was parsed, and keeps its tree for the next write. */
  private encodeMissed(fileName: string): void {
    const missed = this.missed.get(fileName);
    this.missed.delete(fileName);
    if (missed === undefined) return;
    try {
      const file = ts.createSourceFile(fileName, missed.text, missed.options, false);
      this.entries.set(fileName, { ...missed.key, tree: encodeTree(file, this.constructors) });
    } catch (error) {
      log(`syntax tree cache: ${fileName} is not cached (${(error as Error).message})`);
    }
  }

  /** Reads the pack (what `tunelab kernel` read ahead and checked, else the file now). */
  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    const ahead = takeReadAhead(this.packFile);
    let data: Buffer | undefined;
    if (ahead === "unread") {
      let bytes: Buffer;
      try {
        bytes = readFileSync(this.packFile);
      } catch {
        return; // no pack yet
      }
      data = intactPart(bytes);
    } else if (ahead === undefined) {
      if (!existsSync(this.packFile)) return;
    } else {
      data = ahead;
      this.packReadAhead = true;
    }
    if (data === undefined) return void log(`syntax tree cache ${this.packFile} could not be read (its digest does not match: damaged, cut, or of an older format); it is rewritten`);
    this.adopt(data);
  }

  /** Takes the pack's index (the trees are decoded when asked for). */
  private adopt(bytes: Buffer): void {
    try {
      const pack = readPack(bytes);
      this.packData = pack.data;
      for (const entry of pack.entries) this.entries.set(entry.file, entry);
    } catch (error) {
      log(`syntax tree cache ${this.packFile} could not be read (${(error as Error).message}); it is rewritten`);
      this.entries.clear();
      this.packData = undefined;
    }
  }

  private treeOf(entry: PackEntry): EncodedTree {
    const data = this.packData as Buffer;
    const [tablesStart, tablesEnd] = entry.tables;
    const [streamStart, streamEnd] = entry.stream;
    if (!(0 <= tablesStart && tablesStart <= tablesEnd && tablesEnd <= data.length && 0 <= streamStart && streamStart <= streamEnd && streamEnd <= data.length)) throw new Error("it lies outside the pack");
    const { strings, shapes } = JSON.parse(data.toString("utf8", tablesStart, tablesEnd)) as { strings: string[]; shapes: string[][] };
    return { bytes: data.subarray(streamStart, streamEnd), strings, shapes };
  }

  private keyOf(disk: string, options: ts.ScriptTarget | ts.CreateSourceFileOptions, docsDropped: boolean): TreeKey | undefined {
    const parseOptions = optionsKey(options, docsDropped);
    if (parseOptions === undefined) return undefined;
    try {
      const stat = statSync(disk);
      return { disk, size: stat.size, mtimeMs: stat.mtimeMs, options: parseOptions };
    } catch {
      return undefined;
    }
  }

  /** Writes the pack: the trees this kernel used first, then the others whose files have not changed, up to {@link MAX_PACK_BYTES}. */
  private write(): void {
    const kept: [string, KnownTree][] = [];
    let bytes = 0;
    const ordered = [...this.entries].sort(([a], [b]) => Number(this.used.has(b)) - Number(this.used.has(a)));
    for (const [fileName, entry] of ordered) {
      if (!this.used.has(fileName)) {
        try {
          const stat = statSync(entry.disk);
          if (stat.size !== entry.size || stat.mtimeMs !== entry.mtimeMs) continue;
        } catch {
          continue;
        }
      }
      let tree: EncodedTree;
      try {
        tree = "tree" in entry ? entry.tree : this.treeOf(entry);
      } catch {
        continue;
      }
      if (bytes + tree.bytes.length > MAX_PACK_BYTES) continue;
      bytes += tree.bytes.length;
      kept.push([fileName, { disk: entry.disk, size: entry.size, mtimeMs: entry.mtimeMs, options: entry.options, tree }]);
    }
    writeAtomically(this.packFile, withTrailingSha1(writePack(kept)));
  }
}

/** Whether a tree made for `known` serves a file as `key` describes it. */
function sameKey(known: TreeKey, key: TreeKey): boolean {
  return known.disk === key.disk && known.size === key.size && known.mtimeMs === key.mtimeMs && known.options === key.options;
}

/**
 * The pack's layout: MAGIC, FORMAT and the length in bytes of the index (three 32-bit integers,
 * little-endian), the index (JSON, UTF-8: the entries' keys and where their parts lie), then the
 * data section: for each entry its tables (JSON of its strings and shapes, parsed only when the
 * tree is taken) and its stream. The file ends with the SHA-1 of all that (code-cache.ts's
 * `withTrailingSha1`), checked before anything is read from it.
 */
function writePack(trees: readonly [string, KnownTree][]): Buffer {
  const entries: PackEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [file, { disk, size, mtimeMs, options, tree }] of trees) {
    const tables = Buffer.from(JSON.stringify({ strings: tree.strings, shapes: tree.shapes }), "utf8");
    entries.push({ file, disk, size, mtimeMs, options, tables: [offset, offset + tables.length], stream: [offset + tables.length, offset + tables.length + tree.bytes.length] });
    parts.push(tables, tree.bytes);
    offset += tables.length + tree.bytes.length;
  }
  const index = Buffer.from(JSON.stringify(entries), "utf8");
  const head = Buffer.alloc(12);
  head.writeInt32LE(MAGIC, 0);
  head.writeInt32LE(FORMAT, 4);
  head.writeInt32LE(index.length, 8);
  return Buffer.concat([head, index, ...parts]);
}

/** Reads a pack written by {@link writePack}; throws when it is not one of this format. */
function readPack(bytes: Buffer): { entries: PackEntry[]; data: Buffer } {
  if (bytes.length < 12 || bytes.readInt32LE(0) !== MAGIC) throw new Error("not a syntax tree pack");
  if (bytes.readInt32LE(4) !== FORMAT) throw new Error(`format ${bytes.readInt32LE(4)}, expected ${FORMAT}`);
  const indexLength = bytes.readInt32LE(8);
  if (indexLength < 0 || 12 + indexLength > bytes.length) throw new Error("its index is cut");
  const entries = JSON.parse(bytes.toString("utf8", 12, 12 + indexLength)) as PackEntry[];
  const data = bytes.subarray(12 + indexLength);
  if (entries.reduce((end, entry) => Math.max(end, entry.stream[1]), 0) !== data.length) throw new Error("its trees do not fill its data section");
  return { entries, data };
}

let shared: SyntaxTreeCache | undefined;

/** The kernel's syntax tree cache, in the folder of the code caches ({@link codeCacheDir}); `undefined` when its file cannot be named. */
export function sharedSyntaxTreeCache(): SyntaxTreeCache | undefined {
  if (shared === undefined) {
    try {
      shared = new SyntaxTreeCache(syntaxTreePackFile(codeCacheDir()));
    } catch (error) {
      log(`no syntax tree cache: ${(error as Error).message}`);
      return undefined;
    }
  }
  return shared;
}

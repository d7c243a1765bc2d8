/**
 * Parsed declaration files kept between kernels. The first program of a kernel parses the
 * TypeScript libraries and the `@types` packages (2.5–3 MB of declarations): about 450 ms on one
 * core, mostly the parser's code warming up, before the first cell can be checked. This cache keeps
 * their syntax trees, encoded, in one file (the pack, beside the compiler's code cache); a later
 * kernel rebuilds each tree from it with a small decoder that gets hot at once, in about a third
 * of that time.
 *
 * A tree is rebuilt exactly as the parser made it: the same constructors (the compiler's
 * `objectAllocator`), the same properties in the same order (so the binder and checker see the
 * same object shapes) and the same values. Only the file's text and the function the parser stores
 * on the file (`setExternalModuleIndicator`) are not encoded: the text is read from the file as
 * before, the function is the one the program passes, as the parser would have stored it. A file is
 * taken from the pack only when its size and modification time, the compiler, the parse options
 * and whether documentation comments were dropped (doc-comments.ts) are those it was encoded with.
 *
 * Encoding: each tree is a stream of unsigned LEB128 integers (7 bits a byte: four values in five
 * are tags and small numbers, one byte each) with a table of its strings and of its object shapes
 * (lists of property names); Int values are zigzag-coded (-1 is 1, 1 is 2):
 *   object: Object, constructor tag, shape, then one value per property of the shape;
 *   array: Array, length, count of named properties (a NodeArray's `pos`, `end`, ...), elements,
 *     then (name, value) pairs; map: Map, size, then (key, value) pairs;
 *   scalars: Int v | Double s (as text, so -0 and NaN survive) | String s | Undefined | Null |
 *     True | False; FileText and IndicatorSetter stand for the two values not encoded;
 *   an object reached more than once (a module's `externalModuleIndicator` is one of its
 *     statements): Shared id before its first occurrence, Ref id for the others.
 * A tree holding a cycle or a value of another kind is not cached.
 *
 * `tunelab kernel` reads the pack ahead and checks its digest on libuv's thread pool
 * (`readAheadFile`). Trees parsed because the pack lacked them are parsed again and encoded after
 * the cell, one file per turn of the event loop ({@link SyntaxTreeCache.saveBetweenTurns}; `tunelab
 * warm-up` does it at once), and written with the pack's other entries that still match their
 * files. Any failure to read or write the pack only costs the time it would have saved.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import ts = require("@tslab/typescript-for-tslab");
import { log } from "../common/log";
import { codeCacheDir, intactPart, syntaxTreePackFile, takeReadAhead, withTrailingSha1, writeAtomically } from "./code-cache";

/** `setImmediate` as it was before cells could wrap it (this module loads with the compiler, before any cell). */
const kernelSetImmediate = setImmediate;

/** Changes when the encoding or the pack's layout changes. */
const FORMAT = 2;

/** The pack's first four bytes. */
const MAGIC = 0x5453_4c54; // "TLST"

/**
 * The pack is not grown beyond this many bytes of trees (entries of files this kernel did not use
 * go first): every kernel reads it whole and keeps it (the libraries and one folder's `@types` take
 * about 5 MB, TensorFlow.js's declarations 4 MB more).
 */
const MAX_PACK_BYTES = 32 * 1024 * 1024;

/** Value tags of the stream. */
const enum Tag {
  Int = 1,
  Double = 2,
  String = 3,
  Undefined = 4,
  Null = 5,
  True = 6,
  False = 7,
  Object = 8,
  Array = 9,
  Map = 10,
  FileText = 11,
  IndicatorSetter = 12,
  /** The first occurrence of an object reached more than once (the file's `externalModuleIndicator` is one of its statements): its id, then the object. */
  Shared = 13,
  /** A later occurrence: the id. */
  Ref = 14,
}

/** The constructors the parser makes objects with, by tag (0: a plain object). */
type Constructors = readonly (new (kind: number, pos: number, end: number) => object)[];

/** The compiler's `objectAllocator` (internal, but exported by the compiler's module). */
interface ObjectAllocator {
  getNodeConstructor(): new (kind: number, pos: number, end: number) => object;
  getTokenConstructor(): new (kind: number, pos: number, end: number) => object;
  getIdentifierConstructor(): new (kind: number, pos: number, end: number) => object;
  getPrivateIdentifierConstructor(): new (kind: number, pos: number, end: number) => object;
  getSourceFileConstructor(): new (kind: number, pos: number, end: number) => object;
}

/** The parser's constructors, in tag order (tag 0 is a plain object). */
function parserConstructors(): Constructors {
  const allocator = (ts as unknown as { objectAllocator: ObjectAllocator }).objectAllocator;
  const plain = Object as unknown as new (kind: number, pos: number, end: number) => object;
  return [plain, allocator.getNodeConstructor(), allocator.getTokenConstructor(), allocator.getIdentifierConstructor(), allocator.getPrivateIdentifierConstructor(), allocator.getSourceFileConstructor()];
}

/** One encoded tree. */
export interface EncodedTree {
  /** The stream (see the module comment). */
  readonly bytes: Uint8Array;
  readonly strings: readonly string[];
  readonly shapes: readonly (readonly string[])[];
}

/** Why a tree cannot be encoded. */
class NotEncodable extends Error {}

/**
 * Encodes the tree `file` as the parser returned it (before binding). Throws when the tree holds
 * something the encoding cannot rebuild.
 */
export function encodeTree(file: ts.SourceFile, constructors: Constructors = parserConstructors()): EncodedTree {
  const tagOfPrototype = new Map<unknown, number>();
  // Several tags may share a constructor (the plain Node serves private identifiers and source files): the first wins, which decodes the same.
  constructors.forEach((constructor, tag) => {
    if (!tagOfPrototype.has(constructor.prototype)) tagOfPrototype.set(constructor.prototype, tag);
  });
  const out = new ByteWriter();
  const emit = (...values: number[]): void => {
    for (const v of values) out.uint(v);
  };
  const strings: string[] = [];
  const stringIds = new Map<string, number>();
  const shapes: string[][] = [];
  const shapeIds = new Map<string, number>();
  const shared = objectsReachedTwice(file);
  const sharedIds = new Map<object, number>();
  const open = new Set<object>();
  const stringId = (text: string): number => {
    let id = stringIds.get(text);
    if (id === undefined) {
      id = strings.length;
      strings.push(text);
      stringIds.set(text, id);
    }
    return id;
  };
  const value = (item: unknown, owner: object, key: string): void => {
    switch (typeof item) {
      case "undefined":
        emit(Tag.Undefined);
        return;
      case "boolean":
        emit(item ? Tag.True : Tag.False);
        return;
      case "number":
        if ((item | 0) === item && !Object.is(item, -0)) emit(Tag.Int, ((item << 1) ^ (item >> 31)) >>> 0);
        else emit(Tag.Double, stringId(Object.is(item, -0) ? "-0" : String(item)));
        return;
      case "string":
        if (owner === file && key === "text") emit(Tag.FileText);
        else emit(Tag.String, stringId(item));
        return;
      case "function":
        if (owner === file && key === "setExternalModuleIndicator") return void emit(Tag.IndicatorSetter);
        throw new NotEncodable(`a function at ${key}`);
      case "object":
        if (item === null) return void emit(Tag.Null);
        return object(item);
      default:
        throw new NotEncodable(`a ${typeof item} at ${key}`);
    }
  };
  const object = (item: object): void => {
    if (open.has(item)) throw new NotEncodable("a cycle");
    if (shared.has(item)) {
      const id = sharedIds.get(item);
      if (id !== undefined) return void emit(Tag.Ref, id);
      sharedIds.set(item, sharedIds.size);
      emit(Tag.Shared, sharedIds.size - 1);
    }
    open.add(item);
    body(item);
    open.delete(item);
  };
  const body = (item: object): void => {
    if (Array.isArray(item)) {
      const named = Object.keys(item).filter((key) => !isIndex(key));
      emit(Tag.Array, item.length, named.length);
      for (let i = 0; i < item.length; i++) value(item[i], item, String(i));
      for (const key of named) {
        emit(stringId(key));
        value((item as unknown as Record<string, unknown>)[key], item, key);
      }
      return;
    }
    if (item instanceof Map) {
      if (Object.keys(item).length > 0) throw new NotEncodable("a map with properties");
      emit(Tag.Map, item.size);
      for (const [key, entry] of item) {
        value(key, item, "key");
        value(entry, item, String(key));
      }
      return;
    }
    const tag = tagOfPrototype.get(Object.getPrototypeOf(item));
    if (tag === undefined) throw new NotEncodable(`an object of another kind (${(item as { constructor?: { name?: string } }).constructor?.name ?? "no constructor"})`);
    const keys = Object.keys(item);
    const shapeKey = keys.join("\0");
    let shape = shapeIds.get(shapeKey);
    if (shape === undefined) {
      shape = shapes.length;
      shapes.push(keys);
      shapeIds.set(shapeKey, shape);
    }
    emit(Tag.Object, tag, shape);
    for (const key of keys) value((item as Record<string, unknown>)[key], item, key);
  };
  object(file);
  return { bytes: out.bytes(), strings, shapes };
}

/** A growing stream of unsigned LEB128 integers. */
class ByteWriter {
  private buffer = new Uint8Array(1 << 16);
  private length = 0;

  /** Appends `value` (0 ≤ value < 2³²). */
  uint(value: number): void {
    if (this.length + 5 > this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    let rest = value >>> 0;
    while (rest >= 0x80) {
      this.buffer[this.length++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buffer[this.length++] = rest;
  }

  bytes(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** The objects of the tree `root` that are reached by more than one path. */
function objectsReachedTwice(root: object): Set<object> {
  const seen = new Set<object>();
  const twice = new Set<object>();
  const visit = (item: unknown): void => {
    if (typeof item !== "object" || item === null) return;
    if (seen.has(item)) return void twice.add(item);
    seen.add(item);
    if (item instanceof Map) for (const [key, entry] of item) (visit(key), visit(entry));
    else for (const key of Object.keys(item)) visit((item as Record<string, unknown>)[key]);
  };
  visit(root);
  return twice;
}

/** Whether `key` is an array index. */
function isIndex(key: string): boolean {
  return /^(0|[1-9]\d*)$/.test(key);
}

/**
 * Rebuilds the tree `encoded` with the file's `text` and the parser's `setExternalModuleIndicator`
 * (see the module comment).
 */
export function decodeTree(encoded: EncodedTree, text: string, indicatorSetter: unknown, constructors: Constructors = parserConstructors()): ts.SourceFile {
  const { bytes, strings, shapes } = encoded;
  const shared: unknown[] = [];
  /** Decoded property values of the objects under way (see Tag.Object). */
  const values: unknown[] = [];
  let at = 0;
  // One unsigned LEB128 integer.
  const uint = (): number => {
    let byte = bytes[at++] as number;
    if (byte < 0x80) return byte;
    let value = byte & 0x7f;
    let shift = 7;
    do {
      byte = bytes[at++] as number;
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte >= 0x80 && shift < 35);
    return value >>> 0;
  };
  const decode = (): unknown => {
    const tag = uint();
    switch (tag) {
      case Tag.Int: {
        const zigzag = uint();
        return (zigzag >>> 1) ^ -(zigzag & 1);
      }
      case Tag.String:
        return strings[uint()];
      case Tag.Undefined:
        return undefined;
      case Tag.Object: {
        const constructorTag = uint();
        const keys = shapes[uint()] as readonly string[];
        // The values first, then the object: the parser's order (children before their parent), so
        // objects are allocated as parsing would allocate them.
        const base = values.length;
        for (let i = 0; i < keys.length; i++) values.push(decode());
        const made = constructorTag === 0 ? ({} as Record<string, unknown>) : new (constructors[constructorTag] as new (kind: number, pos: number, end: number) => Record<string, unknown>)(0, -1, -1);
        for (let i = 0; i < keys.length; i++) made[keys[i] as string] = values[base + i];
        values.length = base;
        return made;
      }
      case Tag.Array: {
        const length = uint();
        const named = uint();
        // Grown by push, as the parser grows its lists: `new Array(length)` would make a holey array,
        // whose element accesses the checker then pays for on every cell.
        const array: unknown[] = [];
        for (let i = 0; i < length; i++) array.push(decode());
        for (let i = 0; i < named; i++) (array as unknown as Record<string, unknown>)[strings[uint()] as string] = decode();
        return array;
      }
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Null:
        return null;
      case Tag.Double:
        return Number(strings[uint()]);
      case Tag.Map: {
        const size = uint();
        const map = new Map<unknown, unknown>();
        for (let i = 0; i < size; i++) {
          const key = decode();
          map.set(key, decode());
        }
        return map;
      }
      case Tag.FileText:
        return text;
      case Tag.IndicatorSetter:
        return indicatorSetter;
      case Tag.Shared: {
        const id = uint();
        return (shared[id] = decode());
      }
      case Tag.Ref:
        return shared[uint()];
      default:
        throw new Error(`syntax tree cache: unknown tag ${tag} at ${at - 1}`);
    }
  };
  const file = decode() as ts.SourceFile;
  if (at !== bytes.length) throw new Error(`syntax tree cache: ${bytes.length - at} bytes left after the tree`);
  return file;
}

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
          await new Promise((resolve) => kernelSetImmediate(resolve));
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
    } else data = ahead;
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

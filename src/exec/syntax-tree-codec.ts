/**
 * The encoding of the syntax tree cache (syntax-tree-cache.ts): a parsed file as a compact stream,
 * and back.
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
 * A tree holding a cycle or a value of another kind is refused ({@link encodeTree} throws: the
 * cache then leaves that file out).
 */
import ts = require("@tslab/typescript-for-tslab");

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
export type Constructors = readonly (new (kind: number, pos: number, end: number) => object)[];

/** The compiler's `objectAllocator` (internal, but exported by the compiler's module). */
interface ObjectAllocator {
  getNodeConstructor(): new (kind: number, pos: number, end: number) => object;
  getTokenConstructor(): new (kind: number, pos: number, end: number) => object;
  getIdentifierConstructor(): new (kind: number, pos: number, end: number) => object;
  getPrivateIdentifierConstructor(): new (kind: number, pos: number, end: number) => object;
  getSourceFileConstructor(): new (kind: number, pos: number, end: number) => object;
}

/** The parser's constructors, in tag order (tag 0 is a plain object). */
export function parserConstructors(): Constructors {
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

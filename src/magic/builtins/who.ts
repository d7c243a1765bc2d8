/**
 * `%who` (the names earlier cells defined) and `%whos` (the same as a table of name, type and a
 * short description), as IPython has them. Both take optional types to list only those, e.g.
 * `%who function` or `%whos Tensor NotebookStudy`.
 */
import { types } from "node:util";
import { MagicError, type LineMagic, type MagicContext, type PositionalSpec } from "../types";

/** The longest description `%whos` shows before cutting it with "…". */
const INFO_WIDTH = 60;

/** A variable as `%whos` shows it. */
export interface VariableSummary {
  readonly name: string;
  /** "number", "string", "function", "class", "Array", "Tensor", or the object's class name. */
  readonly type: string;
  /** The value in short: a primitive's value, an array's length, a tensor's shape, a study's summary. */
  readonly info: string;
}

/** The type and a short description of `value` (see {@link VariableSummary}). */
export function summarizeVariable(name: string, value: unknown): VariableSummary {
  const cut = (text: string): string => (text.length > INFO_WIDTH ? `${text.slice(0, INFO_WIDTH - 1)}…` : text);
  if (value === null || value === undefined) return { name, type: String(value), info: "" };
  switch (typeof value) {
    case "string":
      return { name, type: "string", info: cut(JSON.stringify(value)) };
    case "number":
    case "boolean":
    case "bigint":
    case "symbol":
      return { name, type: typeof value, info: cut(String(value)) };
    case "function": {
      const source = Function.prototype.toString.call(value);
      if (/^class\b/.test(source)) return { name, type: "class", info: `class ${(value as { name: string }).name}` };
      return { name, type: "function", info: cut(`${(value as { name: string }).name || name}(${parameterList(source)})`) };
    }
  }
  if (Array.isArray(value)) return { name, type: "Array", info: arrayShape(value) };
  const object = value as Record<string, unknown>;
  if (isTensorLike(object)) return { name, type: "Tensor", info: `shape [${object.shape.join(", ")}] ${object.dtype}` };
  // node:util's checks hold across realms (a cell's Map may come from another context).
  if (types.isMap(value) || types.isSet(value)) return { name, type: typeName(value, types.isMap(value) ? "Map" : "Set"), info: `size ${(value as { size: number }).size}` };
  if (types.isTypedArray(value)) return { name, type: typeName(value, "TypedArray"), info: `length ${value.length}` };
  const type = (object.constructor as { name?: string } | undefined)?.name || "Object";
  const custom = object.toString;
  if (typeof custom === "function" && custom !== Object.prototype.toString) {
    const text = String(custom.call(object));
    if (!text.startsWith("[object ")) return { name, type, info: cut(text.split("\n")[0]!) };
  }
  const keys = Object.keys(object);
  return { name, type, info: cut(`{${keys.slice(0, 8).join(", ")}${keys.length > 8 ? ", …" : ""}}`) };
}

function typeName(value: object, fallback: string): string {
  return (value.constructor as { name?: string } | undefined)?.name || fallback;
}

/** "455×30" for rows of equal length, "455" otherwise. */
function arrayShape(value: readonly unknown[]): string {
  const first = value[0];
  if (Array.isArray(first) && value.every((row) => Array.isArray(row) && row.length === first.length)) return `${value.length}×${first.length}`;
  return `length ${value.length}`;
}

/** The text between a function's first parentheses, without comments or newlines. */
function parameterList(source: string): string {
  const open = source.indexOf("(");
  if (open < 0) return source.split("=>")[0]!.trim();
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (source[i] === "(") depth++;
    else if (source[i] === ")" && --depth === 0) return source.slice(open + 1, i).replace(/\s+/g, " ").trim();
  }
  return "…";
}

function isTensorLike(value: Record<string, unknown>): value is { shape: number[]; dtype: string } & Record<string, unknown> {
  return Array.isArray(value["shape"]) && typeof value["dtype"] === "string" && typeof value["dataSync"] === "function";
}

/** The defined names with their summaries, sorted by name, keeping only `types` when given. */
function listVariables(context: MagicContext, types: readonly string[], magic: string): { listed: VariableSummary[]; nothingListed: string } {
  if (context.names === undefined) throw new MagicError(`%${magic} needs a kernel that can list the notebook's names`);
  const wanted = new Set(types.map((t) => t.toLowerCase()));
  const all = context.names().map((name) => summarizeVariable(name, context.lookup(name)));
  const listed = all.filter((summary) => wanted.size === 0 || wanted.has(summary.type.toLowerCase())).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { listed, nothingListed: nothingListed(all, types) };
}

/** What %who and %whos say when they list nothing: an empty namespace, or (as IPython) no variable of the types asked for, naming the types there are. */
function nothingListed(all: readonly VariableSummary[], types: readonly string[]): string {
  if (all.length === 0) return "Interactive namespace is empty.\n";
  const present = [...new Set(all.map((v) => v.type))].sort();
  return `No variables match your requested type${types.length === 1 ? "" : "s"} (${types.join(", ")}); the notebook's variables are of type${present.length === 1 ? "" : "s"} ${present.join(", ")}.\n`;
}

const TYPES: PositionalSpec = { name: "types", description: "only variables of these types (number, string, function, class, Array, Tensor, a class name)", rest: true };

function typesOf(args: Readonly<Record<string, unknown>>): string[] {
  const value = args["types"];
  return Array.isArray(value) ? (value as string[]) : typeof value === "string" ? [value] : [];
}

/** `%who [TYPE ...]`: the names earlier cells defined, sorted. */
export const whoMagic: LineMagic = {
  kind: "line",
  name: "who",
  summary: "List the variables, functions and classes earlier cells defined.",
  positionals: [TYPES],
  help: "Examples:\n  %who\n  %who function\n  %who Tensor NotebookStudy",
  run(args, context) {
    const { listed, nothingListed } = listVariables(context, typesOf(args), "who");
    context.stdout(listed.length === 0 ? nothingListed : `${listed.map((v) => v.name).join("\t")}\n`);
    return undefined;
  },
};

/** `%whos [TYPE ...]`: the same as a table of name, type and a short description. */
export const whosMagic: LineMagic = {
  kind: "line",
  name: "whos",
  summary: "Like %who, as a table with each variable's type and a short description.",
  positionals: [TYPES],
  help: "Example:\n  %whos\nVariable   Type           Data/Info\n---------------------------------------\nstudy      NotebookStudy  Study \"study\" (maximize val_acc): …",
  run(args, context) {
    const { listed: rows, nothingListed } = listVariables(context, typesOf(args), "whos");
    if (rows.length === 0) {
      context.stdout(nothingListed);
      return undefined;
    }
    const nameWidth = Math.max("Variable".length, ...rows.map((r) => r.name.length));
    const typeWidth = Math.max("Type".length, ...rows.map((r) => r.type.length));
    const line = (name: string, type: string, info: string): string => `${name.padEnd(nameWidth)}   ${type.padEnd(typeWidth)}   ${info}`.trimEnd();
    const header = line("Variable", "Type", "Data/Info");
    const table = [header, "-".repeat(header.length + 10), ...rows.map((r) => line(r.name, r.type, r.info))];
    context.stdout(`${table.join("\n")}\n`);
    return undefined;
  },
};

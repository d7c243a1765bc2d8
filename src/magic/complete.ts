/**
 * Editor support on magic lines: completion of magic names, options, option choices and the
 * notebook names an argument takes, inspection (a magic's help), and whether a cell with magics is
 * complete (for `is_complete_request`). Positions inside
 * TypeScript are left to the kernel's compiler, through `codeView`.
 */
import { parseCell, type CellMagicCall, type LineMagicCall } from "./parse";
import { rawCodeStart } from "./positions";
import { prefix, type MagicRegistry } from "./registry";
import { formatHelp } from "./args";
import type { CellMagic, Magic, OptionSpec, PositionalSpec } from "./types";

/** Completions for the text `[cursorStart, cursorEnd)` of the cell (offsets as in `codeView`). */
export interface MagicCompletion {
  readonly matches: readonly string[];
  readonly cursorStart: number;
  readonly cursorEnd: number;
}

const kebab = (name: string): string => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** Every way to write an option: `--name`, `--no-name` for booleans, `-n`. */
function optionWords(options: readonly OptionSpec[]): string[] {
  const words = options.flatMap((option) => [
    `--${kebab(option.name)}`,
    ...(option.type === "boolean" ? [`--no-${kebab(option.name)}`] : []),
    ...(option.short === undefined ? [] : [`-${option.short}`]),
  ]);
  if (!options.some((option) => option.name === "help")) words.push("--help");
  return words.sort();
}

function findOption(options: readonly OptionSpec[], written: string): OptionSpec | undefined {
  return options.find((option) => `--${kebab(option.name)}` === written || `--${option.name}` === written || `-${option.short}` === written);
}

function isFirstNonBlankLine(cell: string, lineStart: number): boolean {
  return cell.slice(0, lineStart).trim() === "";
}

/** What earlier cells defined, for completing arguments that name notebook values. */
export interface NotebookNames {
  names(): readonly string[];
  lookup(name: string): unknown;
}

/**
 * Completions at `cursor` when it is on a magic line: magic names after `%`/`%%`, option names
 * after `-`, an option's or a positional's choices (`--strategy ra` → `random`, `--strategy=ra`),
 * and the notebook names an option or positional takes (`--objective ` → the notebook's functions,
 * `--data xTrain,` → its variables, `%tune_plot ` → its studies). In the body of a cell magic that
 * completes its own body (`%%tune`'s search space), that magic's completions.
 *
 * @param notebook the names earlier cells defined; without it no notebook name is offered
 * @returns `undefined` when the cursor is not on a magic line (complete TypeScript instead);
 *   empty `matches` on a magic line with nothing to offer
 */
export function completeMagic(cell: string, cursor: number, registry: MagicRegistry, notebook?: NotebookNames): MagicCompletion | undefined {
  const lineStart = cell.lastIndexOf("\n", cursor - 1) + 1;
  const before = cell.slice(lineStart, cursor);
  const nameMatch = /^(%{1,2})(\w*)$/.exec(before);
  if (nameMatch !== null) {
    const [, percents, partial] = nameMatch;
    const lineEnd = cursor + (/^\w*/.exec(cell.slice(cursor))?.[0].length ?? 0);
    const cellMagics = isFirstNonBlankLine(cell, lineStart) ? registry.list("cell") : [];
    const candidates: Magic[] = percents === "%%" ? cellMagics : [...registry.list("line"), ...cellMagics];
    const matches = candidates.filter((magic) => magic.name.startsWith(partial)).map((magic) => `${prefix(magic.kind)}${magic.name}`);
    return { matches, cursorStart: lineStart, cursorEnd: lineEnd };
  }
  const body = bodyAt(cell, cursor, registry);
  if (body !== undefined) {
    const found = body.magic.completeBody!(body.call.body, cursor - body.call.bodyStart);
    return { matches: found.matches, cursorStart: body.call.bodyStart + found.start, cursorEnd: body.call.bodyStart + found.end };
  }
  const call = magicCallAt(cell, cursor);
  if (call === undefined) return undefined;
  const codeStart = call.kind === "line-magic" ? rawCodeStart(call, registry) : undefined;
  if (codeStart !== undefined && cursor >= codeStart) return undefined; // in `%time <code>`: TypeScript
  const magic = call.kind === "cell-magic" ? registry.findCell(call.name) : registry.findLine(call.name);
  const argsBefore = cell.slice(call.argStart, cursor);
  const word = /[^\s]*$/.exec(argsBefore)?.[0] ?? "";
  const wordStart = cursor - word.length;
  const wordEnd = cursor + (/^[^\s]*/.exec(cell.slice(cursor))?.[0].length ?? 0);
  const none: MagicCompletion = { matches: [], cursorStart: cursor, cursorEnd: cursor };
  if (magic === undefined) return none;
  const options = magic.options ?? [];
  // The value of an option or positional: its choices, or the notebook names it takes.
  const valueOf = (spec: OptionSpec | PositionalSpec, written: string, start: number): MagicCompletion => {
    // A list (`--data xTrain,yTr`) completes its last item.
    const item = "type" in spec && spec.type === "list" ? written.slice(written.lastIndexOf(",") + 1) : written;
    const itemStart = start + written.length - item.length;
    const words = spec.choices ?? (spec.takes === undefined || notebook === undefined ? [] : namesTaken(notebook, spec.takes, item));
    return { matches: words.filter((choice) => choice.startsWith(item)), cursorStart: itemStart, cursorEnd: wordEnd };
  };
  const equals = word.indexOf("=");
  if (word.startsWith("-") && equals !== -1) {
    const option = findOption(options, word.slice(0, equals));
    return option === undefined ? { ...none, cursorStart: wordStart + equals + 1, cursorEnd: wordEnd } : valueOf(option, word.slice(equals + 1), wordStart + equals + 1);
  }
  if (word.startsWith("-")) {
    return { matches: optionWords(options).filter((option) => option.startsWith(word)), cursorStart: wordStart, cursorEnd: wordEnd };
  }
  const earlier = argsBefore.slice(0, argsBefore.length - word.length).split(/\s+/).filter((w) => w !== "" && w !== "\\");
  const previous = earlier[earlier.length - 1];
  const option = previous === undefined ? undefined : findOption(options, previous);
  if (option !== undefined && option.type !== "boolean") return valueOf(option, word, wordStart);
  const positional = positionalAt(magic.positionals ?? [], earlier, options);
  return positional === undefined ? none : valueOf(positional, word, wordStart);
}

/**
 * The notebook's names whose values `takes` accepts, sorted; for a dotted `written`
 * (`split.xT`), the properties of the value before its last dot (`split.xTrain`, `split.xTest`).
 */
function namesTaken(notebook: NotebookNames, takes: (value: unknown) => boolean, written: string): string[] {
  const accepts = (value: () => unknown): boolean => {
    try {
      return takes(value());
    } catch {
      return false; // a value that throws when looked at is not offered
    }
  };
  const dot = written.lastIndexOf(".");
  if (dot < 0) return notebook.names().filter((name) => accepts(() => notebook.lookup(name))).sort();
  const [first, ...path] = written.slice(0, dot).split(".");
  let value: unknown;
  let keys: string[];
  try {
    value = path.reduce((object: unknown, key) => (object as Record<string, unknown> | null | undefined)?.[key], notebook.lookup(first!));
    keys = typeof value === "object" && value !== null ? Object.keys(value) : [];
  } catch {
    return []; // a getter or a Proxy's trap that throws
  }
  return keys
    .filter((key) => accepts(() => (value as Record<string, unknown>)[key]))
    .map((key) => `${written.slice(0, dot)}.${key}`)
    .sort();
}

/** The positional the next word fills, given the words before it (options and their values skipped). */
function positionalAt(positionals: readonly PositionalSpec[], earlier: readonly string[], options: readonly OptionSpec[]): PositionalSpec | undefined {
  let count = 0;
  for (let i = 0; i < earlier.length; i++) {
    const word = earlier[i]!;
    if (word.startsWith("-")) {
      const option = findOption(options, word);
      if (option !== undefined && option.type !== "boolean" && !word.includes("=")) i++;
    } else count++;
  }
  const last = positionals[positionals.length - 1];
  return positionals[count] ?? (last?.rest === true ? last : undefined);
}

/** The cell magic whose body holds `cursor`, when that magic completes its own body. */
function bodyAt(cell: string, cursor: number, registry: MagicRegistry): { readonly call: CellMagicCall; readonly magic: CellMagic } | undefined {
  let parsed;
  try {
    parsed = parseCell(cell);
  } catch {
    return undefined;
  }
  if (parsed.kind !== "cell-magic" || cursor <= parsed.magic.end || cursor < parsed.magic.bodyStart) return undefined;
  const magic = registry.findCell(parsed.magic.name);
  return magic?.completeBody === undefined ? undefined : { call: parsed.magic, magic };
}

/**
 * What `inspect_request` shows on a magic: its help on its name or in a body it completes itself
 * (`%%tune`'s search space), an option's description on the option, as IPython's `%magic?`.
 * @returns `undefined` off magic lines and in code a magic runs (`%time f(x)`, `%%time`'s body)
 */
export function inspectMagic(cell: string, cursor: number, registry: MagicRegistry): string | undefined {
  const body = bodyAt(cell, cursor, registry);
  if (body !== undefined) return formatHelp(body.magic);
  const call = magicCallAt(cell, cursor, true);
  if (call === undefined) return undefined;
  const codeStart = call.kind === "line-magic" ? rawCodeStart(call, registry) : undefined;
  if (codeStart !== undefined && cursor >= codeStart) return undefined;
  const magic = call.kind === "cell-magic" ? registry.findCell(call.name) : registry.findLine(call.name);
  if (magic === undefined) return undefined;
  const at = /[^\s]*$/.exec(cell.slice(call.argStart > cursor ? call.start : call.argStart, cursor))?.[0] ?? "";
  const word = at + (/^[^\s]*/.exec(cell.slice(cursor))?.[0] ?? "");
  const option = word.startsWith("-") ? findOption(magic.options ?? [], word.split("=")[0]!) : undefined;
  if (option === undefined) return formatHelp(magic);
  const metavar = option.type === "boolean" ? "" : ` ${option.metavar ?? option.name.toUpperCase()}`;
  const choices = option.choices === undefined ? "" : ` (${option.choices.join("|")})`;
  const fallback = option.default === undefined ? "" : ` (default: ${String(option.default)})`;
  return `--${kebab(option.name)}${metavar}${choices}: ${option.description}${fallback}`;
}

/** The magic call whose header or line holds `cursor` (ends included), if any. */
function magicCallAt(cell: string, cursor: number, withName = false): LineMagicCall | CellMagicCall | undefined {
  let parsed;
  try {
    parsed = parseCell(cell);
  } catch {
    return undefined; // a malformed magic line: nothing sensible to complete
  }
  const inside = (call: LineMagicCall | CellMagicCall): boolean => cursor >= (withName ? call.start : call.argStart) && cursor <= call.end;
  if (parsed.kind === "cell-magic") return inside(parsed.magic) ? parsed.magic : undefined;
  return parsed.segments.find((segment): segment is LineMagicCall => segment.kind === "line-magic" && inside(segment));
}

/**
 * Whether a cell ends with a blank line, as IPython's `check_complete` reads it: the cell (with a
 * newline added unless one follows its last text) split into lines, the last of them blank.
 */
function endsWithBlankLine(cell: string): boolean {
  const text = /\n[^\S\n]*$/.test(cell) ? cell : `${cell}\n`;
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [""];
  return lines[lines.length - 1]!.trim() === "";
}

/**
 * Whether a cell is complete as far as its magics go, for `is_complete_request`:
 * `"invalid"` for a malformed magic line, `"incomplete"` when a magic's arguments end in a `\`
 * continuation, for a cell magic as IPython answers: `"complete"` once a blank line ends it (its
 * body belongs to the magic, so a console keeps reading lines until then), else `"incomplete"`;
 * and `undefined` when the answer depends on the TypeScript (ask the compiler about
 * `codeView(cell).code`).
 */
export function magicCompleteness(cell: string): "complete" | "incomplete" | "invalid" | undefined {
  let parsed;
  try {
    parsed = parseCell(cell);
  } catch {
    return "invalid";
  }
  const endsInContinuation = (call: LineMagicCall | CellMagicCall): boolean =>
    cell.slice(call.start, call.end).trimEnd().endsWith("\\") && cell.slice(call.end).trim() === "";
  if (parsed.kind === "cell-magic") return endsInContinuation(parsed.magic) || !endsWithBlankLine(cell) ? "incomplete" : "complete";
  const last = parsed.segments[parsed.segments.length - 1];
  if (last?.kind === "line-magic" && endsInContinuation(last)) return "incomplete";
  return undefined;
}

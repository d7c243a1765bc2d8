/**
 * Editor support on magic lines: completion of magic names, options and option choices, and
 * whether a cell with magics is complete (for `is_complete_request`). Positions inside
 * TypeScript are left to the kernel's compiler, through `codeView`.
 */
import { parseCell, type CellMagicCall, type LineMagicCall } from "./parse";
import { rawCodeStart } from "./positions";
import { prefix, type MagicRegistry } from "./registry";
import type { Magic, OptionSpec } from "./types";

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

/**
 * Completions at `cursor` when it is on a magic line: magic names after `%`/`%%`, option names
 * after `-`, and an option's choices after it (`--strategy ra` → `random`, `--strategy=ra`).
 *
 * @returns `undefined` when the cursor is not on a magic line (complete TypeScript instead);
 *   empty `matches` on a magic line with nothing to offer
 */
export function completeMagic(cell: string, cursor: number, registry: MagicRegistry): MagicCompletion | undefined {
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
  const equals = word.indexOf("=");
  if (word.startsWith("-") && equals !== -1) {
    const option = findOption(options, word.slice(0, equals));
    const partial = word.slice(equals + 1);
    const choices = option?.choices?.filter((choice) => choice.startsWith(partial)) ?? [];
    return { matches: choices, cursorStart: wordStart + equals + 1, cursorEnd: wordEnd };
  }
  if (word.startsWith("-")) {
    return { matches: optionWords(options).filter((option) => option.startsWith(word)), cursorStart: wordStart, cursorEnd: wordEnd };
  }
  const previous = /(\S+)\s+\S*$/.exec(argsBefore)?.[1];
  const option = previous === undefined ? undefined : findOption(options, previous);
  if (option?.choices !== undefined) {
    return { matches: option.choices.filter((choice) => choice.startsWith(word)), cursorStart: wordStart, cursorEnd: wordEnd };
  }
  return none;
}

/** The magic call whose header or line holds `cursor` (ends included), if any. */
function magicCallAt(cell: string, cursor: number): LineMagicCall | CellMagicCall | undefined {
  let parsed;
  try {
    parsed = parseCell(cell);
  } catch {
    return undefined; // a malformed magic line: nothing sensible to complete
  }
  const inside = (call: LineMagicCall | CellMagicCall): boolean => cursor >= call.argStart && cursor <= call.end;
  if (parsed.kind === "cell-magic") return inside(parsed.magic) ? parsed.magic : undefined;
  return parsed.segments.find((segment): segment is LineMagicCall => segment.kind === "line-magic" && inside(segment));
}

/**
 * Whether a cell is complete as far as its magics go, for `is_complete_request`:
 * `"invalid"` for a malformed magic line, `"incomplete"` when a magic's arguments end in a `\`
 * continuation, `"complete"` for a cell magic (its body belongs to the magic), and `undefined`
 * when the answer depends on the TypeScript (ask the compiler about `codeView(cell).code`).
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
  if (parsed.kind === "cell-magic") return endsInContinuation(parsed.magic) ? "incomplete" : "complete";
  const last = parsed.segments[parsed.segments.length - 1];
  if (last?.kind === "line-magic" && endsInContinuation(last)) return "incomplete";
  return undefined;
}

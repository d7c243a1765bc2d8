/**
 * Variable expansion in a magic's line, as IPython does it (`var_expand`): before a magic parses
 * its arguments, `{expression}` is replaced by the value of the TypeScript expression evaluated in
 * the notebook's scope, and `$name` (or `$name.field`) by the value of that variable. `{{`, `}}` and
 * `$$` stand for a literal `{`, `}` and `$`. A magic whose line is code (`%time`) opts out with
 * `expandsLine: false`.
 *
 * ```
 * %%tune --trials {trials * 2} --epochs $epochs --out study_$run
 * ```
 */
import { messageOf } from "../common/errors";
import { MagicError } from "./types";

/** A line after expansion, with the way back to offsets of the original text. */
export interface ExpandedLine {
  readonly text: string;
  /** For each offset of `text` (and one past its end), the offset in the original text. */
  readonly sourceOffset: readonly number[];
  /** Each substitution as written (`{name}`, `$name`) and the text it gave. */
  readonly substitutions: readonly Substitution[];
}

/** One `{expression}` or `$name` of a line and the text it was replaced by. */
export interface Substitution {
  readonly written: string;
  readonly text: string;
}

/** One part of a magic line: a literal character (escapes already undone), or a substitution. */
type Token =
  | { readonly kind: "char"; readonly char: string; readonly at: number }
  | { readonly kind: "expression"; readonly expression: string; readonly start: number; readonly end: number };

const NAME_PATH = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*/;
const ESCAPES = new Set(["{{", "}}", "$$"]);

/**
 * Splits a magic line into literal characters and substitutions.
 * @throws MagicError for a `{` without its `}`, or `{}` (with `line`, the magic's line in the cell)
 */
function tokenize(text: string, line: number): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (ESCAPES.has(text.slice(i, i + 2))) {
      tokens.push({ kind: "char", char, at: i });
      i += 2;
    } else if (char === "{") {
      const end = closingBrace(text, i);
      if (end < 0) throw new MagicError(`"{" at column ${i + 1} has no matching "}" (write "{{" for a literal brace)`, line);
      const expression = text.slice(i + 1, end).trim();
      if (expression === "") throw new MagicError(`"{}" at column ${i + 1} holds no expression (write "{{}}" for literal braces)`, line);
      tokens.push({ kind: "expression", expression, start: i, end: end + 1 });
      i = end + 1;
    } else {
      const name = char === "$" ? NAME_PATH.exec(text.slice(i + 1))?.[0] : undefined;
      if (name !== undefined) {
        tokens.push({ kind: "expression", expression: name, start: i, end: i + 1 + name.length });
        i += 1 + name.length;
      } else {
        tokens.push({ kind: "char", char, at: i });
        i++;
      }
    }
  }
  return tokens;
}

/** The offset of the `}` closing the `{` at `open`, skipping nested braces and string literals; -1 if none. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const char = text[i]!;
    if (char === '"' || char === "'" || char === "`") {
      const close = text.indexOf(char, i + 1);
      if (close < 0) return -1;
      i = close;
    } else if (char === "{") depth++;
    else if (char === "}" && --depth === 0) return i;
  }
  return -1;
}

/** How a substituted value reads in the line: strings as they are, arrays and records as JSON. */
function lineText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** True when `text` holds something {@link expandMagicLine} would change. */
export function hasExpansion(text: string): boolean {
  return /[{}]|\$(?:\$|[A-Za-z_$])/.test(text);
}

/**
 * Expands `{expression}` and `$name` in a magic's argument text.
 * @param evaluate evaluates a TypeScript expression in the notebook's scope
 * @param label the magic as written (`%%tune`), for messages
 * @param lineOf the cell line of an offset in `text`
 * @throws MagicError naming the magic line when an expression fails to evaluate
 */
export async function expandMagicLine(
  text: string,
  evaluate: (expression: string) => Promise<unknown>,
  label: string,
  lineOf: (offset: number) => number,
): Promise<ExpandedLine> {
  if (!hasExpansion(text)) return { text, sourceOffset: Array.from({ length: text.length + 1 }, (_, i) => i), substitutions: [] };
  let expanded = "";
  const sourceOffset: number[] = [];
  const substitutions: Substitution[] = [];
  for (const token of tokenize(text, lineOf(0))) {
    if (token.kind === "char") {
      expanded += token.char;
      sourceOffset.push(token.at);
      continue;
    }
    let value: unknown;
    try {
      value = await evaluate(`(${token.expression})`);
    } catch (error) {
      const written = text.slice(token.start, token.end);
      throw new MagicError(`${label}: cannot expand ${written}: ${messageOf(error).split("\n")[0]}`, lineOf(token.start));
    }
    const substituted = lineText(value);
    for (let k = 0; k < substituted.length; k++) sourceOffset.push(token.start);
    expanded += substituted;
    substitutions.push({ written: text.slice(token.start, token.end), text: substituted });
  }
  sourceOffset.push(text.length);
  return { text: expanded, sourceOffset, substitutions };
}

/**
 * What to add to an argument error of an expanded line whose substitutions gave spaces or quotes:
 * those split and quote the line as if written there (as in IPython), which the error alone does
 * not show. Names the substitutions, their text, and how to keep each one argument; "" when none.
 */
export function splittingNote(substitutions: readonly Substitution[]): string {
  const splitting = substitutions.filter((substitution) => /[\s"'\\]/.test(substitution.text));
  if (splitting.length === 0) return "";
  const described = splitting.map(({ written, text }) => {
    const quote = text.includes('"') ? "'" : '"';
    const keep = text.includes('"') && text.includes("'") ? "" : `; ${quote}${written}${quote} keeps it one argument`;
    return `${written} gave ${JSON.stringify(text)}${keep}`;
  });
  return ` (after expansion: ${described.join(", ")}; spaces and quotes in a value split and quote the line as written ones do)`;
}

/**
 * The lexical layer of the search-space grammar (space-grammar.ts): tokens of a distribution
 * expression, a token reader with one-token look-ahead, and the scan for what lies outside string
 * literals (comments, top-level commas, the `if` of a condition). Every error names the cell line.
 */
import { MagicError } from "../types";
import type { ParamValue } from "../../engine/types";

export type Token =
  | { readonly kind: "number"; readonly value: number; readonly text: string }
  | { readonly kind: "string"; readonly value: string; readonly text: string }
  | { readonly kind: "word"; readonly value: string; readonly text: string }
  | { readonly kind: "punct"; readonly value: "(" | ")" | "[" | "]" | "," | "="; readonly text: string };

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const WORD = /^[A-Za-z_$][\w$]*/;

/** Splits one distribution expression into tokens; comments are already removed. */
export function tokenize(text: string, line: number): Token[] {
  const tokens: Token[] = [];
  let rest = text;
  while (rest.length > 0) {
    const space = /^\s+/.exec(rest);
    if (space) {
      rest = rest.slice(space[0].length);
      continue;
    }
    const c = rest[0]!;
    if ("()[],=".includes(c)) {
      tokens.push({ kind: "punct", value: c as "(" | ")" | "[" | "]" | "," | "=", text: c });
      rest = rest.slice(1);
      continue;
    }
    if (c === '"' || c === "'") {
      const end = findStringEnd(rest, c);
      if (end < 0) throw new MagicError(`unterminated string ${rest}: add the closing ${c}`, line);
      const literal = rest.slice(0, end + 1);
      const json = c === '"' ? literal : `"${literal.slice(1, -1).replace(/\\'/g, "'").replace(/"/g, '\\"')}"`;
      let value: string;
      try {
        value = JSON.parse(json) as string;
      } catch {
        throw new MagicError(`invalid string ${literal}`, line);
      }
      tokens.push({ kind: "string", value, text: literal });
      rest = rest.slice(end + 1);
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: "number", value: Number(number[0]), text: number[0] });
      rest = rest.slice(number[0].length);
      continue;
    }
    const word = WORD.exec(rest);
    if (word) {
      tokens.push({ kind: "word", value: word[0], text: word[0] });
      rest = rest.slice(word[0].length);
      continue;
    }
    // `{expression}` and `$name` are read on the %%tune line only (as IPython reads magic lines).
    const hint = c === "{" ? "; {expression} is replaced by its value on the %%tune line only: write the value itself here" : "";
    throw new MagicError(`unexpected character "${c}" in "${text.trim()}"${hint}`, line);
  }
  return tokens;
}

/** Index of the quote closing the string that opens at 0, or -1. */
function findStringEnd(text: string, quote: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

/** Removes a trailing `#` or `//` comment that is outside any string. */
export function stripComment(text: string): string {
  for (const { i } of outsideStrings(text)) {
    if (text[i] === "#" || (text[i] === "/" && text[i + 1] === "/")) return text.slice(0, i);
  }
  return text;
}

/**
 * The positions of `text` outside string literals, in order, each with the bracket depth there
 * (`(` and `[` open, `)` and `]` close): the one scan behind comments, argument lists and `if`.
 */
export function* outsideStrings(text: string): Generator<{ readonly i: number; readonly depth: number }> {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== undefined) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      continue;
    }
    yield { i, depth };
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
  }
}

/** Splits `text` at the commas outside brackets, parentheses and strings. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const { i, depth } of outsideStrings(text)) {
    if (depth === 0 && text[i] === ",") {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Splits `text` at the first word `if` outside brackets, parentheses and strings. */
export function splitCondition(text: string): { distribution: string; condition?: string } {
  for (const { i, depth } of outsideStrings(text)) {
    if (depth === 0 && /\s/.test(text[i - 1] ?? " ") && text.startsWith("if", i) && /[\s]|^$/.test(text[i + 2] ?? "")) {
      return { distribution: text.slice(0, i), condition: text.slice(i + 2) };
    }
  }
  return { distribution: text };
}

/** A call argument: a value, or `name=value`. */
export interface Argument {
  readonly name?: string;
  /** A bare word such as `log` (not a value). */
  readonly flag?: boolean;
  readonly value: ParamValue;
  readonly text: string;
}

/** Reads tokens with one-token look-ahead, reporting errors against one cell line. */
export class TokenReader {
  private index = 0;
  constructor(private readonly tokens: readonly Token[], readonly line: number) {}

  peek(): Token | undefined {
    return this.tokens[this.index];
  }

  next(expected: string): Token {
    const token = this.tokens[this.index++];
    if (token === undefined) throw new MagicError(`expected ${expected} but the line ended`, this.line);
    return token;
  }

  expect(value: string, expected: string): void {
    const token = this.next(expected);
    if (token.text !== value) throw new MagicError(`expected ${expected} but found "${token.text}"`, this.line);
  }

  atEnd(): boolean {
    return this.index >= this.tokens.length;
  }

  /** A JSON scalar: number, string, true, false or null. */
  scalar(): ParamValue {
    const token = this.next("a value");
    if (token.kind === "number" || token.kind === "string") return token.value;
    if (token.kind === "word") {
      if (token.value === "true") return true;
      if (token.value === "false") return false;
      if (token.value === "null") return null;
    }
    throw new MagicError(
      `expected a value (a number, a "string", true, false or null) but found "${token.text}"`,
      this.line,
    );
  }

  /** `v1, v2, ...` up to the closing bracket, which is consumed. */
  list(close: ")" | "]"): Argument[] {
    const items: Argument[] = [];
    if (this.peek()?.text === close) {
      this.index++;
      return items;
    }
    for (;;) {
      const first = this.peek();
      const second = this.tokens[this.index + 1];
      let name: string | undefined;
      if (first?.kind === "word" && second?.text === "=") {
        name = first.value;
        this.index += 2;
      }
      const start = this.peek();
      if (name === undefined && start?.kind === "word" && !["true", "false", "null"].includes(start.value)) {
        this.index++;
        items.push({ flag: true, value: start.value, text: start.text });
      } else {
        const value = this.scalar();
        items.push(name === undefined ? { value, text: start?.text ?? "" } : { name, value, text: `${name}=${start?.text ?? ""}` });
      }
      const separator = this.next(`"," or "${close}"`);
      if (separator.text === close) return items;
      if (separator.text !== ",") {
        throw new MagicError(`expected "," or "${close}" but found "${separator.text}"`, this.line);
      }
    }
  }
}

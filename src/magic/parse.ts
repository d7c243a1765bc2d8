/**
 * Cell → structure: which parts of a notebook cell are magics, help requests and TypeScript.
 *
 * Grammar (IPython's, made safe for TypeScript):
 * - **Cell magic**: the cell's first non-blank line is `%%name args`; the arguments may continue
 *   on following lines while a line ends in `\`. The rest of the cell is the magic's body.
 * - **Line magic**: a line `%name args` (again with `\` continuations) standing at column 0, at the
 *   top level of the cell: not inside a string, template literal, comment, regular expression or
 *   bracket, and not continuing an expression (the previous code does not end in an operator such
 *   as `+`, `=`, `,` or `%`). The `%` must be followed directly by the name, and the name by a
 *   space or the end of the line, so `a % b`, `% b` and `x %= 2` stay TypeScript.
 * - **Help request**: `name?`, `name??`, `?name` or `??name` alone on a top-level line (`name` may
 *   be dotted, `a.b.c`, or a magic, `%time?`, `%%capture?`). `??` asks for more detail. Ternaries
 *   (`a ? b : c`), optional chaining (`a?.b`) and `a ??` continued on an indented line are not help.
 * - Everything else is TypeScript, split into code segments around the line magics and help
 *   requests so the kernel runs them in order.
 *
 * Offsets are UTF-16 indices into the cell string (JavaScript string indices); lines are 1-based.
 *
 * Longer than our usual file: it is one scanner (strings, template literals, comments, regular
 * expressions, brackets and the magic/help line rules share its state), which reads best whole.
 */
import { MagicError } from "./types";

/** Where a part of the cell lies: offsets `[start, end)` into the cell and the line of `start`. */
export interface CellRange {
  readonly start: number;
  readonly end: number;
  /** 1-based line of `start`. */
  readonly line: number;
}

/** A run of TypeScript lines between magics. */
export interface CodeSegment extends CellRange {
  readonly kind: "code";
  /** The exact text of the lines (`cell.slice(start, end)`). */
  readonly code: string;
}

/** A `%name args` line (with its `\` continuation lines). */
export interface LineMagicCall extends CellRange {
  readonly kind: "line-magic";
  readonly name: string;
  /** The raw text after the name, continuations included (split it with `splitArgs`). */
  readonly argText: string;
  /** Offset in the cell where `argText` starts. */
  readonly argStart: number;
}

/** `name?`, `name??`, `?name`, `%magic?` … alone on a line. */
export interface HelpRequest extends CellRange {
  readonly kind: "help";
  /** The symbol (possibly dotted) or magic name asked about, without `%` and `?`. */
  readonly target: string;
  /** 0 for `?`, 1 for `??` (more detail, such as source). */
  readonly detailLevel: 0 | 1;
  /** Set when the target was written with `%` (`"line"`) or `%%` (`"cell"`). */
  readonly magicKind?: "line" | "cell";
}

/** One part of an ordinary (non cell-magic) cell, in cell order. */
export type CellSegment = CodeSegment | LineMagicCall | HelpRequest;

/** The `%%name args` header of a cell magic and the body it owns. */
export interface CellMagicCall extends CellRange {
  readonly kind: "cell-magic";
  readonly name: string;
  /** The raw text after the name, continuation lines included. */
  readonly argText: string;
  readonly argStart: number;
  /** The cell after the header line(s). */
  readonly body: string;
  /** Offset in the cell where `body` starts. */
  readonly bodyStart: number;
  /** 1-based line in the cell where `body` starts. */
  readonly bodyLine: number;
}

/** A cell: either owned by a cell magic, or a sequence of code, line magics and help requests. */
export type ParsedCell =
  | { readonly kind: "cell-magic"; readonly cell: string; readonly magic: CellMagicCall }
  | { readonly kind: "segments"; readonly cell: string; readonly segments: readonly CellSegment[] };

const NAME = "[A-Za-z_$][\\w$]*";
const DOTTED = `${NAME}(?:\\.${NAME})*`;
const MAGIC_NAME = "[A-Za-z_][\\w]*";
const PREFIX_HELP = new RegExp(`^(\\?\\??)(%{0,2})(${DOTTED})[ \\t]*$`);
const SUFFIX_HELP = new RegExp(`^(%{0,2})(${DOTTED})(\\?\\??)[ \\t]*$`);
const LINE_MAGIC = new RegExp(`^%(${MAGIC_NAME})(?=[ \\t\\\\]|$)`);
const CELL_MAGIC = new RegExp(`^([ \\t]*)%%(${MAGIC_NAME})(?=[ \\t\\\\]|$)`);

/** Keywords after which a following line continues the expression (and `/` starts a regex). */
const CONTINUING_KEYWORDS = new Set([
  "typeof", "instanceof", "in", "of", "new", "delete", "void", "await", "yield", "keyof",
  "extends", "as", "satisfies", "case", "throw", "return", "else", "do",
]);

/** Splits `cell` into lines' start offsets, to turn offsets into 1-based line numbers. */
class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === "\n") this.starts.push(i + 1);
  }
  /** 1-based line number of `offset`. */
  lineOf(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }
}

/** End offset (exclusive, before the `\n`) of the line starting at `start`, following `\` continuations. */
function logicalLineEnd(cell: string, start: number): number {
  let end = start;
  for (;;) {
    const newline = cell.indexOf("\n", end);
    const lineEnd = newline === -1 ? cell.length : newline;
    const text = cell.slice(end, lineEnd).replace(/\r$/, "");
    if (newline !== -1 && text.endsWith("\\")) end = newline + 1;
    else return lineEnd;
  }
}

function physicalLineEnd(cell: string, start: number): number {
  const newline = cell.indexOf("\n", start);
  return newline === -1 ? cell.length : newline;
}

/** Offset just after the newline ending at `end` (or `end` at the end of the cell). */
function afterNewline(cell: string, end: number): number {
  return end < cell.length ? end + 1 : end;
}

/**
 * Parses a cell into a cell magic, or into code segments, line magics and help requests.
 *
 * @throws MagicError for a malformed magic line: `%%` without a name on the first line, or a
 *   `%%name` line that is not the first line of the cell.
 */
export function parseCell(cell: string): ParsedCell {
  const lines = new LineIndex(cell);
  const cellMagic = parseCellMagicHeader(cell, lines);
  if (cellMagic !== undefined) return { kind: "cell-magic", cell, magic: cellMagic };
  return { kind: "segments", cell, segments: new CellScanner(cell, lines).scan() };
}

function parseCellMagicHeader(cell: string, lines: LineIndex): CellMagicCall | undefined {
  const firstLine = /^(?:[ \t\r]*\n)*/.exec(cell);
  const start = firstLine === null ? 0 : firstLine[0].length;
  const lineText = cell.slice(start, physicalLineEnd(cell, start)).replace(/\r$/, "");
  if (!/^[ \t]*%%/.test(lineText)) return undefined;
  if (SUFFIX_HELP.test(lineText.trim()) || PREFIX_HELP.test(lineText.trim())) return undefined; // `%%time?`
  const match = CELL_MAGIC.exec(lineText);
  const line = lines.lineOf(start);
  if (match === null) {
    throw new MagicError(`expected a cell magic name after %% (like %%time), got "${lineText.trim()}"`, line);
  }
  const argStart = start + match[0].length;
  const end = logicalLineEnd(cell, start);
  const bodyStart = afterNewline(cell, end);
  return {
    kind: "cell-magic",
    name: match[2],
    argText: cell.slice(argStart, end),
    argStart,
    start,
    end,
    line,
    body: cell.slice(bodyStart),
    bodyStart,
    bodyLine: lines.lineOf(end) + 1,
  };
}

type Bracket = "(" | "[" | "{" | "`" | "${";

/**
 * A single pass over the cell that skips strings, comments, template literals and regular
 * expressions, tracks bracket depth, and at each top-level line start checks for a magic or help
 * line. It does not validate TypeScript; the compiler does that.
 */
class CellScanner {
  private index = 0;
  private readonly stack: Bracket[] = [];
  /** Whether the code so far ends in a way that continues onto the next line (an operator). */
  private continues = false;
  /** Whether a `/` here would start a regular expression (rather than divide). */
  private regexAllowed = true;
  private codeStart = 0;
  private readonly segments: CellSegment[] = [];

  constructor(private readonly cell: string, private readonly lines: LineIndex) {}

  scan(): CellSegment[] {
    const { cell } = this;
    while (this.index < cell.length) {
      if (this.stack.length === 0 && this.atLineStart() && this.trySpecialLine()) continue;
      if (this.stack[this.stack.length - 1] === "`") {
        this.scanTemplateText();
        continue;
      }
      this.scanToken();
    }
    this.flushCode(cell.length);
    return this.segments;
  }

  private atLineStart(): boolean {
    return this.index === 0 || this.cell[this.index - 1] === "\n";
  }

  /** Recognises a line magic or help request at the current line start; returns whether it did. */
  private trySpecialLine(): boolean {
    const { cell } = this;
    const start = this.index;
    const lineEnd = physicalLineEnd(cell, start);
    const text = cell.slice(start, lineEnd).replace(/\r$/, "");
    if (!(text.startsWith("%") || text.startsWith("?") || /^[\w$.]+\?/.test(text))) return false;
    if (this.continues) return false;
    const line = this.lines.lineOf(start);
    const help = this.matchHelp(text, start, lineEnd, line);
    if (help !== undefined) return this.emitSpecial(help);
    if (text.startsWith("%%") && CELL_MAGIC.test(text)) {
      const name = CELL_MAGIC.exec(text)?.[2] ?? "";
      throw new MagicError(`cell magic %%${name} must be on the cell's first line`, line);
    }
    const magic = LINE_MAGIC.exec(text);
    if (magic === null) return false;
    const argStart = start + magic[0].length;
    const end = logicalLineEnd(cell, start);
    return this.emitSpecial({
      kind: "line-magic",
      name: magic[1],
      argText: cell.slice(argStart, end),
      argStart,
      start,
      end,
      line,
    });
  }

  private matchHelp(text: string, start: number, end: number, line: number): HelpRequest | undefined {
    const prefix = PREFIX_HELP.exec(text);
    const suffix = prefix === null ? SUFFIX_HELP.exec(text) : null;
    if (prefix === null && suffix === null) return undefined;
    const [marks, percents, target] = prefix !== null ? [prefix[1], prefix[2], prefix[3]] : [suffix![3], suffix![1], suffix![2]];
    // `cond?` followed by an indented or `:` line is the start of a multi-line ternary.
    if (suffix !== null && percents === "" && this.nextCodeLineContinues(end)) return undefined;
    const request: HelpRequest = {
      kind: "help",
      target,
      detailLevel: marks.length === 2 ? 1 : 0,
      start,
      end,
      line,
    };
    if (percents === "") return request;
    return { ...request, magicKind: percents.length === 2 ? "cell" : "line" };
  }

  private nextCodeLineContinues(end: number): boolean {
    const rest = this.cell.slice(end + 1);
    const next = /^(?:[ \t\r]*\n)*([^\n]*)/.exec(rest)?.[1] ?? "";
    return /^[ \t]+\S/.test(next) || /^[:.]/.test(next);
  }

  private emitSpecial(segment: LineMagicCall | HelpRequest): true {
    this.flushCode(segment.start);
    this.segments.push(segment);
    this.index = afterNewline(this.cell, segment.end);
    this.codeStart = this.index;
    this.continues = false;
    this.regexAllowed = true;
    return true;
  }

  private flushCode(end: number): void {
    const code = this.cell.slice(this.codeStart, end);
    if (code.trim() !== "") {
      this.segments.push({ kind: "code", code, start: this.codeStart, end, line: this.lines.lineOf(this.codeStart) });
    }
  }

  /** Inside a template literal's text: up to the closing backtick or a `${`. */
  private scanTemplateText(): void {
    const { cell } = this;
    while (this.index < cell.length) {
      const char = cell[this.index];
      if (char === "\\") {
        this.index += 2;
      } else if (char === "`") {
        this.index++;
        this.stack.pop();
        this.afterValue();
        return;
      } else if (char === "$" && cell[this.index + 1] === "{") {
        this.index += 2;
        this.stack.push("${");
        this.afterOperator();
        return;
      } else {
        this.index++;
      }
    }
  }

  private scanToken(): void {
    const { cell } = this;
    const char = cell[this.index];
    const next = cell[this.index + 1];
    if (char === " " || char === "\t" || char === "\r" || char === "\n") {
      this.index++;
    } else if (char === "/" && next === "/") {
      this.index = physicalLineEnd(cell, this.index);
    } else if (char === "/" && next === "*") {
      const close = cell.indexOf("*/", this.index + 2);
      this.index = close === -1 ? cell.length : close + 2;
    } else if (char === "'" || char === '"') {
      this.scanString(char);
    } else if (char === "`") {
      this.index++;
      this.stack.push("`");
    } else if (char === "/" && this.regexAllowed) {
      this.scanRegex();
    } else if (char === "(" || char === "[" || char === "{") {
      this.index++;
      this.stack.push(char);
      this.afterOperator();
    } else if (char === ")" || char === "]" || char === "}") {
      this.index++;
      this.closeBracket(char);
    } else if (/[\w$]/.test(char) || char.charCodeAt(0) > 127) {
      this.scanWord();
    } else {
      this.scanOperator();
    }
  }

  private closeBracket(char: ")" | "]" | "}"): void {
    const open = char === ")" ? "(" : char === "]" ? "[" : "{";
    const top = this.stack[this.stack.length - 1];
    if (char === "}" && top === "${") {
      this.stack.pop(); // back into the template text
      return;
    }
    if (top === open) this.stack.pop();
    this.continues = false;
    // After `}` a `/` is more likely a regex (block end) than a division (object literal).
    this.regexAllowed = char === "}";
  }

  private scanString(quote: string): void {
    const { cell } = this;
    this.index++;
    while (this.index < cell.length) {
      const char = cell[this.index];
      if (char === "\\") this.index += 2;
      else if (char === quote) {
        this.index++;
        break;
      } else if (char === "\n") break; // unterminated: the compiler reports it
      else this.index++;
    }
    this.afterValue();
  }

  private scanRegex(): void {
    const { cell } = this;
    this.index++;
    let inClass = false;
    while (this.index < cell.length) {
      const char = cell[this.index];
      if (char === "\\") this.index += 2;
      else if (char === "\n") break;
      else {
        this.index++;
        if (char === "[") inClass = true;
        else if (char === "]") inClass = false;
        else if (char === "/" && !inClass) break;
      }
    }
    while (this.index < cell.length && /[a-z]/i.test(cell[this.index])) this.index++;
    this.afterValue();
  }

  private scanWord(): void {
    const { cell } = this;
    const start = this.index;
    while (this.index < cell.length && (/[\w$]/.test(cell[this.index]) || cell.charCodeAt(this.index) > 127)) this.index++;
    // A number's exponent or fraction (`1e-4`, `1.5`) is part of the word.
    while (/^[0-9]/.test(cell[start]) && this.index < cell.length && /[.\w+-]/.test(cell[this.index])) {
      const char = cell[this.index];
      if ((char === "+" || char === "-") && !/[eE]/.test(cell[this.index - 1])) break;
      this.index++;
    }
    const word = cell.slice(start, this.index);
    const continuing = CONTINUING_KEYWORDS.has(word);
    this.continues = continuing && word !== "return" && word !== "else" && word !== "do";
    this.regexAllowed = continuing;
  }

  private scanOperator(): void {
    const { cell } = this;
    const char = cell[this.index];
    const pair = cell.slice(this.index, this.index + 2);
    if (pair === "++" || pair === "--") {
      // Postfix or prefix update; at the end of a line it ends the statement (`i++`).
      this.index += 2;
      this.continues = false;
      this.regexAllowed = false;
      return;
    }
    this.index++;
    if (char === ";") {
      this.continues = false;
      this.regexAllowed = true;
    } else if (char === ">" && !/[=\->]/.test(cell[this.index - 2] ?? "") && !/[=>]/.test(cell[this.index] ?? "")) {
      // A lone `>` is far more often the end of type arguments (`Map<string, number>`) than a
      // comparison left dangling at a line end.
      this.continues = false;
      this.regexAllowed = false;
    } else if (char === "!" && !/[=!]/.test(cell[this.index] ?? "")) {
      // Non-null assertion `x!` at a line end ends the statement; `!x` continues on the same line anyway.
      this.continues = false;
      this.regexAllowed = true;
    } else {
      this.afterOperator();
    }
  }

  private afterOperator(): void {
    this.continues = true;
    this.regexAllowed = true;
  }

  private afterValue(): void {
    this.continues = false;
    this.regexAllowed = false;
  }
}

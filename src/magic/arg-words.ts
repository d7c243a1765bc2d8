/**
 * Shell-like splitting of a magic's argument text into words (with their offsets), following POSIX
 * shell quoting: words are separated by blanks; `'…'` is literal; in `"…"` a backslash escapes `"`,
 * `\`, `$` and `` ` ``; outside quotes a backslash escapes any character; a backslash before a line
 * break joins the lines.
 */
import { MagicError } from "./types";

/** An unterminated quote in a magic's arguments (the splitter knows no cell line; the parser adds it). */
export class QuoteError extends MagicError {}

/** A word of the argument text, with where it lies in that text. */
export interface ArgWord {
  /** The word after quote removal and escapes. */
  readonly text: string;
  /** Offsets `[start, end)` of the word's source (quotes included) in the argument text. */
  readonly start: number;
  readonly end: number;
  /** Whether any part of it was quoted or escaped (so `"--help"` is a value, not an option). */
  readonly quoted: boolean;
}

/** Reads shell-like words one at a time, so a magic can take the rest of the text verbatim. */
export class ArgReader {
  private position = 0;

  constructor(readonly text: string) {}

  /** Skips blanks and line continuations; returns whether any text is left. */
  hasMore(): boolean {
    for (;;) {
      const char = this.text[this.position];
      if (char === " " || char === "\t" || char === "\r" || char === "\n") this.position++;
      else if (char === "\\" && /^\\\r?\n/.test(this.text.slice(this.position, this.position + 3))) {
        this.position += this.text[this.position + 1] === "\r" ? 3 : 2;
      } else return this.position < this.text.length;
    }
  }

  /** The next character to read (after blanks), or `""` at the end. */
  peek(): string {
    return this.hasMore() ? this.text[this.position] : "";
  }

  /** The offset of the next word (after blanks). */
  offset(): number {
    this.hasMore();
    return this.position;
  }

  /** The rest of the text from the next word on, unsplit, with `\`-newline continuations joined. */
  rest(): string {
    this.hasMore();
    const rest = this.text.slice(this.position).replace(/\\\r?\n/g, " ").trim();
    this.position = this.text.length;
    return rest;
  }

  /**
   * The next word, or `undefined` at the end.
   * @throws MagicError for an unterminated quote
   */
  next(): ArgWord | undefined {
    if (!this.hasMore()) return undefined;
    const { text } = this;
    const start = this.position;
    let word = "";
    let quoted = false;
    while (this.position < text.length) {
      const char = text[this.position];
      if (char === " " || char === "\t" || char === "\r" || char === "\n") break;
      if (char === "'") {
        const close = text.indexOf("'", this.position + 1);
        if (close === -1) throw new QuoteError(`unterminated ' quote in the arguments (from "${text.slice(this.position)}"); expected a closing '`);
        word += text.slice(this.position + 1, close);
        this.position = close + 1;
        quoted = true;
      } else if (char === '"') {
        word += this.readDoubleQuoted();
        quoted = true;
      } else if (char === "\\") {
        const escaped = text[this.position + 1];
        if (escaped === undefined) {
          word += "\\";
          this.position++;
        } else if (escaped === "\n" || (escaped === "\r" && text[this.position + 2] === "\n")) {
          break; // a line continuation ends the word; hasMore() skips it
        } else {
          word += escaped;
          this.position += 2;
          quoted = true;
        }
      } else {
        word += char;
        this.position++;
      }
    }
    return { text: word, start, end: this.position, quoted };
  }

  private readDoubleQuoted(): string {
    const { text } = this;
    const open = this.position;
    let value = "";
    this.position++;
    while (this.position < text.length) {
      const char = text[this.position];
      if (char === '"') {
        this.position++;
        return value;
      }
      if (char === "\\") {
        const escaped = text[this.position + 1];
        if (escaped === "\n") {
          this.position += 2;
          continue;
        }
        if (escaped !== undefined && '"\\$`'.includes(escaped)) {
          value += escaped;
          this.position += 2;
          continue;
        }
      }
      value += char;
      this.position++;
    }
    throw new QuoteError(`unterminated " quote in the arguments (from ${text.slice(open)}); expected a closing "`);
  }
}

/**
 * Splits argument text into words, shell style.
 * @throws MagicError for an unterminated quote
 */
export function splitArgs(text: string): ArgWord[] {
  const reader = new ArgReader(text);
  const words: ArgWord[] = [];
  for (let word = reader.next(); word !== undefined; word = reader.next()) words.push(word);
  return words;
}


/**
 * Magic arguments: shell-like splitting, parsing against a magic's {@link OptionSpec}s and
 * {@link PositionalSpec}s, and generated `--help` text.
 *
 * Splitting follows POSIX shell quoting: words are separated by blanks; `'…'` is literal; in
 * `"…"` a backslash escapes `"`, `\`, `$` and `` ` ``; outside quotes a backslash escapes any
 * character; a backslash before a line break joins the lines.
 *
 * Options: `--name value`, `--name=value`, `-n value`, `-n=value`; `--batch-size` also finds an
 * option named `batchSize`; boolean options as `--flag`, `--no-flag`, `--flag=false`; list options
 * as `--x a,b,c` or repeated (`--x a --x b`); `--` ends the options. `--help` (and `-h` unless a
 * magic uses it) asks for the help text instead of running the magic.
 */
import { didYouMean } from "./suggest";
import { MagicError, type MagicBase, type OptionSpec, type ParsedArgs, type PositionalSpec } from "./types";

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
        if (close === -1) throw new MagicError(`unterminated ' quote in the arguments (from "${text.slice(this.position)}"); expected a closing '`);
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
    throw new MagicError(`unterminated " quote in the arguments (from ${text.slice(open)}); expected a closing "`);
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

/** The outcome of parsing: typed arguments, or a request for the help text. */
export type ArgsOutcome = { readonly kind: "args"; readonly args: ParsedArgs } | { readonly kind: "help" };

/** Where the arguments come from, for error messages. */
export interface ArgsSource {
  /** How the magic is written in messages, e.g. `%%tune`. */
  readonly label: string;
  /** The 1-based cell line of an offset in the argument text (for multi-line arguments). */
  readonly lineOf?: (offset: number) => number;
  /** The line for errors not tied to a word (a missing option), e.g. the magic's first line. */
  readonly line?: number;
}

type Value = string | number | boolean | readonly string[];

const NEGATIVE_NUMBER = /^-(?:\d|\.\d)/;

/** `batch-size` → `batchSize`. */
function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** `batchSize` → `batch-size`. */
function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function helpIsBuiltin(options: readonly OptionSpec[]): { long: boolean; short: boolean } {
  return {
    long: !options.some((option) => option.name === "help"),
    short: !options.some((option) => option.short === "h"),
  };
}

/**
 * Parses a magic's argument text against its declared options and positionals.
 *
 * Options not given take their `default` (booleans without one are `false`); positionals not
 * given are absent. A positional with `raw: true` takes the rest of the text verbatim from the
 * first word that is not an option (for code, as in `%time f(x)`).
 *
 * @throws MagicError naming the option or argument at fault and what was expected (with the
 *   closest option name for an unknown one)
 */
export function parseArgs(text: string, magic: MagicBase, source: ArgsSource): ArgsOutcome {
  return new ArgsParser(text, magic, source).parse();
}

class ArgsParser {
  private readonly options: readonly OptionSpec[];
  private readonly positionals: readonly PositionalSpec[];
  private readonly reader: ArgReader;
  private readonly values = new Map<string, Value>();
  /** The source text of each option given, for "given twice" messages. */
  private readonly givenAs = new Map<string, string>();
  private readonly positionalWords: ArgWord[] = [];
  private raw: string | undefined;
  private readonly help: { long: boolean; short: boolean };

  constructor(text: string, private readonly magic: MagicBase, private readonly source: ArgsSource) {
    this.options = magic.options ?? [];
    this.positionals = magic.positionals ?? [];
    this.reader = new ArgReader(text);
    this.help = helpIsBuiltin(this.options);
  }

  parse(): ArgsOutcome {
    if (this.asksForHelp()) return { kind: "help" };
    let optionsEnded = false;
    const rawIndex = this.positionals.findIndex((positional) => positional.raw === true);
    while (this.reader.hasMore()) {
      const next = this.reader.peek();
      const takesRaw = rawIndex !== -1 && this.positionalWords.length === rawIndex;
      if (takesRaw && (optionsEnded || next !== "-" || NEGATIVE_NUMBER.test(this.reader.text.slice(this.reader.offset())))) {
        this.raw = this.reader.rest();
        break;
      }
      const word = this.reader.next()!;
      if (!optionsEnded && !word.quoted && word.text === "--") optionsEnded = true;
      else if (!optionsEnded && this.isOptionWord(word)) this.readOption(word);
      else this.positionalWords.push(word);
    }
    return { kind: "args", args: this.finish() };
  }

  /** Whether `--help` (or `-h`) appears among the options, before `--` and any raw text. */
  private asksForHelp(): boolean {
    const reader = new ArgReader(this.reader.text);
    const hasRaw = this.positionals.some((positional) => positional.raw === true);
    try {
      for (let word = reader.next(); word !== undefined; word = reader.next()) {
        if (word.quoted) continue;
        if (word.text === "--") return false;
        if ((this.help.long && word.text === "--help") || (this.help.short && word.text === "-h")) return true;
        if (hasRaw && !word.text.startsWith("-")) return false;
      }
    } catch {
      return false; // a quoting error is reported by the real parse
    }
    return false;
  }

  private isOptionWord(word: ArgWord): boolean {
    return !word.quoted && word.text.length > 1 && word.text.startsWith("-") && !NEGATIVE_NUMBER.test(word.text);
  }

  private fail(message: string, word?: ArgWord): never {
    const line = (word === undefined ? undefined : this.source.lineOf?.(word.start)) ?? this.source.line;
    throw new MagicError(`${this.source.label}: ${message}`, line);
  }

  private readOption(word: ArgWord): void {
    const equals = word.text.indexOf("=");
    const written = equals === -1 ? word.text : word.text.slice(0, equals);
    const inline = equals === -1 ? undefined : word.text.slice(equals + 1);
    const { option, negated } = this.findOption(written, word);
    if (option.type === "boolean") {
      if (negated && inline !== undefined) this.fail(`${written} takes no value; got "${word.text}"`, word);
      this.store(option, written, inline === undefined ? !negated : this.parseBoolean(option, inline, word), word);
      return;
    }
    const value = inline ?? this.readValue(option, written, word);
    this.store(option, written, this.convert(option, written, value, word), word);
  }

  private findOption(written: string, word: ArgWord): { option: OptionSpec; negated: boolean } {
    if (written.startsWith("--")) {
      const name = written.slice(2);
      const exact = this.options.find((option) => option.name === name || option.name === camelCase(name));
      if (exact !== undefined) return { option: exact, negated: false };
      if (name.startsWith("no-")) {
        const positive = name.slice(3);
        const negatable = this.options.find(
          (option) => option.type === "boolean" && (option.name === positive || option.name === camelCase(positive)),
        );
        if (negatable !== undefined) return { option: negatable, negated: true };
      }
    } else if (written.length === 2) {
      const short = this.options.find((option) => option.short === written[1]);
      if (short !== undefined) return { option: short, negated: false };
    }
    const known = this.options.flatMap((option) => [
      `--${kebabCase(option.name)}`,
      ...(option.short === undefined ? [] : [`-${option.short}`]),
    ]);
    const negations = this.options.flatMap((option) => (option.type === "boolean" ? [`--no-${kebabCase(option.name)}`] : []));
    const suggestion = written.length <= 2 ? "" : didYouMean(written, [...known, ...negations]);
    const list = known.length === 0 ? `${this.source.label} takes no options` : `options: ${known.join(", ")}`;
    return this.fail(`unknown option ${written}${suggestion} (${list}; --help shows them all)`, word);
  }

  private readValue(option: OptionSpec, written: string, word: ArgWord): string {
    const expected = describeExpected(option);
    const next = this.reader.next();
    if (next === undefined) return this.fail(`${written} expects ${expected} after it`, word);
    if (this.isOptionWord(next)) this.fail(`${written} expects ${expected} after it, got the option ${next.text}`, next);
    return next.text;
  }

  private parseBoolean(option: OptionSpec, text: string, word: ArgWord): boolean {
    const lower = text.toLowerCase();
    if (["true", "yes", "on", "1"].includes(lower)) return true;
    if (["false", "no", "off", "0"].includes(lower)) return false;
    return this.fail(`--${kebabCase(option.name)} expects true or false, got "${text}"`, word);
  }

  private convert(option: OptionSpec, written: string, text: string, word: ArgWord): Value {
    switch (option.type) {
      case "number":
      case "integer": {
        const value = text.trim() === "" ? NaN : Number(text);
        if (!Number.isFinite(value) || (option.type === "integer" && !Number.isInteger(value))) {
          this.fail(`${written} expects ${describeExpected(option)}, got "${text}"`, word);
        }
        return value;
      }
      case "list": {
        const items = text.split(",").map((item) => item.trim()).filter((item) => item !== "");
        if (items.length === 0) this.fail(`${written} expects ${describeExpected(option)}, got "${text}"`, word);
        for (const item of items) this.checkChoice(option, written, item, word);
        return items;
      }
      case "string":
        this.checkChoice(option, written, text, word);
        return text;
      case "boolean":
        return this.parseBoolean(option, text, word);
    }
  }

  private checkChoice(option: OptionSpec, written: string, value: string, word: ArgWord): void {
    if (option.choices === undefined || option.choices.includes(value)) return;
    const suggestion = didYouMean(value, option.choices, (choice) => `"${choice}"`);
    this.fail(`${written} expects one of ${option.choices.join(", ")}; got "${value}"${suggestion}`, word);
  }

  private store(option: OptionSpec, written: string, value: Value, word: ArgWord): void {
    const previous = this.values.get(option.name);
    if (previous !== undefined && option.type === "list" && Array.isArray(value)) {
      this.values.set(option.name, [...(previous as readonly string[]), ...(value as readonly string[])]);
      return;
    }
    const given = option.type === "boolean" ? word.text : `${written} ${String(value)}`;
    if (previous !== undefined) {
      this.fail(`${written} given twice (${this.givenAs.get(option.name)}, then ${given}); give it once`, word);
    }
    this.values.set(option.name, value);
    this.givenAs.set(option.name, given);
  }

  private finish(): ParsedArgs {
    const args: Record<string, Value | undefined> = {};
    for (const option of this.options) {
      const value = this.values.get(option.name) ?? option.default ?? (option.type === "boolean" ? false : undefined);
      if (value === undefined && option.required === true) {
        this.fail(`missing required option --${kebabCase(option.name)} (${option.description})`);
      }
      if (value !== undefined) args[option.name] = value;
    }
    this.assignPositionals(args);
    return args;
  }

  private assignPositionals(args: Record<string, Value | undefined>): void {
    const words = [...this.positionalWords];
    for (const positional of this.positionals) {
      if (positional.raw === true) {
        if (this.raw !== undefined && this.raw !== "") args[positional.name] = this.raw;
      } else if (positional.rest === true) {
        if (words.length > 0) args[positional.name] = words.splice(0).map((word) => word.text);
      } else {
        const word = words.shift();
        if (word !== undefined) args[positional.name] = word.text;
      }
      if (args[positional.name] === undefined && positional.required === true) {
        this.fail(`missing argument <${positional.name}> (${positional.description}); usage: ${usageLine(this.magic, this.source.label)}`);
      }
    }
    const extra = words[0];
    if (extra !== undefined) {
      const takes = this.positionals.length === 0 ? "takes no positional arguments" : `takes ${this.positionals.map(formatPositional).join(" ")}`;
      const asOption = didYouMean(`--${extra.text}`, this.options.map((option) => `--${kebabCase(option.name)}`));
      this.fail(`unexpected argument "${extra.text}" (${this.source.label} ${takes})${asOption}`, extra);
    }
  }
}

/** What an option's value must be, in words: `an integer`, `one of a, b`, … */
function describeExpected(option: OptionSpec): string {
  if (option.choices !== undefined) {
    return option.type === "list" ? `a comma-separated list of ${option.choices.join(", ")}` : `one of ${option.choices.join(", ")}`;
  }
  switch (option.type) {
    case "integer":
      return "an integer";
    case "number":
      return "a number";
    case "list":
      return "a comma-separated list (a,b,c)";
    case "boolean":
      return "true or false";
    case "string":
      return "a value";
  }
}

function metavar(option: OptionSpec): string {
  if (option.metavar !== undefined) return option.metavar;
  switch (option.type) {
    case "integer":
      return "N";
    case "number":
      return "X";
    case "list":
      return `${option.name.toUpperCase()},…`;
    default:
      return option.choices !== undefined ? `{${option.choices.join(",")}}` : option.name.toUpperCase();
  }
}

/** `--name VALUE`, `--[no-]flag` or `--no-flag`, as the option is written on the command line. */
function formatOption(option: OptionSpec): string {
  const long = `--${kebabCase(option.name)}`;
  if (option.type === "boolean") return option.default === true ? `--no-${kebabCase(option.name)}` : long;
  return `${long} ${metavar(option)}`;
}

function formatPositional(positional: PositionalSpec): string {
  const inner = positional.rest === true || positional.raw === true ? `${positional.name}…` : positional.name;
  return positional.required === true ? `<${inner}>` : `[<${inner}>]`;
}

/** How wide generated help is, in characters. */
const HELP_WIDTH = 100;

/** Breaks `text` into lines of at most `width` characters at spaces (longer words stay whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(/\s+/).filter((part) => part !== "")) {
    if (current !== "" && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current === "" ? word : `${current} ${word}`;
  }
  if (current !== "" || lines.length === 0) lines.push(current);
  return lines;
}

/** The usage: `%%tune --model F [--trials N] … <name>`, on one line (see `formatHelp` for wrapping). */
export function usageLine(magic: MagicBase, label: string): string {
  return usageParts(magic, label).join(" ");
}

function usageParts(magic: MagicBase, label: string): string[] {
  const parts = [label];
  for (const option of magic.options ?? []) {
    const text = formatOption(option);
    parts.push(option.required === true ? text : `[${text}]`);
  }
  parts.push("[--help]");
  for (const positional of magic.positionals ?? []) parts.push(formatPositional(positional));
  return parts;
}

/** The usage wrapped to the help width, continuation lines aligned after the label. */
function wrappedUsage(magic: MagicBase, label: string): string[] {
  const [head, ...parts] = usageParts(magic, label);
  const indent = " ".repeat("Usage: ".length + head.length + 1);
  const lines: string[] = [];
  let current = `Usage: ${head}`;
  for (const part of parts) {
    if (current.length + 1 + part.length > HELP_WIDTH && current.trim() !== "") {
      lines.push(current);
      current = `${indent}${part}`;
    } else current = `${current} ${part}`;
  }
  lines.push(current);
  return lines;
}

function formatDefault(value: OptionSpec["default"]): string {
  return Array.isArray(value) ? value.join(",") : String(value);
}

/** The type, choices, default and requiredness of an option, for the help table. */
function optionFacts(option: OptionSpec): string {
  const facts: string[] = [option.type];
  if (option.choices !== undefined) facts.push(`one of: ${option.choices.join(", ")}`);
  if (option.required === true) facts.push("required");
  if (option.default !== undefined) facts.push(`default: ${formatDefault(option.default)}`);
  return `(${facts.join("; ")})`;
}

/** Lays out `[term, description]` rows as a two-column table, descriptions wrapped. */
function table(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.min(30, Math.max(...rows.map(([term]) => term.length)));
  const indent = " ".repeat(width + 4);
  return rows.flatMap(([term, description]) => {
    const [first, ...rest] = wrap(description, Math.max(40, HELP_WIDTH - indent.length));
    const head = term.length > width ? [`  ${term}`, `${indent}${first}`] : [`  ${term.padEnd(width)}  ${first}`];
    return [...head, ...rest.map((line) => `${indent}${line}`)];
  });
}

/**
 * The generated `--help` text of a magic: usage line, summary, arguments, options table (with
 * types, choices and defaults), then the magic's own help body.
 *
 * @param label how the magic is written, e.g. `%%tune` (default: `%name` or `%%name` from `kind`)
 */
export function formatHelp(magic: MagicBase & { readonly kind?: "line" | "cell" }, label?: string): string {
  const written = label ?? `${magic.kind === "cell" ? "%%" : "%"}${magic.name}`;
  const usage = wrappedUsage(magic, written);
  if (magic.kind === "cell") usage.push(`${" ".repeat("Usage: ".length)}<cell body>`);
  const lines = [...usage, "", magic.summary];
  const positionals = magic.positionals ?? [];
  if (positionals.length > 0) {
    lines.push("", "Arguments:", ...table(positionals.map((positional) => [positional.name, positional.description])));
  }
  const optionRows: [string, string][] = (magic.options ?? []).map((option) => {
    const short = option.short === undefined ? "" : `-${option.short}, `;
    const long =
      option.type === "boolean"
        ? `--[no-]${kebabCase(option.name)}`
        : `--${kebabCase(option.name)} ${metavar(option)}`;
    return [`${short}${long}`, `${option.description} ${optionFacts(option)}`];
  });
  const help = helpIsBuiltin(magic.options ?? []);
  if (help.long) optionRows.push([help.short ? "-h, --help" : "--help", "show this help instead of running the magic"]);
  lines.push("", "Options:", ...table(optionRows));
  if (magic.help !== undefined && magic.help.trim() !== "") lines.push("", magic.help.trim());
  return `${lines.join("\n")}\n`;
}

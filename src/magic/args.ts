/**
 * Magic arguments: parsing a magic's line against its {@link OptionSpec}s and
 * {@link PositionalSpec}s (words come from `arg-words.ts`, help text from `help.ts`).
 *
 * Options: `--name value`, `--name=value`, `-n value`, `-n=value`; `--batch-size` also finds an
 * option named `batchSize`; boolean options as `--flag`, `--no-flag`, `--flag=false`; list options
 * as `--x a,b,c` or repeated (`--x a --x b`); `--` ends the options. `--help` (and `-h` unless a
 * magic uses it) asks for the help text instead of running the magic.
 */
import { ArgReader, QuoteError, type ArgWord } from "./arg-words";
import { formatPositional, helpIsBuiltin, usageLine } from "./help";
import { camelCase, kebabCase } from "./option-names";
import { didYouMean } from "./suggest";
import { MagicError, type MagicBase, type OptionSpec, type ParsedArgs, type PositionalSpec } from "./types";

export { ArgReader, splitArgs, type ArgWord } from "./arg-words";
export { formatHelp, usageLine } from "./help";

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
    try {
      return this.parseWords();
    } catch (error) {
      // The splitter's quoting errors know no line: give them the magic's.
      if (error instanceof QuoteError) this.fail(error.message);
      throw error;
    }
  }

  private parseWords(): ArgsOutcome {
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
        const items = text.split(",").map((item) => item.trim());
        if (items.every((item) => item === "")) this.fail(`${written} expects ${describeExpected(option)}, got "${text}"`, word);
        if (items.includes("")) {
          this.fail(`${written} expects ${describeExpected(option)}, got "${text}" with an empty item (write the list as a,b without spaces after commas)`, word);
        }
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
      // `# …` after the options reads as a comment, which a magic's line does not have (as in IPython).
      const comment = /^(?:#|\/\/)/.test(extra.text) ? "; a magic's line holds no comments" : "";
      this.fail(`unexpected argument "${extra.text}" (${this.source.label} ${takes})${asOption}${comment}`, extra);
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


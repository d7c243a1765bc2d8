/**
 * Generated `--help` text of a magic: the usage line, wrapped to {@link HELP_WIDTH}, a table of
 * options and positionals with their types, choices and defaults, then the magic's own help.
 */
import { kebabCase } from "./option-names";
import type { MagicBase, OptionSpec, PositionalSpec } from "./types";

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

/** `<name>`, `[<name>]` or `<name…>`, as a positional is written in the usage. */
export function formatPositional(positional: PositionalSpec): string {
  const inner = positional.rest === true || positional.raw === true ? `${positional.name}…` : positional.name;
  return positional.required === true ? `<${inner}>` : `[<${inner}>]`;
}

/** Whether `--help` and `-h` are the builtin help request (a magic may take either for itself). */
export function helpIsBuiltin(options: readonly OptionSpec[]): { long: boolean; short: boolean } {
  return {
    long: !options.some((option) => option.name === "help"),
    short: !options.some((option) => option.short === "h"),
  };
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

/**
 * The entry point the kernel calls to execute a cell: {@link runCell}.
 */
import { inspect as inspectValue } from "node:util";
import { formatHelp, parseArgs, type ArgsOutcome } from "./args";
import { deriveContext } from "./context";
import { expandMagicLine, splittingNote } from "./expand";
import { parseCell, type CellMagicCall, type CodeSegment, type HelpRequest, type LineMagicCall } from "./parse";
import { prefix, type MagicRegistry } from "./registry";
import { MagicError, type MagicBase, type MagicContext, type MimeBundle } from "./types";

/** A Jupyter pager payload (`execute_reply.payload` item), as IPython sends for `name?`. */
export interface PagerPayload {
  readonly source: "page";
  readonly data: MimeBundle;
  readonly start: number;
}

/** What {@link runCell} needs from the kernel. */
export interface RunCellOptions {
  /** The magics to run (see `createDefaultRegistry`). */
  readonly registry: MagicRegistry;
  /** The cell's context (evaluate, output, interrupt signal). */
  readonly context: MagicContext;
  /**
   * Runs one TypeScript segment of the cell and resolves to the value of its last expression.
   * Default: `context.evaluate(segment.code)`. `segment.line` is where it starts in the cell;
   * `alignedCode(segment)` gives its code prefixed with blank lines so the compiler's line
   * numbers match the cell.
   */
  readonly runCode?: (segment: CodeSegment) => Promise<unknown>;
  /**
   * The documentation of a (possibly dotted) name for `name?` (`detailLevel` 1 for `name??`),
   * e.g. from the kernel's inspector; `undefined` when it has none. Without it, or when it has
   * none, `name?` describes the value found with `context.lookup`.
   */
  readonly inspect?: (name: string, detailLevel: 0 | 1) => Promise<MimeBundle | undefined> | MimeBundle | undefined;
}

/** What a cell produced besides its streams and displays. */
export interface CellOutcome {
  /**
   * The cell's result: the value of its last segment (last code segment's last expression, a
   * line magic on the last line, or the cell magic). `undefined` means no `execute_result`.
   */
  readonly value: unknown;
  /** Pager payloads from `name?` requests, to put in `execute_reply.payload`. */
  readonly payload: readonly PagerPayload[];
}

/** A segment's code prefixed with blank lines so that its line numbers are the cell's. */
export function alignedCode(segment: CodeSegment): string {
  return "\n".repeat(segment.line - 1) + segment.code;
}

/**
 * Runs a cell: its cell magic, or its TypeScript segments, line magics and help requests in cell
 * order. A cell without magics is one code segment, run once by `runCode`.
 *
 * In a cell magic's body, `context.evaluate(body)` itself understands magics (so `%%time` can
 * time a body that uses `%%capture` or line magics), and reports lines as lines of the cell.
 * `--help` given to any magic prints its help on stdout instead of running it.
 *
 * @throws MagicError for malformed magic lines, unknown magics, bad arguments and unknown `name?`
 *   targets (with the cell line); a magic's MagicError without a line gets the magic's line;
 *   other errors from code and magics propagate unchanged. When
 *   `context.signal` aborts between segments, its reason is thrown and later segments do not run.
 */
export async function runCell(cell: string, options: RunCellOptions): Promise<CellOutcome> {
  const payload: PagerPayload[] = [];
  const { context } = options;
  const runCode = options.runCode ?? ((segment: CodeSegment) => context.evaluate(segment.code));
  const value = await runParsed(cell, { ...options, runCode, context: deriveContext(context) }, payload);
  return { value, payload };
}

/** {@link RunCellOptions} with `runCode` resolved (it runs code with the kernel's own context). */
type ResolvedOptions = RunCellOptions & { readonly runCode: (segment: CodeSegment) => Promise<unknown> };

async function runParsed(cell: string, options: ResolvedOptions, payload: PagerPayload[]): Promise<unknown> {
  const parsed = parseCell(cell);
  if (parsed.kind === "cell-magic") return runCellMagic(parsed.magic, cell, options, payload);
  const { context, runCode } = options;
  let value: unknown;
  for (const segment of parsed.segments) {
    context.signal.throwIfAborted();
    switch (segment.kind) {
      case "code":
        value = await runCode(segment);
        break;
      case "line-magic":
        value = await runLineMagic(segment, cell, options);
        break;
      case "help":
        payload.push(await helpPayload(segment, options));
        value = undefined;
        break;
    }
  }
  return value;
}

/** The 1-based cell line of an offset in a magic's argument text. */
function argLines(cell: string, argStart: number): (offset: number) => number {
  return (offset) => cell.slice(0, argStart + offset).split("\n").length;
}

/**
 * A magic's arguments: its line, with `{expression}` and `$name` expanded unless the magic opts out
 * (see expand.ts), parsed against its option specs. Lines in messages are lines of the cell.
 */
async function parseMagicArgs(
  magic: MagicBase,
  kind: "line" | "cell",
  call: LineMagicCall | CellMagicCall,
  cell: string,
  context: MagicContext,
): Promise<ArgsOutcome> {
  const label = `${prefix(kind)}${magic.name}`;
  const lineOf = argLines(cell, call.argStart);
  const expanded =
    magic.expandsLine === false
      ? undefined
      : await expandMagicLine(call.argText, (expression) => context.evaluate(expression), label, lineOf);
  try {
    return parseArgs(expanded?.text ?? call.argText, magic, {
      label,
      lineOf: expanded === undefined ? lineOf : (offset) => lineOf(expanded.sourceOffset[offset] ?? call.argText.length),
      line: call.line,
    });
  } catch (error) {
    const note = error instanceof MagicError && expanded !== undefined ? splittingNote(expanded.substitutions) : "";
    if (note === "") throw error;
    const message = (error as MagicError).message.replace(/^line \d+: /, "");
    throw new MagicError(`${message}${note}`, (error as MagicError).line);
  }
}

async function runLineMagic(call: LineMagicCall, cell: string, options: RunCellOptions): Promise<unknown> {
  const magic = options.registry.line(call.name, call.line);
  const parsed = await parseMagicArgs(magic, "line", call, cell, options.context);
  if (parsed.kind === "help") {
    options.context.stdout(formatHelp(magic));
    return undefined;
  }
  return withLine(call.line, () => magic.run(parsed.args, options.context));
}

/**
 * Runs a magic; a MagicError it throws without a line gets `line`, the magic's own line (every
 * error of a magic then names a line of the cell). Other errors pass unchanged.
 */
async function withLine<T>(line: number, run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof MagicError && error.line === undefined) {
      throw new MagicError(error.message, line);
    }
    throw error;
  }
}

async function runCellMagic(
  call: CellMagicCall,
  cell: string,
  options: ResolvedOptions,
  payload: PagerPayload[],
): Promise<unknown> {
  const magic = options.registry.cell(call.name, call.line);
  const parsed = await parseMagicArgs(magic, "cell", call, cell, options.context);
  if (parsed.kind === "help") {
    options.context.stdout(formatHelp(magic));
    return undefined;
  }
  const padding = "\n".repeat(call.bodyLine - 1);
  const bodyContext = deriveContext(options.context, {
    // The body may hold magics of its own; other code the magic evaluates is plain TypeScript.
    evaluate: (code) =>
      code === call.body
        ? runParsed(padding + code, { ...options, context: bodyContext }, payload)
        : options.context.evaluate(code),
  });
  return withLine(call.line, () => magic.run(parsed.args, call.body, bodyContext, call.bodyLine));
}

async function helpPayload(request: HelpRequest, options: RunCellOptions): Promise<PagerPayload> {
  const text = await helpText(request, options);
  const data: MimeBundle = typeof text === "string" ? { "text/plain": text } : text;
  return { source: "page", data, start: 0 };
}

async function helpText(request: HelpRequest, options: RunCellOptions): Promise<string | MimeBundle> {
  const { registry, context } = options;
  const { target, magicKind, line } = request;
  if (magicKind !== undefined) {
    const magic = magicKind === "line" ? registry.line(target, line) : registry.cell(target, line);
    return formatHelp(magic);
  }
  const documented = await options.inspect?.(target, request.detailLevel);
  if (documented !== undefined) return documented;
  const path = target.split(".");
  if (context.has(path[0])) {
    let value = context.lookup(path[0]);
    for (const key of path.slice(1)) {
      if (value === null || value === undefined) break;
      value = (value as Record<string, unknown>)[key];
    }
    return describeValue(target, value, request.detailLevel);
  }
  const magic = registry.findLine(target) ?? registry.findCell(target);
  if (magic !== undefined) return formatHelp(magic);
  throw new MagicError(`${target}? found nothing: "${path[0]}" is not defined by an earlier cell and is not a magic`, line);
}

/** An IPython-like description of a value: type, signature or string form, and source for `??`. */
export function describeValue(name: string, value: unknown, detailLevel: 0 | 1): string {
  const lines = [`Name: ${name}`];
  if (typeof value === "function") {
    const source = Function.prototype.toString.call(value);
    const isClass = source.startsWith("class");
    lines.push(`Type: ${isClass ? "class" : "function"}`);
    const header = source.split("\n")[0].replace(/\s*\{\s*$/, "");
    lines.push(detailLevel === 1 ? `Source:\n${source}` : `Signature: ${header}`);
  } else {
    const type = value === null ? "null" : typeof value === "object" ? (value.constructor?.name ?? "Object") : typeof value;
    lines.push(`Type: ${type}`);
    lines.push(`Value: ${inspectValue(value, { depth: detailLevel === 1 ? 4 : 1, colors: false, maxArrayLength: detailLevel === 1 ? 100 : 10 })}`);
  }
  return `${lines.join("\n")}\n`;
}

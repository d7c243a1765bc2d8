/**
 * The contract between the kernel and magics (`%name args` line magics, `%%name args` cell
 * magics). The kernel implements {@link MagicContext}; each magic implements {@link LineMagic} or
 * {@link CellMagic} and is registered in a registry (see `registry.ts`). Later features such as
 * `%%tune` plug in here without touching the kernel.
 */

/** A MIME bundle: MIME type → data (string, or JSON for `application/*+json` types). */
export type MimeBundle = Readonly<Record<string, unknown>>;

/** Options of a display call. */
export interface DisplayOptions {
  /** Identifies the output so it can be updated in place later. */
  readonly displayId?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/**
 * Where output goes: the one output interface of the kernel and the magics. The kernel implements
 * it once per `execute_request` (iopub messages whose parent is the request); `%%capture`
 * implements it to record; a {@link MagicContext} is one too (the cell's output, or the innermost
 * capture's).
 */
export interface OutputSink {
  /** Writes to the stdout stream (a `stream` message named `stdout` in a cell). */
  stdout(text: string): void;
  /** Writes to the stderr stream. */
  stderr(text: string): void;
  /** Shows a MIME bundle (a `display_data` message in a cell). */
  display(bundle: MimeBundle, options?: DisplayOptions): void;
  /** Replaces an earlier display with this id (an `update_display_data` message in a cell). */
  updateDisplay(displayId: string, bundle: MimeBundle, metadata?: Readonly<Record<string, unknown>>): void;
  /** Clears the output (`clear_output`); with `wait`, just before the next output arrives. */
  clearOutput(wait?: boolean): void;
}

/**
 * What a magic can do to the notebook while it runs. Implemented by the kernel, once per cell.
 * Its {@link OutputSink} members write to the cell's output.
 */
export interface MagicContext extends OutputSink {
  /**
   * Runs TypeScript in the notebook's global context (as if it were a cell of its own, without
   * its own execution count) and resolves to the value of its last expression.
   * Declarations it makes stay visible to later cells.
   */
  evaluate(code: string): Promise<unknown>;
  /**
   * The value of a variable, function or class defined by earlier cells, or `undefined`
   * when no such name exists (check with {@link MagicContext.has} to tell them apart).
   */
  lookup(name: string): unknown;
  /** Whether earlier cells defined `name`. */
  has(name: string): boolean;
  /** Binds `name` in the notebook's global scope so later cells can use it. */
  assign(name: string, value: unknown): void;
  /**
   * Aborted when the user interrupts the cell. A magic that watches it and stops by itself
   * (finishing its bookkeeping, showing what it has) should call {@link MagicContext.interruptCooperatively}
   * first, so the kernel waits for it instead of terminating JavaScript execution.
   */
  readonly signal: AbortSignal;
  /** Declares that this cell stops by itself soon after {@link MagicContext.signal} aborts. */
  interruptCooperatively(): void;
  /** The execution count of the cell being run. */
  readonly executionCount: number;
  /**
   * Optional (needed by `%%capture`): runs `run` with the output of evaluated code redirected to
   * `sink`. While `run` is pending, what code run by {@link MagicContext.evaluate} (and anything it
   * starts) writes to stdout and stderr (console.log, process.stdout.write) and displays (display
   * helpers, tslab's `display`) goes to `sink` instead of the notebook. This context's own
   * methods (`stdout`, `display`, …) are not redirected: they still write to the cell. With
   * AsyncLocalStorage-based routing this is `storage.run(sinkTarget, run)`.
   */
  redirectOutput?<T>(sink: OutputSink, run: () => Promise<T>): Promise<T>;
  /** Optional (needed by `%who`, `%whos`): the names earlier cells defined, for {@link MagicContext.lookup}. */
  names?(): readonly string[];
}

/** How a magic's options are declared; used for parsing, typing and generated `--help`. */
export interface OptionSpec {
  /** Long name without dashes, e.g. `trials` for `--trials`. */
  readonly name: string;
  /** Optional one-letter alias, e.g. `n` for `-n`. */
  readonly short?: string;
  readonly type: "string" | "number" | "integer" | "boolean" | "list";
  readonly description: string;
  /** Allowed values (for `string` options). */
  readonly choices?: readonly string[];
  readonly default?: string | number | boolean | readonly string[];
  readonly required?: boolean;
  /** Shown in help after the option, e.g. `N` in `--trials N`. */
  readonly metavar?: string;
  /**
   * For an option that names notebook values (`--objective f`, `--data xTrain,yTrain`): whether a
   * value earlier cells defined is one it takes. Completion offers the names of those it takes.
   */
  readonly takes?: (value: unknown) => boolean;
}

/** A positional argument of a magic. */
export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  /** When true it takes all remaining positional words. */
  readonly rest?: boolean;
  /**
   * When true it takes the rest of the argument text verbatim (unsplit, quotes kept) from the
   * first word that is not an option, as one string: for arguments that are code, like
   * `%time f("a b")`. Must be the last positional.
   */
  readonly raw?: boolean;
  /** Allowed words, offered by completion (the magic still checks them). */
  readonly choices?: readonly string[];
  /** As {@link OptionSpec.takes}: the notebook values it names, offered by completion. */
  readonly takes?: (value: unknown) => boolean;
}

/** Parsed arguments: option name → typed value, plus positionals by name. */
export type ParsedArgs = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

/** What every magic shares. */
export interface MagicBase {
  readonly name: string;
  /** One line shown by `%lsmagic` and at the top of `--help`. */
  readonly summary: string;
  /** Longer help text (grammar, examples), shown by `--help` after the options. */
  readonly help?: string;
  readonly options?: readonly OptionSpec[];
  readonly positionals?: readonly PositionalSpec[];
  /**
   * Whether `{expression}` and `$name` in the magic's line are expanded before its arguments are
   * parsed, as IPython does (default true). A magic whose line is code (`%time`) sets false.
   */
  readonly expandsLine?: boolean;
}

/**
 * `%name args`: a line magic. It may stand on any line of a cell; its result, when it is the
 * cell's last line and not `undefined`, becomes the cell's `execute_result`.
 */
export interface LineMagic extends MagicBase {
  readonly kind: "line";
  run(args: ParsedArgs, context: MagicContext): Promise<unknown> | unknown;
}

/**
 * `%%name args` on a cell's first line: a cell magic that owns the rest of the cell (`body`).
 * Its result, when not `undefined`, becomes the cell's `execute_result`.
 */
export interface CellMagic extends MagicBase {
  readonly kind: "cell";
  /**
   * @param body the cell after the first line (continuation lines of the first line, ending in
   *   `\`, belong to the arguments)
   * @param bodyLine the 1-based line number in the cell where `body` starts, for error messages
   */
  run(args: ParsedArgs, body: string, context: MagicContext, bodyLine: number): Promise<unknown> | unknown;
  /**
   * For a body that is not TypeScript (`%%tune`'s search space): completions at `cursor`, an
   * offset in `body`. Without it the body is TypeScript and the compiler completes it.
   */
  completeBody?(body: string, cursor: number): BodyCompletion;
}

/** Completions in a cell magic's body: the text `[start, end)` of the body may be replaced by each match. */
export interface BodyCompletion {
  readonly matches: readonly string[];
  readonly start: number;
  readonly end: number;
}

/** A line or cell magic. */
export type Magic = LineMagic | CellMagic;

/**
 * A user-facing error in a magic's input. The kernel shows it as an `error` message with
 * `ename` = `MagicError` and no JavaScript stack, so the message must say what was expected.
 */
export class MagicError extends Error {
  override readonly name = "MagicError";
  /**
   * @param message what is wrong and what was expected
   * @param line the 1-based line in the cell it refers to, when known
   */
  constructor(message: string, readonly line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

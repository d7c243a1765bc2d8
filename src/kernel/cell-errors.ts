/**
 * Error shaping: how a thrown value becomes a cell's error outcome (`ename`, `evalue`,
 * `traceback`, as in the `error` iopub message and the error `execute_reply`), and where errors
 * nobody caught are shown.
 */
import { toMimeBundle } from "../exec/display";
import { INTERRUPTED } from "../exec/guard";
import { INTERRUPTED_OUTCOME, type RunOutcome } from "../exec/outcome";
import { currentScope } from "../exec/output";
import { MagicError } from "../magic/types";
import { log } from "../common/log";
import type { ErrorContent } from "./messages";

/** A cell's failed outcome. */
export type ErrorOutcome = RunOutcome & { readonly status: "error" };

/** The outcome of an interrupted cell (defined beside the engine's own). */
export { INTERRUPTED_OUTCOME };

/** Raised into cells (as the abort reason) when the user interrupts. */
export class InterruptError extends Error {
  override readonly name = INTERRUPTED;
  constructor() {
    super("execution was interrupted");
  }
}

/** Carries a cell error through the magic system unchanged. */
class CellFailure extends Error {
  constructor(readonly outcome: ErrorOutcome) {
    super(outcome.evalue);
    this.name = outcome.ename;
  }
}

/** The value of a successful outcome; a failed one is thrown (for magics evaluating code). */
export function unwrap(outcome: RunOutcome): unknown {
  if (outcome.status === "ok") return outcome.value;
  throw new CellFailure(outcome);
}

/**
 * The outcome for a value thrown while a cell ran: a code error passed through magics as it was,
 * an interrupt (the cell's `signal` reason), a {@link MagicError} without a stack (its message
 * says what was expected), an `Error` with its stack frames, anything else as text.
 */
export function errorOutcome(error: unknown, signal: AbortSignal): ErrorOutcome {
  if (error instanceof CellFailure) return error.outcome;
  if (error instanceof InterruptError || (signal.aborted && error === signal.reason)) return INTERRUPTED_OUTCOME;
  if (error instanceof MagicError) return { status: "error", ename: "MagicError", evalue: error.message, traceback: [`MagicError: ${error.message}`] };
  if (error instanceof Error) {
    const frames = (error.stack ?? "").split("\n").filter((l) => l.startsWith("    at "));
    return { status: "error", ename: error.name, evalue: error.message, traceback: [`${error.name}: ${error.message}`, ...frames] };
  }
  return { status: "error", ename: "Error", evalue: String(error), traceback: [String(error)] };
}

/** Never aborted: for errors that did not come from a running cell's interrupt. */
const NOT_INTERRUPTED = new AbortController().signal;

/**
 * How a cell's value shows: its MIME bundle, or, when code of the value's own (its
 * `Jupyter.display` method, an `inspect.custom`) threw, the outcome of a cell that failed with that error.
 */
export function shownValue(value: unknown): { readonly data: Record<string, unknown> } | { readonly failure: ErrorOutcome } {
  try {
    return { data: toMimeBundle(value) };
  } catch (error) {
    return { failure: errorOutcome(error, NOT_INTERRUPTED) };
  }
}

/** The `error` content of a failed outcome (also spread into an error reply). */
export function errorContent(outcome: ErrorOutcome): ErrorContent {
  return { ename: outcome.ename, evalue: outcome.evalue, traceback: [...outcome.traceback] };
}

/** The error reply of a request whose handler failed (a kernel bug, logged with its stack). */
export function handlerFailureContent(error: unknown): ErrorContent {
  return { ename: "KernelError", evalue: error instanceof Error ? error.message : String(error), traceback: [] };
}

/** Shows an error nobody caught on the stderr of the cell whose work threw it (or in the log). */
export function reportStray(kind: string, error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  const scope = currentScope();
  if (scope !== undefined && scope.isOpen) scope.sink.stderr(`${kind}: ${text}\n`);
  else log(`${kind} outside a running cell: ${text}`);
}

/**
 * Routes what running code prints to the cell that started it. Every cell runs inside an
 * {@link AsyncLocalStorage} scope; `process.stdout.write`/`process.stderr.write` are patched once
 * to look the scope up, so output from timers and promises started by cell N goes to cell N even
 * when it happens later. A scope closed by an interrupt drops its output (logged aside).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { forwardOutput } from "../magic/context";
import type { OutputSink } from "../magic/types";
import { log } from "../common/log";

/** The one output interface, defined with the magic contract (src/magic/types.ts). */
export type { OutputSink };

/**
 * A running cell's {@link OutputSink} together with its stdin channel; implemented by the kernel
 * for each execute_request.
 */
export interface CellSink extends OutputSink {
  /** Asks the user for a line on the stdin channel; rejects when the client does not allow stdin. */
  input(prompt: string, password: boolean): Promise<string>;
}

/** The output scope of one cell. */
export class CellScope {
  private open = true;
  /** Whether dropped output was already reported in the kernel log. */
  droppedReported = false;
  constructor(readonly executionCount: number, readonly sink: CellSink) {}

  /**
   * A scope of the same cell whose output goes to `target` (for `%%capture`); `input()` still
   * asks the cell's client. It has its own open flag: closing this scope does not close it.
   */
  redirectedTo(target: OutputSink): CellScope {
    const cell = this.sink;
    return new CellScope(this.executionCount, { ...forwardOutput(() => target), input: (prompt, password) => cell.input(prompt, password) });
  }

  /** False after the cell was interrupted: its leftover work must not print into later cells. */
  get isOpen(): boolean {
    return this.open;
  }

  /** Stops routing: later output from this cell's leftover work is dropped and logged. */
  close(): void {
    this.open = false;
  }
}

const storage = new AsyncLocalStorage<CellScope>();

/** The scope of the code running now, if it was started by a cell. */
export function currentScope(): CellScope | undefined {
  return storage.getStore();
}

/** Runs `fn` inside `scope`: everything it starts (timers, promises) inherits the scope. */
export function runInScope<T>(scope: CellScope, fn: () => T): T {
  return storage.run(scope, fn);
}

let installed = false;

/** Patches stdout/stderr once so writes from cell code become `stream` messages of their cell. */
export function installOutputRouting(): void {
  if (installed) return;
  installed = true;
  for (const name of ["stdout", "stderr"] as const) {
    const stream = process[name];
    const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    const routed = (chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean => {
      const scope = storage.getStore();
      if (scope === undefined) return original(chunk, encodingOrCallback, callback);
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
      if (scope.isOpen) scope.sink[name](text);
      else if (!scope.droppedReported) {
        scope.droppedReported = true;
        log(`dropping output of interrupted cell ${scope.executionCount} (its leftover work still runs); first: ${JSON.stringify(text.slice(0, 200))}`);
      }
      const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
      if (typeof done === "function") queueMicrotask(() => (done as () => void)());
      return true;
    };
    stream.write = routed as typeof stream.write;
  }
}

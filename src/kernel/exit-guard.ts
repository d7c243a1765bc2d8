/**
 * `process.exit` in a cell does not end the kernel: the notebook's state would be lost, and the
 * exit hooks of the transport's native sockets abort the process (the frontend sees a dead kernel).
 * As IPython turns `sys.exit()` into a shown `SystemExit`, a cell's `process.exit(code)` throws a
 * {@link ProcessExitError} (shown as the cell's error, or on its stderr from a timer callback) and
 * the kernel keeps running with its state. The kernel itself exits through {@link exitProcess}.
 */

/** `process.exit` as it was before {@link guardProcessExit}: the way out for the kernel and the CLI that starts it. */
export const exitProcess: (code?: number) => never = process.exit.bind(process);

/** What a cell's `process.exit(code)` throws. */
export class ProcessExitError extends Error {
  override readonly name = "ProcessExitError";
  /** The exit code the cell asked for. */
  readonly code: number | string | null | undefined;

  constructor(code: number | string | null | undefined) {
    super(`process.exit(${code === undefined ? "" : String(code)}) was called; the kernel keeps running with its state (restart or shut down the kernel to end it)`);
    this.code = code;
  }
}

/** From now on, `process.exit` in this process (the kernel's main thread) throws; see the module comment. */
export function guardProcessExit(): void {
  process.exit = ((code?: number | string | null) => {
    throw new ProcessExitError(code);
  }) as typeof process.exit;
}

/**
 * Executes the code cells of a notebook in order through a {@link KernelClient}, writing each
 * cell's outputs and execution count into the notebook, with nbclient's semantics: stop at the
 * first error unless errors are allowed, a per-cell timeout that interrupts the kernel, and an
 * external interrupt (Ctrl-C) that stops the run after the current cell.
 */
import type { Message } from "../kernel/messages";
import { KernelClient, withTimeout, type KernelLanguage } from "./kernel-client";
import { CellOutputs, DisplayRegistry } from "./outputs";
import { joinText, type CodeCell, type Notebook } from "./notebook";

/** Options of {@link executeNotebook}. */
export interface ExecuteOptions {
  readonly language: KernelLanguage;
  /** Working directory of the kernel. */
  readonly cwd: string;
  /** Keep going after a cell errors (the kernel is asked not to abort queued cells either). */
  readonly allowErrors?: boolean;
  /** Per-cell limit in ms; on expiry the kernel is interrupted and the cell fails. None by default. */
  readonly cellTimeoutMs?: number;
  /** Answers to `input()`/`prompt()` in order; without them a cell asking for input fails. */
  readonly inputs?: readonly string[];
  /** Aborted to interrupt the run (e.g. on SIGINT): the running cell is interrupted, no more run. */
  readonly signal?: AbortSignal;
  /** Called before and after each code cell (progress on stderr). */
  readonly onCell?: (event: CellEvent) => void;
}

/** Progress of one code cell. */
export type CellEvent =
  | { readonly kind: "start"; readonly index: number; readonly total: number }
  | { readonly kind: "done"; readonly index: number; readonly total: number; readonly status: CellStatus; readonly ms: number };

/** How one code cell ended. */
export type CellStatus = "ok" | "error" | "timeout" | "interrupted";

/** What a run did. */
export interface ExecuteResult {
  /** `completed`: every code cell ran (some may have errored with allowErrors). */
  readonly status: "completed" | "failed" | "interrupted";
  /** Index (in `notebook.cells`) of the cell that stopped the run, if one did. */
  readonly failedCell?: number;
  /** `ename: evalue` of the first error, if any. */
  readonly firstError?: string;
  /** How many code cells were executed. */
  readonly executed: number;
}

/**
 * ms to wait after an interrupt for the cell to finish before giving up on the kernel (killing
 * it). Generous: a first cell waits for the compiler to load, which no interrupt can cut short,
 * and that took over 10 s on a loaded machine.
 */
const INTERRUPT_GRACE_MS = 30_000;

/**
 * Runs every non-empty code cell of `notebook` (mutated in place: outputs and counts).
 * The kernel is started here and always shut down before this returns.
 */
export async function executeNotebook(notebook: Notebook, options: ExecuteOptions): Promise<ExecuteResult> {
  const client = await KernelClient.start({ language: options.language, cwd: options.cwd });
  try {
    // As nbclient does: the notebook records the language of the kernel that ran it.
    const languageInfo = client.kernelInfo["language_info"];
    if (typeof languageInfo === "object" && languageInfo !== null) notebook.metadata["language_info"] = languageInfo;
    return await runCells(client, notebook, options);
  } finally {
    await client.shutdown();
  }
}

async function runCells(client: KernelClient, notebook: Notebook, options: ExecuteOptions): Promise<ExecuteResult> {
  const displays = new DisplayRegistry();
  const inputs = [...(options.inputs ?? [])];
  const codeCells = notebook.cells.map((cell, index) => ({ cell, index })).filter((entry): entry is { cell: CodeCell; index: number } => entry.cell.cell_type === "code");
  for (const { cell } of codeCells) {
    cell.outputs = [];
    cell.execution_count = null;
  }
  let executed = 0;
  let firstError: string | undefined;
  for (const { cell, index } of codeCells) {
    if (options.signal?.aborted) return { status: "interrupted", failedCell: index, executed, ...(firstError === undefined ? {} : { firstError }) };
    const code = joinText(cell.source);
    if (code.trim() === "") continue;
    options.onCell?.({ kind: "start", index, total: notebook.cells.length });
    const started = Date.now();
    const status = await runCell(client, cell, code, displays, inputs, options);
    executed += 1;
    options.onCell?.({ kind: "done", index, total: notebook.cells.length, status, ms: Date.now() - started });
    const error = cell.outputs.find((output) => output.output_type === "error");
    if (error !== undefined && error.output_type === "error") firstError ??= `${error.ename}: ${error.evalue}`;
    if (status === "interrupted") return { status: "interrupted", failedCell: index, executed, ...(firstError === undefined ? {} : { firstError }) };
    if (status !== "ok" && (options.allowErrors !== true || client.kernelExited)) {
      return { status: "failed", failedCell: index, executed, ...(firstError === undefined ? {} : { firstError }) };
    }
  }
  return { status: "completed", executed, ...(firstError === undefined ? {} : { firstError }) };
}

/** Executes one cell and waits for both its reply and its `idle` status. */
async function runCell(
  client: KernelClient,
  cell: CodeCell,
  code: string,
  displays: DisplayRegistry,
  inputs: string[],
  options: ExecuteOptions,
): Promise<CellStatus> {
  const collected = new CellOutputs(cell.outputs, displays);
  let wake: () => void = () => undefined;
  const idle = new Promise<void>((resolve) => (wake = resolve));
  const onIopub = (message: Message) => {
    collected.apply(message);
    if (message.header.msg_type === "execute_input" && typeof message.content["execution_count"] === "number") {
      cell.execution_count = message.content["execution_count"] as number;
    }
    if (collected.idle) wake();
  };
  let inputFailure: string | undefined;
  client.onInput((prompt) => {
    const answer = inputs.shift();
    if (answer !== undefined) return answer;
    inputFailure = `the cell asked for input (${JSON.stringify(prompt)}) but there is no stdin in a headless run; pass answers with --input VALUE`;
    void client.interrupt();
    return "";
  });
  const { header, reply } = client.request(
    "shell",
    "execute_request",
    { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: options.allowErrors !== true },
    onIopub,
  );
  const finished = Promise.all([reply, idle]);

  let stop: "timeout" | "interrupted" | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<void>((resolve) => {
    if (options.cellTimeoutMs !== undefined) {
      timer = setTimeout(() => {
        stop = "timeout";
        resolve();
      }, options.cellTimeoutMs);
    }
    const onAbort = () => {
      stop ??= "interrupted";
      resolve();
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const exited = client.whenExited().then(() => "exited" as const);
    const first = await Promise.race([finished.then(() => "finished" as const, () => "exited" as const), stopped.then(() => "stopped" as const), exited]);
    if (first === "exited") {
      collected.addRunnerError("DeadKernelError", "the kernel process exited while running this cell");
      return "error";
    }
    if (first === "stopped") {
      await client.interrupt();
      const settled = await withTimeout(finished, INTERRUPT_GRACE_MS, "the interrupted cell").then(
        () => true,
        () => false,
      );
      if (!settled) client.kill("SIGKILL");
    }
    const replyMessage = await reply.catch(() => undefined);
    if (replyMessage !== undefined && typeof replyMessage.content["execution_count"] === "number") {
      cell.execution_count = replyMessage.content["execution_count"] as number;
    }
    if (stop === "timeout") {
      collected.addRunnerError("CellTimeoutError", `the cell did not finish within ${options.cellTimeoutMs} ms (--timeout); the kernel was interrupted`);
      return "timeout";
    }
    if (stop === "interrupted") {
      if (collected.error === undefined) collected.addRunnerError("KeyboardInterrupt", "the run was interrupted");
      return "interrupted";
    }
    if (inputFailure !== undefined) {
      collected.addRunnerError("StdinNotAvailableError", inputFailure);
      return "error";
    }
    return replyMessage?.content["status"] === "ok" && collected.error === undefined ? "ok" : "error";
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    client.onInput(undefined);
    client.forget(header.msg_id);
  }
}

/**
 * The kernel on the main thread: a handler table by `msg_type`, the execute queue with
 * `stop_on_error`, busy/idle around every request, and the link between the protocol and the
 * execution engine (output routing, display, stdin, interrupts, magics).
 */
import { Worker } from "node:worker_threads";
import { randomUUID } from "node:crypto";
import * as path from "node:path";
import {
  codeView,
  completeMagic,
  createDefaultRegistry,
  magicCompleteness,
  MagicError,
  runCell,
  alignedCode,
  type Magic,
  type MagicContext,
  type MagicRegistry,
  type OutputSink,
} from "../magic";
import { forwardOutput } from "../magic/context";
import { Engine, INTERRUPTED, setCallbackInterruptedListener, setForcedInterruptProbe, type Language, type RunOutcome } from "../exec/engine";
import { CellScope, currentScope, installOutputRouting, runInScope, type CellSink } from "../exec/output";
import { setMagicRegistrar, toMimeBundle } from "../exec/display";
import { createSharedState, SharedSlot, type MainCommand, type TransportOptions, type WorkerEvent } from "./bridge";
import { History, parseHistoryQuery } from "./history";
import { log } from "./log";
import { createMessage, replyType, type Content, type Envelope, type Header, type Message } from "./messages";
import { kernelInfo } from "./info";
import { codePointsToUtf16, utf16ToCodePoints } from "./offsets";

/** How the kernel is started. */
export interface KernelOptions {
  readonly connectionFile: string;
  readonly language: Language;
  /** ms to wait for a non-cooperative cell before SIGINT (default 150). */
  readonly graceMs?: number;
  /** ms to wait for a cell that declared cooperative interrupts (default 10000). */
  readonly cooperativeGraceMs?: number;
  /** The parent pid at launch (default: `process.ppid` now); a change means the parent died. */
  readonly parentPid?: number;
}

type Handler = (envelope: Envelope, channel: "shell" | "control") => Promise<void> | void;

/** A cell being executed, with what is needed to settle it from outside. */
interface RunningCell {
  readonly scope: CellScope;
  readonly abort: AbortController;
  cooperative: boolean;
  settle(outcome: RunOutcome): void;
}

/** `setImmediate` as it was before cells could wrap it (kernel bookkeeping stays unguarded). */
const kernelSetImmediate = setImmediate;

/** Buffered stream text is sent once it reaches this many characters. */
const STREAM_CHUNK = 64 * 1024;

/** A SIGINT seen this soon after the worker sent one is taken to be that one, in ms. */
const SELF_SIGINT_WINDOW_MS = 1000;

const INTERRUPTED_OUTCOME: RunOutcome = {
  status: "error",
  ename: INTERRUPTED,
  evalue: "execution was interrupted",
  traceback: [`${INTERRUPTED}: execution was interrupted`],
};

/** Starts a kernel for `options`; resolves once the sockets are bound and `starting` is published. */
export async function startKernel(options: KernelOptions): Promise<Kernel> {
  const kernel = new Kernel(options);
  await kernel.start();
  return kernel;
}

/** The main-thread side of the kernel. */
export class Kernel {
  readonly session = randomUUID();
  private readonly shared = createSharedState();
  private readonly worker: Worker;
  private engineInstance: Engine | undefined;
  private readonly magics: MagicRegistry = createDefaultRegistry({ currentOutput: () => currentScope()?.sink });
  private readonly history = new History();
  private readonly handlers: Record<string, Handler>;
  private readonly queue: Envelope[] = [];
  private draining = false;
  private aborting = false;
  private executionCount = 0;
  private running: RunningCell | undefined;
  private readonly pendingInputs = new Map<string, (value: string) => void>();
  private readonly language: Language;
  private readonly epochMs = Date.now();

  /** The execution engine, created on first use (loading the compiler takes seconds). */
  private get engine(): Engine {
    this.engineInstance ??= new Engine(this.language, process.cwd());
    return this.engineInstance;
  }

  constructor(options: KernelOptions) {
    installOutputRouting();
    this.language = options.language;
    setMagicRegistrar((magic) => this.magics.register(magic as Magic));
    registerProjectMagics(this.magics);
    setCallbackInterruptedListener(() => this.interrupt());
    const shared = this.shared;
    setForcedInterruptProbe(
      () => Atomics.load(shared, SharedSlot.Running) === 1 && Atomics.load(shared, SharedSlot.Forced) === Atomics.load(shared, SharedSlot.Generation),
    );
    const transport: TransportOptions = {
      connectionFile: options.connectionFile,
      session: this.session,
      language: options.language,
      shared: this.shared,
      epochMs: this.epochMs,
      parentPid: options.parentPid ?? process.ppid,
      graceMs: options.graceMs ?? 150,
      cooperativeGraceMs: options.cooperativeGraceMs ?? 10_000,
    };
    this.worker = new Worker(path.join(__dirname, "transport.js"), { workerData: { transport } });
    this.handlers = {
      kernel_info_request: (e, c) => this.reply(e, c, kernelInfo(options.language)),
      execute_request: (e) => this.execute(e),
      complete_request: (e, c) => this.reply(e, c, this.complete(e.message.content)),
      inspect_request: (e, c) => this.reply(e, c, this.inspect(e.message.content)),
      is_complete_request: (e, c) => this.reply(e, c, this.isComplete(e.message.content)),
      history_request: (e, c) => this.reply(e, c, this.historyReply(e.message.content)),
      comm_info_request: (e, c) => this.reply(e, c, { status: "ok", comms: {} }),
      comm_open: (e) => this.refuseComm(e),
      comm_msg: () => undefined,
      comm_close: () => undefined,
    };
  }

  /** Binds the sockets (in the transport worker) and publishes `starting`. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.worker.on("message", (event: WorkerEvent) => {
        switch (event.kind) {
          case "ready":
            resolve();
            // Load the compiler now that the sockets answer; requests wait in the queue meanwhile.
            setImmediate(() => this.engine);
            break;
          case "fatal":
            reject(new Error(event.error));
            break;
          case "request":
            this.onRequest(event.channel, event.envelope);
            break;
          case "interrupt":
            this.interrupt();
            break;
          case "shutdown":
            this.shutdown();
            break;
          case "closed":
            void this.worker.terminate().finally(() => process.exit(0));
            break;
        }
      });
      this.worker.on("error", (error) => {
        log(`transport worker failed: ${error.message}`);
        reject(error);
      });
      process.on("SIGINT", () => this.onSigint());
      // Errors thrown by leftover work of cells (timers, unawaited promises) must not end the
      // kernel: they go to the stderr of the cell that started the work.
      process.on("uncaughtException", (error) => reportStray("Uncaught", error));
      process.on("unhandledRejection", (reason) => reportStray("Unhandled promise rejection", reason));
    });
  }

  // ---- dispatch ---------------------------------------------------------------------------

  private onRequest(channel: "shell" | "control" | "stdin", envelope: Envelope): void {
    if (channel === "stdin") {
      this.onStdin(envelope.message);
      return;
    }
    if (channel === "control") {
      void this.dispatch(envelope, "control");
      return;
    }
    this.queue.push(envelope);
    if (!this.draining) void this.drainQueue();
  }

  private async drainQueue(): Promise<void> {
    this.draining = true;
    while (this.queue.length > 0) {
      const envelope = this.queue.shift() as Envelope;
      await this.dispatch(envelope, "shell");
      // ipykernel stops aborting once the queue present at the error has drained.
      if (this.queue.length === 0) this.aborting = false;
    }
    this.draining = false;
  }

  private async dispatch(envelope: Envelope, channel: "shell" | "control"): Promise<void> {
    const header = envelope.message.header;
    const handler = this.handlers[header.msg_type];
    if (handler === undefined) {
      log(`ignored unknown message type ${JSON.stringify(header.msg_type)} on ${channel}`);
      return;
    }
    this.publish("status", { execution_state: "busy" }, header);
    try {
      await handler(envelope, channel);
    } catch (error) {
      log(`handler of ${header.msg_type} failed: ${(error as Error).stack ?? String(error)}`);
      if (header.msg_type.endsWith("_request")) {
        this.reply(envelope, channel, { status: "error", ename: "KernelError", evalue: (error as Error).message, traceback: [] });
      }
    } finally {
      this.publish("status", { execution_state: "idle" }, header);
    }
  }

  // ---- sending ----------------------------------------------------------------------------

  private post(command: MainCommand): void {
    this.worker.postMessage(command);
  }

  private publish(msgType: string, content: Content, parent?: Header): void {
    this.post({ kind: "send", channel: "iopub", identities: [], message: createMessage(msgType, this.session, content, parent) });
  }

  private reply(envelope: Envelope, channel: "shell" | "control", content: Content): void {
    const request = envelope.message;
    const message = createMessage(replyType(request.header.msg_type), this.session, content, request.header);
    this.post({ kind: "send", channel, identities: envelope.identities, message });
  }

  // ---- execute ----------------------------------------------------------------------------

  private async execute(envelope: Envelope): Promise<void> {
    const request = envelope.message;
    const content = request.content;
    const code = typeof content["code"] === "string" ? (content["code"] as string) : "";
    const silent = content["silent"] === true;
    const storeHistory = content["store_history"] !== false && !silent;
    const stopOnError = content["stop_on_error"] !== false;
    const allowStdin = content["allow_stdin"] === true;
    if (this.aborting && stopOnError) {
      this.reply(envelope, "shell", { status: "aborted", execution_count: this.executionCount });
      return;
    }
    if (storeHistory) this.executionCount += 1;
    const count = this.executionCount;
    if (!silent) this.publish("execute_input", { code, execution_count: count }, request.header);
    const historyEntry = storeHistory ? this.history.add(count, code) : undefined;

    const sink = this.sinkFor(envelope, allowStdin, silent);
    const scope = new CellScope(count, sink);
    const { outcome, payload } = await this.runCell(code, scope);
    sink.flush();

    if (outcome.status === "ok") {
      if (outcome.hasValue && !silent) {
        const data = toMimeBundle(outcome.value);
        if (historyEntry) historyEntry.output = String(data["text/plain"] ?? "");
        this.publish("execute_result", { execution_count: count, data, metadata: {} }, request.header);
      }
      const userExpressions = await this.userExpressions(content["user_expressions"]);
      this.reply(envelope, "shell", { status: "ok", execution_count: count, payload, user_expressions: userExpressions });
      return;
    }
    const error = { ename: outcome.ename, evalue: outcome.evalue, traceback: [...outcome.traceback] };
    if (!silent) this.publish("error", error, request.header);
    this.reply(envelope, "shell", { status: "error", execution_count: count, ...error });
    if (stopOnError) this.aborting = true;
  }

  /** Evaluates `user_expressions` after a successful cell, as ipykernel does (each on its own). */
  private async userExpressions(requested: unknown): Promise<Content> {
    const results: Content = {};
    if (typeof requested !== "object" || requested === null) return results;
    for (const [name, expression] of Object.entries(requested as Record<string, unknown>)) {
      if (typeof expression !== "string") {
        results[name] = { status: "error", ename: "TypeError", evalue: "a user expression must be a string", traceback: [] };
        continue;
      }
      const outcome = await this.engine.run(expression);
      results[name] =
        outcome.status === "ok"
          ? { status: "ok", data: toMimeBundle(outcome.value), metadata: {} }
          : { status: "error", ename: outcome.ename, evalue: outcome.evalue, traceback: [...outcome.traceback] };
    }
    return results;
  }

  /** Runs a cell (through the magic system when it has magics) and settles it on interrupt. */
  private runCell(code: string, scope: CellScope): Promise<{ outcome: RunOutcome; payload: unknown[] }> {
    return new Promise((resolve) => {
      const abort = new AbortController();
      let settled = false;
      const finish = (outcome: RunOutcome, payload: unknown[] = []) => {
        if (settled) return;
        settled = true;
        this.running = undefined;
        Atomics.store(this.shared, SharedSlot.Running, 0);
        Atomics.store(this.shared, SharedSlot.Cooperative, 0);
        if (outcome.status === "error" && outcome.ename === INTERRUPTED) scope.close();
        resolve({ outcome, payload });
      };
      const cell: RunningCell = { scope, abort, cooperative: false, settle: (outcome) => finish(outcome) };
      this.running = cell;
      Atomics.add(this.shared, SharedSlot.Generation, 1);
      Atomics.store(this.shared, SharedSlot.Running, 1);
      const context = this.magicContext(scope, cell);
      runInScope(scope, async () => {
        try {
          if (!hasMagicSyntax(code)) return finish(await this.engine.run(code));
          const result = await runCell(code, {
            registry: this.magics,
            context,
            runCode: async (segment) => unwrap(await this.engine.run(alignedCode(segment))),
            inspect: (name) => {
              const text = this.engine.inspect(name, name.length);
              return text === undefined ? undefined : { "text/plain": text };
            },
          });
          const outcome: RunOutcome = { status: "ok", hasValue: result.value !== undefined, value: result.value };
          return finish(outcome, [...result.payload]);
        } catch (error) {
          return finish(errorOutcome(error, abort.signal));
        }
      }).catch((error: unknown) => finish(errorOutcome(error, abort.signal)));
    });
  }

  /**
   * SIGINT from outside (interrupt_mode "signal") interrupts like interrupt_request. A SIGINT the
   * transport worker sent itself is already being handled; when its JavaScript handler runs late
   * (the signal arrived outside guarded cell code), it must not hit the next cell.
   */
  private onSigint(): void {
    const selfAt = Atomics.load(this.shared, SharedSlot.SelfSigintAt);
    if (selfAt > 0 && Date.now() - this.epochMs - selfAt < SELF_SIGINT_WINDOW_MS) return;
    this.interrupt();
  }

  private interrupt(): void {
    const cell = this.running;
    if (cell === undefined) return;
    log(`interrupting cell ${cell.scope.executionCount}`);
    cell.abort.abort(new InterruptError());
    // A cooperative cell finishes by itself; others waiting on an await are settled now (a busy
    // one cannot be reached here: the transport worker's SIGINT stops it).
    if (!cell.cooperative) cell.settle(INTERRUPTED_OUTCOME);
  }

  private shutdown(): void {
    log("shutdown requested");
    this.engineInstance?.close();
    this.post({ kind: "close" });
    // Exit once the worker has flushed and closed its sockets (or after a delay if it cannot).
    setTimeout(() => process.exit(0), 2000).unref();
  }

  /** Where the output of a cell goes: iopub messages with the request as parent. */
  private sinkFor(envelope: Envelope, allowStdin: boolean, silent: boolean): CellSink & { flush(): void } {
    const parent = envelope.message.header;
    // Stream text is coalesced (per turn of the event loop, or every STREAM_CHUNK characters) so
    // that a loop printing thousands of lines sends a few messages, not thousands.
    let buffered: { name: "stdout" | "stderr"; text: string } | undefined;
    let flushScheduled = false;
    const flush = () => {
      if (buffered === undefined) return;
      const { name, text } = buffered;
      buffered = undefined;
      this.publish("stream", { name, text }, parent);
    };
    const publish = (type: string, content: Content) => {
      if (silent) return;
      flush();
      this.publish(type, content, parent);
    };
    const stream = (name: "stdout" | "stderr", text: string) => {
        if (silent) return;
        if (buffered !== undefined && buffered.name !== name) flush();
        buffered = { name, text: (buffered?.text ?? "") + text };
        if (buffered.text.length >= STREAM_CHUNK) flush();
        else if (!flushScheduled) {
          flushScheduled = true;
          kernelSetImmediate(() => {
            flushScheduled = false;
            flush();
          });
        }
    };
    return {
      flush,
      stdout: (text) => stream("stdout", text),
      stderr: (text) => stream("stderr", text),
      display: (bundle, options) =>
        publish("display_data", {
          data: bundle,
          metadata: options?.metadata ?? {},
          transient: options?.displayId === undefined ? {} : { display_id: options.displayId },
        }),
      updateDisplay: (displayId, bundle, metadata) =>
        publish("update_display_data", { data: bundle, metadata: metadata ?? {}, transient: { display_id: displayId } }),
      clearOutput: (wait) => publish("clear_output", { wait: wait === true }),
      input: (prompt, password) => {
        if (!allowStdin) return Promise.reject(new Error("input() is not available: this client does not allow stdin (allow_stdin is false)"));
        const message = createMessage("input_request", this.session, { prompt, password }, parent);
        return new Promise<string>((resolve) => {
          this.pendingInputs.set(message.header.msg_id, resolve);
          this.post({ kind: "send", channel: "stdin", identities: envelope.identities, message });
        });
      },
    };
  }

  private onStdin(message: Message): void {
    if (message.header.msg_type !== "input_reply") return;
    let requestId = (message.parent_header as Partial<Header>).msg_id ?? "";
    // Some clients omit the parent header; with a single pending request there is no ambiguity.
    if (!this.pendingInputs.has(requestId) && this.pendingInputs.size === 1) requestId = [...this.pendingInputs.keys()][0] as string;
    const resolve = this.pendingInputs.get(requestId);
    if (resolve === undefined) {
      log("input_reply without a pending input_request; ignored");
      return;
    }
    this.pendingInputs.delete(requestId);
    resolve(typeof message.content["value"] === "string" ? (message.content["value"] as string) : "");
  }

  /** The {@link MagicContext} of one cell. */
  private magicContext(scope: CellScope, cell: RunningCell): MagicContext {
    const engine = this.engine;
    const sink = scope.sink;
    const shared = this.shared;
    return {
      ...forwardOutput(() => sink),
      evaluate: async (code) => unwrap(await engine.run(code)),
      lookup: (name) => engine.lookup(name),
      has: (name) => engine.has(name),
      names: () => engine.names(),
      assign: (name, value) => engine.assign(name, value),
      signal: cell.abort.signal,
      interruptCooperatively: () => {
        cell.cooperative = true;
        Atomics.store(shared, SharedSlot.Cooperative, 1);
      },
      executionCount: scope.executionCount,
      redirectOutput: <T>(target: OutputSink, run: () => Promise<T>): Promise<T> => runInScope(scope.redirectedTo(target), run),
    };
  }

  // ---- introspection ----------------------------------------------------------------------

  private complete(content: Content): Content {
    const code = typeof content["code"] === "string" ? (content["code"] as string) : "";
    const cursor = codePointsToUtf16(code, typeof content["cursor_pos"] === "number" ? (content["cursor_pos"] as number) : code.length);
    const reply = (matches: readonly string[], start: number, end: number): Content => ({
      status: "ok",
      matches: [...matches],
      cursor_start: utf16ToCodePoints(code, start),
      cursor_end: utf16ToCodePoints(code, end),
      metadata: {},
    });
    const magic = safe(() => completeMagic(code, cursor, this.magics));
    if (magic !== undefined) return reply(magic.matches, magic.cursorStart, magic.cursorEnd);
    const view = safe(() => codeView(code, this.magics));
    const at = view === undefined ? cursor : view.toCode(cursor);
    if (at === undefined) return reply([], cursor, cursor);
    const found = this.engine.complete(view?.code ?? code, at);
    return reply(found.matches, view?.toCell(found.start) ?? found.start, view?.toCell(found.end) ?? found.end);
  }

  private inspect(content: Content): Content {
    const code = typeof content["code"] === "string" ? (content["code"] as string) : "";
    const cursor = codePointsToUtf16(code, typeof content["cursor_pos"] === "number" ? (content["cursor_pos"] as number) : code.length);
    const view = safe(() => codeView(code, this.magics));
    const at = view === undefined ? cursor : view.toCode(cursor);
    const text = at === undefined ? undefined : this.engine.inspect(view?.code ?? code, at);
    return { status: "ok", found: text !== undefined, data: text === undefined ? {} : { "text/plain": text }, metadata: {} };
  }

  private isComplete(content: Content): Content {
    const code = typeof content["code"] === "string" ? (content["code"] as string) : "";
    const magic = magicCompleteness(code);
    if (magic === "incomplete") return { status: "incomplete", indent: "" };
    if (magic !== undefined) return { status: magic };
    const view = safe(() => codeView(code));
    const verdict = this.engine.isComplete(view?.code ?? code);
    return verdict.status === "incomplete" ? { status: "incomplete", indent: verdict.indent } : { status: verdict.status };
  }

  private historyReply(content: Content): Content {
    const query = parseHistoryQuery(content);
    if (typeof query === "string") return { status: "error", ename: "ValueError", evalue: query, traceback: [] };
    return { status: "ok", history: this.history.query(query) };
  }

  private refuseComm(envelope: Envelope): void {
    const content = envelope.message.content;
    log(`comm_open for unknown target ${JSON.stringify(content["target_name"])}; closing it`);
    this.publish("comm_close", { comm_id: content["comm_id"], data: {} }, envelope.message.header);
  }
}

/** Shows an error nobody caught on the stderr of the cell whose work threw it (or in the log). */
function reportStray(kind: string, error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  const scope = currentScope();
  if (scope !== undefined && scope.isOpen) scope.sink.stderr(`${kind}: ${text}\n`);
  else log(`${kind} outside a running cell: ${text}`);
}

/** `%%tune` and `%tune_plot` (src/magic/tune); a broken tuner must not take the kernel down with it. */
function registerProjectMagics(registry: MagicRegistry): void {
  try {
    const tuner = require("../magic/tune") as typeof import("../magic/tune");
    const session = require("../cell-api/session") as typeof import("../cell-api/session");
    tuner.registerTuneMagics(registry, { embedding: session.sessionEmbedding });
  } catch (error) {
    log(`%%tune is unavailable: ${(error as Error).message}`);
  }
}

/** Raised into cells (as the abort reason) when the user interrupts. */
class InterruptError extends Error {
  override readonly name = INTERRUPTED;
  constructor() {
    super("execution was interrupted");
  }
}

function hasMagicSyntax(code: string): boolean {
  return /(^|\n)%/.test(code) || /\?\s*$/.test(code);
}

function unwrap(outcome: RunOutcome): unknown {
  if (outcome.status === "ok") return outcome.value;
  throw new CellFailure(outcome);
}

/** Carries a cell error through the magic system unchanged. */
class CellFailure extends Error {
  constructor(readonly outcome: RunOutcome & { status: "error" }) {
    super(outcome.evalue);
    this.name = outcome.ename;
  }
}

function errorOutcome(error: unknown, signal: AbortSignal): RunOutcome {
  if (error instanceof CellFailure) return error.outcome;
  if (error instanceof InterruptError || (signal.aborted && error === signal.reason)) return INTERRUPTED_OUTCOME;
  if (error instanceof MagicError) return { status: "error", ename: "MagicError", evalue: error.message, traceback: [`MagicError: ${error.message}`] };
  if (error instanceof Error) {
    const frames = (error.stack ?? "").split("\n").filter((l) => l.startsWith("    at "));
    return { status: "error", ename: error.name, evalue: error.message, traceback: [`${error.name}: ${error.message}`, ...frames] };
  }
  return { status: "error", ename: "Error", evalue: String(error), traceback: [String(error)] };
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

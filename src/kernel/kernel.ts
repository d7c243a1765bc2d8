/**
 * The kernel on the main thread: the handler table (every message type the kernel receives, and
 * who handles it), the execute queue with `stop_on_error`, busy/idle around every request, and the
 * execute handler, which runs a cell ({@link CellRunner}) with its output going to iopub
 * ({@link createCellSink}). See README.md here for how a message flows.
 */
import { Worker } from "node:worker_threads";
import { randomUUID } from "node:crypto";
import * as path from "node:path";
import type { Language } from "../exec/engine";
import { codeCacheDir, prefetchCompilerCaches } from "../exec/code-cache";
import { CellScope, installOutputRouting } from "../exec/output";
import { createSharedState, LEFTOVER_WORK, SharedSlot, TRANSPORT_REQUESTS, type MainCommand, type TransportOptions, type TransportRequest, type WorkerEvent } from "./bridge";
import { errorContent, handlerFailureContent, reportStray, shownValue } from "./cell-errors";
import { CellRunner } from "./cell-runner";
import { createCellSink, StdinRequests } from "./cell-sink";
import { History } from "./history";
import { log } from "../common/log";
import { exitProcess, guardProcessExit } from "./exit-guard";
import { createMessage, replyType, type Content, type Envelope, type Header, type IopubContents, type IopubType } from "./messages";
import { decodeRequest, invalidRequestReply, isRequestType, type CommOpen, type ExecuteRequest, type Requests, type RequestType } from "./requests";

/** How the kernel is started. */
export interface KernelOptions {
  readonly connectionFile: string;
  readonly language: Language;
  /** ms to wait for a non-cooperative cell before SIGINT (default 150). */
  readonly graceMs?: number;
  /** ms to wait for a cell that declared cooperative interrupts (default 3000, so an interrupted search ends within 5 s). */
  readonly cooperativeGraceMs?: number;
  /** The parent pid at launch (default: `process.ppid` now); a change means the parent died. */
  readonly parentPid?: number;
  /** Run with an empty key on a non-loopback address (refused otherwise: anyone there could run code). */
  readonly allowUnsignedRemote?: boolean;
}

/** The channels requests arrive on. */
type RequestChannel = "shell" | "control" | "stdin";

/** A message type handled on the main thread, with its decoded content. */
interface MainRoute<T extends RequestType> {
  readonly channels: readonly RequestChannel[];
  handle(request: Requests[T], envelope: Envelope, channel: RequestChannel): Promise<void> | void;
  /** What to do when the content does not decode (default: an error reply to a request, a log line otherwise). */
  invalid?(error: string, envelope: Envelope, channel: RequestChannel): void;
}

/** A message type the transport worker answers itself; `why` says why it cannot wait for this thread. */
interface TransportRoute {
  readonly channels: readonly ("shell" | "control")[];
  readonly answeredByTransport: string;
}

/** Every message type the kernel receives; only those in {@link TransportRequest} may go to the worker. */
type HandlerTable = { readonly [T in RequestType]: T extends TransportRequest ? MainRoute<T> | TransportRoute : MainRoute<T> };

const SHELL_OR_CONTROL = ["shell", "control"] as const;

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
  private readonly cells: CellRunner;
  private readonly history = new History();
  private readonly stdin: StdinRequests;
  private readonly queue: Envelope[] = [];
  /** The worker's number of each execute_request not handled yet, by msg_id (see bridge.ts). */
  private readonly executions = new Map<string, number>();
  private draining = false;
  /** Set once the worker closed the sockets on shutdown (its exit is expected then). */
  private closing = false;
  private aborting = false;
  private executionCount = 0;

  /** Every message type the kernel receives, the channels it is accepted on, and who handles it. */
  private readonly handlers: HandlerTable = {
    kernel_info_request: {
      channels: SHELL_OR_CONTROL,
      answeredByTransport: "its content is static, so the kernel answers as soon as its sockets are bound, while this thread still loads the compiler",
    },
    interrupt_request: {
      channels: ["control"],
      answeredByTransport: "a busy cell blocks this thread; the worker replies, then stops the cell (this thread's interrupt(), SIGINT where cell code is guarded)",
    },
    shutdown_request: {
      channels: ["control"],
      answeredByTransport: "a busy cell blocks this thread; the worker replies, flushes and closes the sockets, then sends `shutdown` here (see shutdown())",
    },
    execute_request: {
      channels: SHELL_OR_CONTROL,
      handle: (request, envelope) => this.execute(request, envelope),
      invalid: (error, envelope, channel) => this.reply(envelope, channel, { ...invalidRequestReply(error), execution_count: this.executionCount }),
    },
    complete_request: { channels: SHELL_OR_CONTROL, handle: (request, envelope, channel) => this.reply(envelope, channel, introspection().complete(request, this.cells.engine, this.cells.magics)) },
    inspect_request: { channels: SHELL_OR_CONTROL, handle: (request, envelope, channel) => this.reply(envelope, channel, introspection().inspect(request, this.cells.engine, this.cells.magics)) },
    is_complete_request: { channels: SHELL_OR_CONTROL, handle: (request, envelope, channel) => this.reply(envelope, channel, introspection().isComplete(request, this.cells.engine)) },
    history_request: { channels: SHELL_OR_CONTROL, handle: (query, envelope, channel) => this.reply(envelope, channel, { status: "ok", history: this.history.query(query) }) },
    // No comm targets exist: no comm is ever open, a comm_open is closed at once.
    comm_info_request: { channels: SHELL_OR_CONTROL, handle: (_request, envelope, channel) => this.reply(envelope, channel, { status: "ok", comms: {} }) },
    comm_open: { channels: SHELL_OR_CONTROL, handle: (request, envelope) => this.refuseComm(request, envelope) },
    comm_msg: { channels: SHELL_OR_CONTROL, handle: () => undefined },
    comm_close: { channels: SHELL_OR_CONTROL, handle: () => undefined },
    input_reply: {
      channels: ["stdin"],
      handle: (reply, envelope) => this.stdin.answer(reply.value, envelope.message),
      invalid: (error, envelope) => this.stdin.fail(error, envelope.message),
    },
  };

  constructor(options: KernelOptions) {
    installOutputRouting();
    const transport: TransportOptions = {
      connectionFile: options.connectionFile,
      session: this.session,
      answers: answeredByTransport(this.handlers),
      language: options.language,
      shared: this.shared,
      parentPid: options.parentPid ?? process.ppid,
      graceMs: options.graceMs ?? 150,
      cooperativeGraceMs: options.cooperativeGraceMs ?? 3000,
      allowUnsignedRemote: options.allowUnsignedRemote === true,
    };
    // The transport thread starts first: it binds the sockets while this thread loads the rest.
    this.worker = new Worker(path.join(__dirname, "transport.js"), { workerData: { transport } });
    this.cells = new CellRunner(options.language, this.shared);
    this.stdin = new StdinRequests(this.session, (identities, message) => this.post({ kind: "send", channel: "stdin", identities, message }));
  }

  /** Binds the sockets (in the transport worker) and publishes `starting`. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.worker.on("message", (event: WorkerEvent) => {
        switch (event.kind) {
          case "ready":
            resolve();
            break;
          case "fatal":
            // The rejection reports the error and exits; the worker's exit must not pre-empt it.
            this.closing = true;
            reject(new Error(event.error));
            break;
          case "request":
            this.onRequest(event.channel, event.envelope, event.execution);
            break;
          case "interrupt":
            this.cells.interrupt(event.execution, event.force === true);
            break;
          case "ping":
            Atomics.store(this.shared, SharedSlot.Pong, event.seq);
            break;
          case "shutdown":
            this.shutdown();
            break;
          case "closed":
            this.closing = true;
            void this.worker.terminate().finally(() => exitProcess(0));
            break;
        }
      });
      this.worker.on("error", (error) => {
        log(`transport worker failed: ${error.stack ?? error.message}`);
        reject(error);
      });
      // Without the worker there are no sockets and no parent watch: nothing could reach this kernel.
      this.worker.on("exit", (code) => {
        if (this.closing) return;
        log(`transport worker exited (code ${code}); the kernel cannot be reached, exiting`);
        exitProcess(1);
      });
      process.on("SIGINT", () => this.onSigint());
      // Errors thrown by leftover work of cells (timers, unawaited promises) must not end the
      // kernel: they go to the stderr of the cell that started the work.
      process.on("uncaughtException", (error) => reportStray("Uncaught", error));
      process.on("unhandledRejection", (reason) => reportStray("Unhandled promise rejection", reason));
      guardProcessExit();
      // Load the compiler while the transport thread binds the sockets (kernel_info is answered
      // there), once its files and the syntax tree pack are read (on the thread pool; `tunelab
      // kernel` starts the reads first thing); requests for this thread wait in the queue
      // meanwhile. The magics that load the tuning engine come after, when the first cells have
      // had their turn.
      void prefetchCompilerCaches(codeCacheDir()).then(() => {
        void this.cells.engine;
        setImmediate(() => {
          void this.cells.magics;
          this.warmUpCellPathWhileIdle();
        });
      });
    });
  }

  // ---- dispatch ---------------------------------------------------------------------------

  /** Shell requests wait in the queue (one at a time); control and stdin are handled at once. */
  private onRequest(channel: RequestChannel, envelope: Envelope, execution: number | undefined): void {
    if (execution !== undefined) this.executions.set(envelope.message.header.msg_id, execution);
    if (channel !== "shell") {
      void this.dispatch(envelope, channel);
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
    this.warmUpCellPathWhileIdle();
  }

  /** Lets the engine warm its per-cell path (cell-path-warm-up.ts) until a request comes. */
  private warmUpCellPathWhileIdle(): void {
    void this.cells.warmUpCellPath(() => this.queue.length === 0 && !this.draining && !this.closing);
  }

  /** Looks the message type up in the handler table and runs its handler, between busy and idle. */
  private async dispatch(envelope: Envelope, channel: RequestChannel): Promise<void> {
    const type = envelope.message.header.msg_type;
    if (!isRequestType(type)) {
      log(`ignored unknown message type ${JSON.stringify(type)} on ${channel}`);
      return;
    }
    try {
      await this.handle(type, envelope, channel);
    } finally {
      this.executions.delete(envelope.message.header.msg_id);
    }
  }

  private async handle<T extends RequestType>(type: T, envelope: Envelope, channel: RequestChannel): Promise<void> {
    const route = this.handlers[type] as MainRoute<T> | TransportRoute;
    if (!(route.channels as readonly RequestChannel[]).includes(channel)) {
      log(`ignored ${type} on ${channel}: it is accepted on ${route.channels.join(" and ")}`);
      return;
    }
    if ("answeredByTransport" in route) {
      log(`ignored ${type} on ${channel}: the transport worker answers it`);
      return;
    }
    const header = envelope.message.header;
    // Like ipykernel: busy/idle around every shell and control message, not around stdin replies.
    const status = channel !== "stdin";
    if (status) this.publish("status", { execution_state: "busy" }, header);
    try {
      const decoded = decodeRequest(type, envelope.message.content);
      if (decoded.ok) await route.handle(decoded.request, envelope, channel);
      else if (route.invalid !== undefined) route.invalid(decoded.error, envelope, channel);
      else if (type.endsWith("_request")) this.reply(envelope, channel, invalidRequestReply(decoded.error));
      else log(`ignored ${type} on ${channel}: ${decoded.error}`);
    } catch (error) {
      log(`handler of ${type} failed: ${(error as Error).stack ?? String(error)}`);
      if (type.endsWith("_request")) this.reply(envelope, channel, { status: "error", ...handlerFailureContent(error) });
    } finally {
      if (status) this.publish("status", { execution_state: "idle" }, header);
    }
  }

  // ---- sending ----------------------------------------------------------------------------

  private post(command: MainCommand): void {
    this.worker.postMessage(command);
  }

  private publish<T extends IopubType>(type: T, content: IopubContents[T], parent?: Header): void {
    this.post({ kind: "send", channel: "iopub", identities: [], message: createMessage(type, this.session, { ...content }, parent) });
  }

  private reply(envelope: Envelope, channel: RequestChannel, content: Content): void {
    const request = envelope.message;
    const message = createMessage(replyType(request.header.msg_type), this.session, content, request.header);
    this.post({ kind: "send", channel, identities: envelope.identities, message });
  }

  // ---- handlers -----------------------------------------------------------------------------

  /** `execute_request`: counts, publishes the input, runs the cell, publishes its result or error, replies. */
  private async execute(request: ExecuteRequest, envelope: Envelope): Promise<void> {
    const parent = envelope.message.header;
    const { code, silent } = request;
    if (this.aborting && request.stopOnError) {
      this.reply(envelope, "shell", { status: "aborted", execution_count: this.executionCount });
      return;
    }
    if (request.storeHistory) this.executionCount += 1;
    const count = this.executionCount;
    if (!silent) this.publish("execute_input", { code, execution_count: count }, parent);
    const historyEntry = request.storeHistory ? this.history.add(count, code) : undefined;

    const sink = createCellSink((type, content) => this.publish(type, content, parent), {
      silent,
      allowStdin: request.allowStdin,
      ask: (prompt, password) => this.stdin.ask(envelope, prompt, password),
    });
    // Every execute_request the worker forwards has its number; 0 (never an execution) otherwise.
    const execution = this.executions.get(parent.msg_id) ?? 0;
    const ran = await this.cells.run(code, new CellScope(count, sink), execution);
    sink.flush();
    const { payload } = ran;
    let outcome = ran.outcome;
    let data: Record<string, unknown> | undefined;
    if (outcome.status === "ok" && outcome.hasValue && !silent) {
      // The value's own display code may throw: the cell then fails with that error.
      const shown = shownValue(outcome.value);
      if ("data" in shown) data = shown.data;
      else outcome = shown.failure;
    }

    if (outcome.status === "ok") {
      if (data !== undefined) {
        if (historyEntry) historyEntry.output = String(data["text/plain"] ?? "");
        this.publish("execute_result", { execution_count: count, data, metadata: {} }, parent);
      }
      const userExpressions = await this.cells.userExpressions(request.userExpressions);
      this.reply(envelope, "shell", { status: "ok", execution_count: count, payload, user_expressions: userExpressions });
      return;
    }
    const error = errorContent(outcome);
    if (!silent) this.publish("error", error, parent);
    this.reply(envelope, "shell", { status: "error", execution_count: count, ...error });
    if (request.stopOnError) this.aborting = true;
  }

  /** `comm_open`: no comm target exists, so the comm is closed at once (as ipykernel does). */
  private refuseComm(request: CommOpen, envelope: Envelope): void {
    log(`comm_open for unknown target ${JSON.stringify(request.targetName)}; closing it`);
    this.publish("comm_close", { comm_id: request.commId, data: {} }, envelope.message.header);
  }

  /**
   * What the transport worker sends after answering `shutdown_request`: release the engine and
   * the warm training pool, let the worker flush and close the sockets, then exit (or after a
   * delay if it cannot).
   */
  private shutdown(): void {
    log("shutdown requested");
    setTimeout(() => exitProcess(0), 2000).unref();
    void this.cells.close().finally(() => this.post({ kind: "close" }));
  }

  /**
   * The SIGINT handler (it runs when the signal arrived outside guarded cell code). A SIGINT the
   * transport worker sent is for one execution (or leftover work, which it could not reach here):
   * it interrupts that execution only if it still runs. One from outside (interrupt_mode
   * "signal") interrupts the cell running now, like interrupt_request.
   */
  private onSigint(): void {
    const target = this.cells.sigintSeen() ?? this.cells.runningExecution;
    if (target !== undefined && target !== LEFTOVER_WORK && target === this.cells.runningExecution) this.cells.interrupt(target);
  }
}

/** The table's entries that the transport worker answers, for the worker. */
function answeredByTransport(table: HandlerTable): TransportOptions["answers"] {
  const answers: Partial<Record<TransportRequest, readonly ("shell" | "control")[]>> = {};
  for (const type of TRANSPORT_REQUESTS) {
    const route = table[type];
    if ("answeredByTransport" in route) answers[type] = route.channels;
  }
  return answers;
}

/**
 * The replies to completion, inspection and `is_complete` (loaded on first use: they load the
 * magic system's parser, which the first cell's result need not wait for).
 */
function introspection(): typeof import("./introspection") {
  return require("./introspection") as typeof import("./introspection");
}

/**
 * The transport worker: a worker thread that owns all five sockets, so heartbeat and control keep
 * answering while the main thread is blocked in a cell. It verifies and decodes incoming messages
 * (dropping bad ones with a log line), forwards them to the main thread, signs and sends what the
 * main thread asks, and answers the requests the handler table in kernel.ts gives it
 * (kernel_info, interrupt, shutdown), carrying out interrupts and shutdowns itself.
 *
 * Interrupts: see {@link Transport.interrupt}.
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { endpoint, readConnectionFile, unsignedVerdict, type ConnectionInfo } from "./connection";
import { createMessage, replyType, type Content, type Envelope, type Message } from "./messages";
import { LEFTOVER_WORK, SharedSlot, type MainCommand, type TransportOptions, type TransportRequest, type WorkerEvent } from "./bridge";
import { decodeRequest, invalidRequestReply, type ShutdownRequest } from "./requests";
import { decodeMessage, DEFAULT_WIRE_LIMITS, encodeMessage, Signer, type WireLimits } from "./wire";
import { log } from "../common/log";
import { GuardedState } from "../exec/guard";
import { kernelInfo } from "./info";

/** How long a forced interrupt waits for the cell to stop at an await before SIGINT, in ms. */
const FORCED_AWAIT_WAIT_MS = 60;

/** How long SIGINT gets to stop the cell before the worker gives up on it, in ms. */
const SIGINT_WAIT_MS = 3000;

/** How long the main thread gets to answer a ping when an interrupt finds no cell running, in ms. */
const IDLE_CHECK_MS = 500;

/** How long an interrupt waits for a requested cell to start, in ms. */
const PENDING_CELL_WAIT_MS = 15_000;

/** How often the worker checks that the parent process is alive, in ms. */
const PARENT_POLL_MS = 1000;

class Transport {
  private readonly signer: Signer;
  private readonly shell = new zmq.Router();
  private readonly control = new zmq.Router();
  private readonly stdin = new zmq.Router();
  private readonly iopub = new zmq.Publisher();
  private readonly heartbeat = new zmq.Reply();
  private sendChain: Promise<void> = Promise.resolve();
  private pings = 0;
  /** The number the next forwarded execute_request gets (see bridge.ts). */
  private nextExecution = 1;
  /** execute_requests forwarded to the main thread and not answered yet: msg_id → execution, in request order. */
  private readonly executions = new Map<string, number>();
  /** Whether any cell has finished: before that, no leftover work of a cell can hold the main thread. */
  private anyCellFinished = false;
  /** The executions (or {@link LEFTOVER_WORK}) an interrupt is being carried out for. */
  private readonly stopping = new Set<number>();
  private readonly limits: WireLimits = wireLimitsFromEnvironment();

  constructor(private readonly info: ConnectionInfo, private readonly options: TransportOptions) {
    const unsigned = unsignedVerdict(info, options.allowUnsignedRemote);
    if (unsigned?.refuse === true) throw new Error(unsigned.message);
    if (unsigned !== undefined) log(unsigned.message);
    this.signer = new Signer(info.key);
    for (const socket of [this.shell, this.control, this.stdin, this.iopub, this.heartbeat]) {
      socket.linger = 1000;
      // ZeroMQ drops (and disconnects) a peer whose frame exceeds this before it is stored whole;
      // decodeMessage checks the sum of the frames against the same limit.
      socket.maxMessageSize = this.limits.maxMessageBytes;
    }
    // Bursts of output must not drop status messages (a client waits for "idle").
    this.iopub.sendHighWaterMark = 100_000;
  }

  async start(): Promise<void> {
    const info = this.info;
    await Promise.all([
      this.shell.bind(endpoint(info, info.shellPort)),
      this.control.bind(endpoint(info, info.controlPort)),
      this.stdin.bind(endpoint(info, info.stdinPort)),
      this.iopub.bind(endpoint(info, info.iopubPort)),
      this.heartbeat.bind(endpoint(info, info.hbPort)),
    ]);
    void this.echoHeartbeats();
    void this.receive(this.shell, "shell");
    void this.receive(this.control, "control");
    void this.receive(this.stdin, "stdin");
    this.watchParent();
    await this.send("iopub", [], createMessage("status", this.options.session, { execution_state: "starting" }));
    post({ kind: "ready" });
  }

  /** Sends `message` on `channel`, in order with earlier sends. */
  send(channel: "shell" | "control" | "iopub" | "stdin", identities: readonly Uint8Array[], message: Message): Promise<void> {
    const socket = { shell: this.shell, control: this.control, iopub: this.iopub, stdin: this.stdin }[channel];
    const topic = channel === "iopub" ? [Buffer.from(`kernel.${this.options.session}.${message.header.msg_type}`)] : identities;
    if (message.header.msg_type === "execute_reply") {
      this.executions.delete(message.parent_header.msg_id ?? "");
      this.anyCellFinished = true;
    }
    const frames = encodeMessage(message, this.signer, topic);
    this.sendChain = this.sendChain.then(
      () => socket.send(frames),
      () => socket.send(frames),
    ).catch((error: unknown) => log(`send on ${channel} failed: ${(error as Error).message}`));
    return this.sendChain;
  }

  /** Resolves when everything queued so far was handed to the sockets. */
  flush(): Promise<void> {
    return this.sendChain;
  }

  close(): void {
    for (const socket of [this.shell, this.control, this.stdin, this.iopub, this.heartbeat]) socket.close();
  }

  private async echoHeartbeats(): Promise<void> {
    try {
      for await (const frames of this.heartbeat) await this.heartbeat.send(frames);
    } catch (error) {
      if (!this.heartbeat.closed) log(`heartbeat stopped: ${(error as Error).message}`);
    }
  }

  private async receive(socket: zmq.Router, channel: "shell" | "control" | "stdin"): Promise<void> {
    try {
      for await (const frames of socket) {
        const decoded = decodeMessage(frames, this.signer, this.limits);
        if (!decoded.ok) {
          log(`dropped a message on ${channel}: ${decoded.reason} (${decoded.detail})`);
          continue;
        }
        const type = decoded.envelope.message.header.msg_type;
        if (channel !== "stdin" && this.answers(type, channel)) {
          this.answer(type, channel, decoded.envelope);
          continue;
        }
        if (type === "execute_request") {
          const execution = this.nextExecution;
          this.nextExecution = (this.nextExecution % 0x7fffffff) + 1;
          this.executions.set(decoded.envelope.message.header.msg_id, execution);
          post({ kind: "request", channel, envelope: decoded.envelope, execution });
        } else post({ kind: "request", channel, envelope: decoded.envelope });
      }
    } catch (error) {
      if (!socket.closed) log(`${channel} socket stopped: ${(error as Error).message}`);
    }
  }

  /** Whether the handler table (kernel.ts) gives `type` on `channel` to this worker. */
  private answers(type: string, channel: "shell" | "control"): type is TransportRequest {
    const answers = this.options.answers;
    return Object.prototype.hasOwnProperty.call(answers, type) && answers[type as TransportRequest]!.includes(channel);
  }

  /**
   * Answers a request without the main thread, between busy and idle: `kernel_info` (static, so
   * the kernel is ready as soon as its sockets are bound, while the compiler still loads on the
   * main thread), and `interrupt` and `shutdown`, which must work while a cell blocks the main
   * thread. What the request asks for is done after the reply: stopping the cell, or shutting down
   * once the reply went out.
   */
  private answer(type: TransportRequest, channel: "shell" | "control", envelope: Envelope): void {
    const request = envelope.message;
    const session = this.options.session;
    const reply = (content: Content) => this.send(channel, envelope.identities, createMessage(replyType(type), session, content, request.header));
    this.send("iopub", [], createMessage("status", session, { execution_state: "busy" }, request.header));
    let then: (() => void) | undefined;
    const decoded = decodeRequest(type, request.content);
    if (!decoded.ok) reply(invalidRequestReply(decoded.error));
    else if (type === "kernel_info_request") reply(kernelInfo(this.options.language));
    else if (type === "interrupt_request") {
      reply({ status: "ok" });
      then = () => void this.interrupt();
    } else {
      const restart = (decoded.request as ShutdownRequest).restart;
      reply({ status: "ok", restart });
      then = () => void this.sendChain.then(() => this.shutdown(restart));
    }
    this.send("iopub", [], createMessage("status", session, { execution_state: "idle" }, request.header));
    then?.();
  }

  /**
   * Interrupts are bound to an execution (see bridge.ts): the cell running when the interrupt
   * arrived, else the first requested cell not finished yet (it may wait for the compiler: it is
   * settled as interrupted when it starts). With neither, the kernel is idle and the interrupt is
   * a no-op (as in ipykernel), unless the main thread does not answer although no cell runs:
   * leftover work of a finished cell (a runaway timer), which SIGINT stops.
   *
   * For a cell: the main thread first (it aborts the cell's signal and settles a cell waiting on
   * an await), then, if the cell still runs after its grace period, awaits in its code throw and
   * SIGINT stops guarded cell code. Nothing here terminates JavaScript by other means: that aborts
   * Node (see src/exec/guard.ts). A cell still running after all that is settled as interrupted
   * as soon as the main thread gets control back.
   */
  async interrupt(): Promise<void> {
    const target = this.interruptTarget();
    if (target !== undefined) post({ kind: "interrupt", execution: target });
    // Leftover work of a finished cell can also hold back a requested cell.
    if (target === undefined || Atomics.load(this.options.shared, SharedSlot.Running) !== target) {
      await this.once(LEFTOVER_WORK, () => this.stopLeftoverWork());
    }
    if (target !== undefined) await this.once(target, () => this.stopExecution(target));
  }

  /** The running execution, else the first requested one not finished; undefined when idle. */
  private interruptTarget(): number | undefined {
    const running = Atomics.load(this.options.shared, SharedSlot.Running);
    if (running !== 0) return running;
    for (const execution of this.executions.values()) return execution;
    return undefined;
  }

  /** Runs `stop` unless a stop for the same `target` is under way. */
  private async once(target: number, stop: () => Promise<void>): Promise<void> {
    if (this.stopping.has(target)) return;
    this.stopping.add(target);
    try {
      await stop();
    } finally {
      this.stopping.delete(target);
    }
  }

  private async stopExecution(execution: number): Promise<void> {
    const shared = this.options.shared;
    const running = () => Atomics.load(shared, SharedSlot.Running) === execution;
    // A requested cell that has not started is settled by the main thread when it starts; once it
    // runs, the main thread may not see messages (a busy loop), so the steps below follow.
    const requested = () => [...this.executions.values()].includes(execution);
    const waitStart = Date.now();
    while (!running() && requested() && Date.now() - waitStart < PENDING_CELL_WAIT_MS) await sleep(5);
    if (!running()) return;
    const grace = () => (Atomics.load(shared, SharedSlot.Cooperative) === 1 ? this.options.cooperativeGraceMs : this.options.graceMs);
    if (!(await waitUntilStopped(running, grace))) return;
    // Awaits in this cell's code (and calls of its functions by magics) check this flag and throw.
    Atomics.store(shared, SharedSlot.Forced, execution);
    if (!(await waitUntilStopped(running, () => FORCED_AWAIT_WAIT_MS))) return;
    // A busy loop never reaches an await: SIGINT stops it where cell code runs guarded (once it
    // does: code outside, e.g. the compiler, cannot be stopped by it).
    const sigintStart = Date.now();
    while (running() && !this.sigint(execution, running) && Date.now() - sigintStart < SIGINT_WAIT_MS) await sleep(5);
    if (!running()) return;
    log(`interrupt: cell execution ${execution} did not stop at an await; sent SIGINT`);
    if (!(await waitUntilStopped(running, () => SIGINT_WAIT_MS))) return;
    log("interrupt: SIGINT did not stop the cell (it runs code outside cells); it is settled as interrupted when the main thread is free");
    post({ kind: "interrupt", execution, force: true });
  }

  /**
   * No cell runs: SIGINT if the main thread does not answer, which is then leftover work of a
   * finished cell (before the first cell finished, it is the kernel's own start-up: left alone).
   */
  private async stopLeftoverWork(): Promise<void> {
    if (!this.anyCellFinished || (await this.mainThreadAnswers(IDLE_CHECK_MS))) return;
    const idle = () => Atomics.load(this.options.shared, SharedSlot.Running) === 0;
    const sigintStart = Date.now();
    while (idle() && !this.sigint(LEFTOVER_WORK, idle) && Date.now() - sigintStart < SIGINT_WAIT_MS) await sleep(5);
    if (!idle() || Date.now() - sigintStart >= SIGINT_WAIT_MS) return;
    log("interrupt: no cell runs but the main thread is busy (leftover work of a cell?); sent SIGINT");
    if (!(await this.mainThreadAnswers(SIGINT_WAIT_MS))) log("interrupt: SIGINT did not free the main thread: it runs code outside cells that cannot be stopped safely");
  }

  /**
   * Sends SIGINT to this process for `target` (see {@link SharedSlot.SigintFor}), if no SIGINT is
   * on its way already, `stillMeant()` holds once the slot is set, and guarded code runs on the
   * main thread (see `shareGuardedFlag` in src/exec/guard.ts: elsewhere the signal could end the
   * process). The main thread sets `Running` before it reads the slot when a cell starts, and this
   * reads `Running` after setting the slot, so either the signal is not sent or the next cell
   * waits until it has been seen. Returns whether it was sent.
   */
  private sigint(target: number, stillMeant: () => boolean): boolean {
    const shared = this.options.shared;
    if (Atomics.compareExchange(shared, SharedSlot.SigintFor, 0, target) !== 0) return false;
    if (!stillMeant() || Atomics.compareExchange(shared, SharedSlot.Guarded, GuardedState.Inside, GuardedState.Signalling) !== GuardedState.Inside) {
      Atomics.compareExchange(shared, SharedSlot.SigintFor, target, 0);
      return false;
    }
    process.kill(process.pid, "SIGINT");
    return true;
  }

  /** Whether the main thread's event loop answers a ping within `limitMs`. */
  private async mainThreadAnswers(limitMs: number): Promise<boolean> {
    const seq = (this.pings = (this.pings % 0x7fffffff) + 1);
    post({ kind: "ping", seq });
    const answered = () => Atomics.load(this.options.shared, SharedSlot.Pong) === seq;
    return !(await waitUntilStopped(() => !answered(), () => limitMs));
  }

  private shutdown(restart: boolean): void {
    post({ kind: "shutdown", restart });
    // If the main thread is stuck it cannot exit by itself.
    setTimeout(() => {
      log("main thread did not exit after shutdown_request; killing the process");
      process.kill(process.pid, "SIGKILL");
    }, 3000).unref();
  }

  /** Exits when the process that started the kernel dies (its pid changes to a reaper). */
  private watchParent(): void {
    const initialParent = this.options.parentPid;
    const jupyterParent = Number(process.env["JPY_PARENT_PID"] ?? "0");
    const timer = setInterval(() => {
      let alive = process.ppid === initialParent;
      if (alive && jupyterParent > 1) {
        try {
          process.kill(jupyterParent, 0);
        } catch {
          alive = false;
        }
      }
      if (!alive) {
        log("parent process died; exiting");
        process.kill(process.pid, "SIGTERM");
        setTimeout(() => process.kill(process.pid, "SIGKILL"), 1000).unref();
      }
    }, PARENT_POLL_MS);
    timer.unref();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves false as soon as `running()` is false, true if it is still true after `limit()` ms. */
async function waitUntilStopped(running: () => boolean, limit: () => number): Promise<boolean> {
  const started = Date.now();
  while (running()) {
    if (Date.now() - started >= limit()) return true;
    await sleep(5);
  }
  return false;
}

/** {@link DEFAULT_WIRE_LIMITS}, with `TUNELAB_MAX_MESSAGE_BYTES` overriding the size limit. */
function wireLimitsFromEnvironment(): WireLimits {
  const configured = Number(process.env["TUNELAB_MAX_MESSAGE_BYTES"] ?? "");
  if (!Number.isInteger(configured) || configured <= 0) return DEFAULT_WIRE_LIMITS;
  return { ...DEFAULT_WIRE_LIMITS, maxMessageBytes: configured };
}

function post(event: WorkerEvent): void {
  parentPort?.postMessage(event);
}

if (!isMainThread && parentPort !== null && (workerData as { transport?: unknown } | null)?.transport !== undefined) {
  const options = (workerData as { transport: TransportOptions }).transport;
  let transport: Transport | undefined;
  try {
    transport = new Transport(readConnectionFile(options.connectionFile), options);
  } catch (error) {
    post({ kind: "fatal", error: (error as Error).message });
  }
  if (transport !== undefined) {
    const running = transport;
    parentPort.on("message", (command: MainCommand) => {
      if (command.kind === "send") void running.send(command.channel, command.identities, command.message);
      else if (command.kind === "close") {
        void running.flush().then(() => {
          running.close();
          post({ kind: "closed" });
        });
      }
    });
    running.start().catch((error: unknown) => post({ kind: "fatal", error: `cannot bind sockets: ${(error as Error).message}` }));
  }
}

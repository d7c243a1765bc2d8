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
import { SharedSlot, type MainCommand, type TransportOptions, type TransportRequest, type WorkerEvent } from "./bridge";
import { decodeRequest, invalidRequestReply, type ShutdownRequest } from "./requests";
import { decodeMessage, DEFAULT_WIRE_LIMITS, encodeMessage, Signer, type WireLimits } from "./wire";
import { log } from "../common/log";
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
  private interrupting = false;
  /** execute_requests forwarded to the main thread and not answered yet. */
  private executesInFlight = 0;
  /** execute_replies sent so far: an interrupt waits only for the cell in flight when it came. */
  private executesReplied = 0;
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
      this.executesInFlight = Math.max(0, this.executesInFlight - 1);
      this.executesReplied += 1;
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
        if (channel === "shell" && type === "execute_request") this.executesInFlight += 1;
        post({ kind: "request", channel, envelope: decoded.envelope });
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
   * Interrupts: the main thread first (it aborts the cell's signal and settles a cell waiting on an
   * await), then, for a cell still running after its grace period, awaits in cell code throw and
   * SIGINT stops guarded cell code. When no cell runs but the main thread does not answer (leftover
   * work of a finished cell spinning, e.g. in a timer), SIGINT too. Nothing here terminates
   * JavaScript by other means: that aborts Node (see src/exec/guard.ts). A cell still running after
   * all that is settled as interrupted as soon as the main thread gets control back.
   */
  async interrupt(): Promise<void> {
    post({ kind: "interrupt" });
    if (this.interrupting) return;
    this.interrupting = true;
    try {
      const shared = this.options.shared;
      if (Atomics.load(shared, SharedSlot.Running) === 0) {
        if (!(await this.mainThreadAnswers(IDLE_CHECK_MS))) {
          log("interrupt: no cell runs but the main thread is busy (leftover work of a cell?); sending SIGINT");
          this.sigint();
          if (!(await this.mainThreadAnswers(SIGINT_WAIT_MS))) log("interrupt: SIGINT did not free the main thread: it runs code outside cells that cannot be stopped safely");
          return;
        }
        // A cell requested before the interrupt may not have started yet (e.g. while the compiler
        // loads); it is the one to stop, and once it runs the main thread may not see messages.
        // Only that cell: once it has replied (it ended before running code that could be
        // stopped), a cell requested after the interrupt must not be stopped in its place.
        const started = Date.now();
        const repliedBefore = this.executesReplied;
        const targetDone = () => this.executesInFlight === 0 || this.executesReplied > repliedBefore;
        while (Atomics.load(shared, SharedSlot.Running) === 0 && !targetDone() && Date.now() - started < PENDING_CELL_WAIT_MS) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        if (Atomics.load(shared, SharedSlot.Running) === 0 || this.executesReplied > repliedBefore) return;
        post({ kind: "interrupt" });
      }
      const generation = Atomics.load(shared, SharedSlot.Generation);
      const stillRunning = () => Atomics.load(shared, SharedSlot.Running) === 1 && Atomics.load(shared, SharedSlot.Generation) === generation;
      const grace = () => (Atomics.load(shared, SharedSlot.Cooperative) === 1 ? this.options.cooperativeGraceMs : this.options.graceMs);
      if (!(await waitUntilStopped(stillRunning, grace))) return;
      // Awaits in cell code (and calls of cell functions by magics) check this flag and throw.
      Atomics.store(shared, SharedSlot.Forced, generation);
      if (!(await waitUntilStopped(stillRunning, () => FORCED_AWAIT_WAIT_MS))) return;
      // A busy loop never reaches an await: SIGINT stops it where cell code runs under breakOnSigint.
      // (Sent only now: a SIGINT arriving while no cell code runs would stay pending in Node and
      // stop the next cell instead.)
      log("interrupt: the cell did not stop at an await; sending SIGINT");
      this.sigint();
      if (!(await waitUntilStopped(stillRunning, () => SIGINT_WAIT_MS))) return;
      log("interrupt: SIGINT did not stop the cell (it runs code outside cells); it is settled as interrupted when the main thread is free");
      post({ kind: "interrupt", force: true });
    } finally {
      this.interrupting = false;
    }
  }

  /** Sends SIGINT to this process, noting when (see `onSigint` in kernel.ts). */
  private sigint(): void {
    Atomics.store(this.options.shared, SharedSlot.SelfSigintAt, Math.max(1, Date.now() - this.options.epochMs));
    process.kill(process.pid, "SIGINT");
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

/** Resolves false as soon as `running()` is false, true if it is still true after `limit()` ms. */
async function waitUntilStopped(running: () => boolean, limit: () => number): Promise<boolean> {
  const started = Date.now();
  while (running()) {
    if (Date.now() - started >= limit()) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
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

/**
 * The transport worker: a worker thread that owns all five sockets, so heartbeat and control keep
 * answering while the main thread is blocked in a cell. It verifies and decodes incoming messages
 * (dropping bad ones with a log line), forwards them to the main thread, signs and sends what the
 * main thread asks, and answers the requests the handler table in kernel.ts gives it
 * (kernel_info, interrupt, shutdown), carrying out interrupts and shutdowns itself.
 *
 * Interrupts: the main thread is told first (it aborts the cell's signal and settles a cell that
 * waits on an await). If the cell still runs after a grace period, the worker sends SIGINT to the
 * process; cell code runs under `breakOnSigint`, so a busy loop throws and the cell ends.
 * As a last resort (code outside cells, e.g. a timer callback, spinning), it terminates execution
 * through the inspector.
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { Session } from "node:inspector";
import * as zmq from "zeromq";
import { endpoint, readConnectionFile, type ConnectionInfo } from "./connection";
import { createMessage, replyType, type Content, type Envelope, type Message } from "./messages";
import { SharedSlot, type MainCommand, type TransportOptions, type TransportRequest, type WorkerEvent } from "./bridge";
import { decodeRequest, invalidRequestReply, type ShutdownRequest } from "./requests";
import { decodeMessage, DEFAULT_WIRE_LIMITS, encodeMessage, Signer, type WireLimits } from "./wire";
import { log } from "../common/log";
import { kernelInfo } from "./info";

/** How long a forced interrupt waits for the cell to stop at an await before SIGINT, in ms. */
const FORCED_AWAIT_WAIT_MS = 60;

/** How long SIGINT gets before the inspector terminates execution (last resort), in ms. */
const SIGINT_WAIT_MS = 3000;

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
  private inspector: Session | undefined;
  private interrupting = false;
  /** execute_requests forwarded to the main thread and not answered yet. */
  private executesInFlight = 0;
  private readonly limits: WireLimits = wireLimitsFromEnvironment();

  constructor(private readonly info: ConnectionInfo, private readonly options: TransportOptions) {
    this.signer = new Signer(info.key);
    for (const socket of [this.shell, this.control, this.stdin, this.iopub, this.heartbeat]) socket.linger = 1000;
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
    if (message.header.msg_type === "execute_reply") this.executesInFlight = Math.max(0, this.executesInFlight - 1);
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

  /** Interrupts the running cell: main thread first, then SIGINT, then inspector termination. */
  async interrupt(): Promise<void> {
    post({ kind: "interrupt" });
    if (this.interrupting) return;
    this.interrupting = true;
    try {
      const shared = this.options.shared;
      // A cell requested before the interrupt may not have started yet (e.g. while the compiler
      // loads); it is the one to stop, and once it runs the main thread may not see messages.
      const started = Date.now();
      while (Atomics.load(shared, SharedSlot.Running) === 0 && this.executesInFlight > 0 && Date.now() - started < PENDING_CELL_WAIT_MS) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (Atomics.load(shared, SharedSlot.Running) === 1) post({ kind: "interrupt" });
      const generation = Atomics.load(shared, SharedSlot.Generation);
      const stillRunning = () => Atomics.load(shared, SharedSlot.Running) === 1 && Atomics.load(shared, SharedSlot.Generation) === generation;
      const grace = () => (Atomics.load(shared, SharedSlot.Cooperative) === 1 ? this.options.cooperativeGraceMs : this.options.graceMs);
      if (!(await waitUntilStopped(stillRunning, grace))) return;
      // Awaits in cell code check this flag and throw: enough for loops that await.
      Atomics.store(shared, SharedSlot.Forced, generation);
      if (!(await waitUntilStopped(stillRunning, () => FORCED_AWAIT_WAIT_MS))) return;
      // A busy loop never reaches an await: SIGINT stops it where cell code runs under breakOnSigint.
      // (Sent only now: a SIGINT arriving while no cell code runs would stay pending in Node and
      // stop the next cell instead.)
      log("interrupt: the cell did not stop at an await; sending SIGINT");
      Atomics.store(shared, SharedSlot.SelfSigintAt, Math.max(1, Date.now() - this.options.epochMs));
      process.kill(process.pid, "SIGINT");
      if (!(await waitUntilStopped(stillRunning, () => SIGINT_WAIT_MS))) return;
      log("interrupt: SIGINT did not stop the cell; terminating JavaScript execution through the inspector");
      this.terminateMainThread();
    } finally {
      this.interrupting = false;
    }
  }

  private terminateMainThread(): void {
    try {
      if (this.inspector === undefined) {
        this.inspector = new Session();
        this.inspector.connectToMainThread();
      }
      this.inspector.post("Runtime.terminateExecution", (error) => {
        if (error) log(`terminateExecution failed: ${error.message}`);
      });
    } catch (error) {
      log(`cannot reach the main thread through the inspector: ${(error as Error).message}`);
    }
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

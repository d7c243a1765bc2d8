/**
 * A small Jupyter client over ZeroMQ: it writes a connection file, starts a tunelab kernel process,
 * and speaks the messaging protocol to it (shell, control and stdin as DEALER sockets, iopub as a
 * SUBSCRIBER), signing with the kernel's own {@link Signer}. Used by `tunelab run`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";
import { createMessage, type Content, type Header, type Message } from "../kernel/messages";
import { decodeMessage, encodeMessage, Signer } from "../kernel/wire";

/** The language a tunelab kernel compiles (`tunelab kernel` or `tunelab kernel --js`). */
export type KernelLanguage = "typescript" | "javascript";

/** How to start the kernel. */
export interface KernelLaunchOptions {
  readonly language: KernelLanguage;
  /** Working directory of the kernel (the notebook's folder, as Jupyter does). */
  readonly cwd: string;
  /** ms to wait for the first kernel_info_reply (default 60000). */
  readonly startupTimeoutMs?: number;
  /** Copy the kernel's stderr to ours (default: only when TUNELAB_RUN_DEBUG is set; its tail is kept for errors). */
  readonly echoKernelStderr?: boolean;
}

/** Called for each iopub message whose parent is a request this client sent. */
export type IopubHandler = (message: Message) => void;

/** Called for each `input_request` on stdin; returns the `value` of the `input_reply`. */
export type InputHandler = (prompt: string, password: boolean, parent: Header) => string;

/** The five ports and key of a connection file. */
interface ConnectionFile {
  readonly transport: "tcp";
  readonly ip: string;
  readonly shell_port: number;
  readonly control_port: number;
  readonly iopub_port: number;
  readonly stdin_port: number;
  readonly hb_port: number;
  readonly key: string;
  readonly signature_scheme: "hmac-sha256";
  readonly kernel_name: string;
}

/** The compiled CLI that starts the kernel: `dist/src/cli.js` (from `dist/src/run/` or, under tsx, `src/run/`). */
const KERNEL_CLI = (() => {
  const up = path.resolve(__dirname, "..", "..");
  const root = path.basename(up) === "dist" ? path.dirname(up) : up;
  return path.join(root, "dist", "src", "cli.js");
})();

/** How much of the kernel's stderr is kept for error messages, in characters. */
const STDERR_TAIL_CHARS = 4000;

/** A running kernel and the client connected to it. */
export class KernelClient {
  private readonly session = randomUUID();
  private readonly signer: Signer;
  private readonly shell = new zmq.Dealer();
  private readonly control = new zmq.Dealer();
  private readonly stdin = new zmq.Dealer();
  private readonly iopub = new zmq.Subscriber();
  private readonly pendingReplies = new Map<string, (reply: Message) => void>();
  private readonly iopubHandlers = new Map<string, IopubHandler>();
  private inputHandler: InputHandler | undefined;
  private exited = false;
  private readonly exitPromise: Promise<void>;
  private closed = false;
  private info: Content = {};
  private stderrTail = "";

  private constructor(
    private readonly child: ChildProcess,
    private readonly connection: ConnectionFile,
    private readonly scratchDir: string,
    echoStderr: boolean,
  ) {
    this.signer = new Signer(connection.key);
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
      if (echoStderr) process.stderr.write(chunk);
    });
    const routingId = `tunelab-run-${this.session}`;
    // stdin must share the shell socket's identity: the kernel routes input_request by it.
    this.shell.routingId = routingId;
    this.stdin.routingId = routingId;
    for (const socket of [this.shell, this.control, this.stdin, this.iopub]) socket.linger = 0;
    this.exitPromise = new Promise((resolve) => {
      const exited = () => {
        this.exited = true;
        resolve();
      };
      child.once("exit", exited);
      child.once("error", (error) => {
        this.stderrTail += `\ncannot start the kernel: ${error.message}`;
        exited();
      });
    });
  }

  /** Starts a kernel, connects to it and waits until it answers kernel_info and publishes on iopub. */
  static async start(options: KernelLaunchOptions): Promise<KernelClient> {
    const scratchDir = mkdtempSync(path.join(tmpdir(), "tunelab-run-"));
    const [shell, control, iopub, stdin, hb] = await freePorts(5);
    const connection: ConnectionFile = {
      transport: "tcp",
      ip: "127.0.0.1",
      shell_port: shell,
      control_port: control,
      iopub_port: iopub,
      stdin_port: stdin,
      hb_port: hb,
      key: randomBytes(32).toString("hex"),
      signature_scheme: "hmac-sha256",
      kernel_name: options.language === "javascript" ? "tunelab-js" : "tunelab",
    };
    const connectionFile = path.join(scratchDir, "kernel.json");
    writeFileSync(connectionFile, JSON.stringify(connection), { mode: 0o600 });
    const args = [KERNEL_CLI, "kernel", "--connection-file", connectionFile, ...(options.language === "javascript" ? ["--js"] : [])];
    // Own process group: a Ctrl-C in the terminal reaches `tunelab run`, which interrupts by message.
    const child = spawn(process.execPath, args, { cwd: options.cwd, stdio: ["ignore", "ignore", "pipe"], detached: true });
    const client = new KernelClient(child, connection, scratchDir, options.echoKernelStderr ?? Boolean(process.env["TUNELAB_RUN_DEBUG"]));
    try {
      await client.connect(options.startupTimeoutMs ?? 60_000);
    } catch (error) {
      await client.shutdown();
      throw error;
    }
    return client;
  }

  /** The content of the kernel's kernel_info_reply (language_info, implementation, ...). */
  get kernelInfo(): Content {
    return this.info;
  }

  /** The last lines the kernel wrote to stderr (kept for error messages). */
  get kernelStderr(): string {
    return this.stderrTail;
  }

  /** Whether the kernel process has exited. */
  get kernelExited(): boolean {
    return this.exited;
  }

  /** Resolves when the kernel process exits. */
  whenExited(): Promise<void> {
    return this.exitPromise;
  }

  /** Sets who answers `input_request`s (none: requests are answered with an empty string). */
  onInput(handler: InputHandler | undefined): void {
    this.inputHandler = handler;
  }

  /**
   * Sends a request on shell or control; `onIopub` receives the iopub messages it causes.
   * @returns the request's header and a promise of its reply
   */
  request(channel: "shell" | "control", msgType: string, content: Content, onIopub?: IopubHandler): { header: Header; reply: Promise<Message> } {
    const message = createMessage(msgType, this.session, content);
    const header = { ...message.header, username: "tunelab-run" };
    const signed: Message = { ...message, header };
    if (onIopub !== undefined) this.iopubHandlers.set(header.msg_id, onIopub);
    const reply = new Promise<Message>((resolve, reject) => {
      this.pendingReplies.set(header.msg_id, resolve);
      void this.exitPromise.then(() => reject(new Error(`the kernel exited before answering ${msgType}`)));
    });
    reply.catch(() => undefined); // callers that stop waiting must not leave an unhandled rejection
    void (channel === "shell" ? this.shell : this.control).send(encodeMessage(signed, this.signer));
    return { header, reply };
  }

  /** Stops delivering iopub messages caused by `msgId`. */
  forget(msgId: string): void {
    this.iopubHandlers.delete(msgId);
    this.pendingReplies.delete(msgId);
  }

  /** Sends interrupt_request on control and waits (at most `timeoutMs`) for its reply. */
  async interrupt(timeoutMs = 5000): Promise<void> {
    const { header, reply } = this.request("control", "interrupt_request", {});
    await withTimeout(reply, timeoutMs, "interrupt_reply").catch(() => undefined);
    this.forget(header.msg_id);
  }

  /**
   * Shuts the kernel down: shutdown_request on control, then SIGTERM and SIGKILL if it lingers.
   * Always closes the sockets and removes the connection file. Safe to call more than once.
   */
  async shutdown(graceMs = 3000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.exited) {
      const { reply } = this.request("control", "shutdown_request", { restart: false });
      await withTimeout(reply, graceMs, "shutdown_reply").catch(() => undefined);
      await withTimeout(this.exitPromise, graceMs, "kernel exit").catch(() => this.kill("SIGTERM"));
      await withTimeout(this.exitPromise, 1000, "kernel exit").catch(() => this.kill("SIGKILL"));
      await withTimeout(this.exitPromise, 1000, "kernel exit").catch(() => undefined);
    }
    for (const socket of [this.shell, this.control, this.stdin, this.iopub]) socket.close();
    rmSync(this.scratchDir, { recursive: true, force: true });
  }

  /** Kills the kernel process outright. */
  kill(signal: NodeJS.Signals): void {
    if (!this.exited) this.child.kill(signal);
  }

  private async connect(timeoutMs: number): Promise<void> {
    const ep = (port: number) => `tcp://${this.connection.ip}:${port}`;
    this.shell.connect(ep(this.connection.shell_port));
    this.control.connect(ep(this.connection.control_port));
    this.stdin.connect(ep(this.connection.stdin_port));
    this.iopub.connect(ep(this.connection.iopub_port));
    this.iopub.subscribe();
    void this.receive(this.shell, (message) => this.onReply(message));
    void this.receive(this.control, (message) => this.onReply(message));
    void this.receive(this.stdin, (message) => this.onStdin(message));
    void this.receive(this.iopub, (message) => this.onIopub(message));

    // A SUB socket misses what is published before its subscription reaches the kernel, so
    // kernel_info is asked until one request's status also arrives on iopub (as nbclient does).
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) {
        const said = this.stderrTail.trim() === "" ? "" : `; it said:\n${this.stderrTail.trim()}`;
        throw new Error(`the kernel (${KERNEL_CLI}) exited during start-up (exit code ${this.child.exitCode ?? "none"}, signal ${this.child.signalCode ?? "none"})${said}`);
      }
      let sawIopub = false;
      let markIopub: () => void = () => undefined;
      const iopubSeen = new Promise<void>((resolve) => (markIopub = resolve));
      const { header, reply } = this.request("shell", "kernel_info_request", {}, () => {
        sawIopub = true;
        markIopub();
      });
      const remaining = Math.max(1, deadline - Date.now());
      const answered = await withTimeout(reply, Math.min(remaining, 2000), "kernel_info_reply").then(
        (message) => {
          this.info = message.content;
          return true;
        },
        () => false,
      );
      if (answered && !sawIopub) await withTimeout(iopubSeen, 500, "iopub").catch(() => undefined);
      this.forget(header.msg_id);
      if (answered && sawIopub) return;
    }
    throw new Error(`the kernel did not answer kernel_info_request within ${timeoutMs} ms`);
  }

  private async receive(socket: zmq.Dealer | zmq.Subscriber, deliver: (message: Message) => void): Promise<void> {
    try {
      for await (const frames of socket) {
        const decoded = decodeMessage(frames, this.signer);
        if (!decoded.ok) {
          if (process.env["TUNELAB_RUN_DEBUG"]) process.stderr.write(`tunelab run: dropped a kernel message (${decoded.reason}: ${decoded.detail})\n`);
          continue;
        }
        deliver(decoded.envelope.message);
      }
    } catch (error) {
      if (!socket.closed && process.env["TUNELAB_RUN_DEBUG"]) process.stderr.write(`tunelab run: socket stopped: ${(error as Error).message}\n`);
    }
  }

  private onReply(message: Message): void {
    const parentId = parentIdOf(message);
    const resolve = this.pendingReplies.get(parentId);
    if (resolve === undefined) return;
    this.pendingReplies.delete(parentId);
    resolve(message);
  }

  private onIopub(message: Message): void {
    this.iopubHandlers.get(parentIdOf(message))?.(message);
  }

  private onStdin(message: Message): void {
    if (message.header.msg_type !== "input_request") return;
    const prompt = typeof message.content["prompt"] === "string" ? (message.content["prompt"] as string) : "";
    const password = message.content["password"] === true;
    const value = this.inputHandler?.(prompt, password, message.parent_header as Header) ?? "";
    const reply = createMessage("input_reply", this.session, { value }, message.header);
    void this.stdin.send(encodeMessage(reply, this.signer));
  }
}

function parentIdOf(message: Message): string {
  return (message.parent_header as Partial<Header>).msg_id ?? "";
}

/** Resolves like `promise`, or rejects after `ms` naming `what`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** `count` distinct free TCP ports on 127.0.0.1 (held open together so that they differ). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("could not find a free TCP port");
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

/**
 * Messages between the main thread (which runs cells) and the transport worker (which owns the
 * sockets), and the shared flags through which the worker sees whether a cell is running.
 */
import type { Channel, Envelope, Message } from "./messages";

/** Worker → main. */
export type WorkerEvent =
  | { readonly kind: "ready" }
  | { readonly kind: "request"; readonly channel: "shell" | "control" | "stdin"; readonly envelope: Envelope }
  | { readonly kind: "interrupt"; readonly force?: boolean }
  /** Asks the main thread to store `seq` in {@link SharedSlot.Pong} (is its event loop free?). */
  | { readonly kind: "ping"; readonly seq: number }
  | { readonly kind: "shutdown"; readonly restart: boolean }
  | { readonly kind: "fatal"; readonly error: string }
  | { readonly kind: "closed" };

/** Main → worker. */
export type MainCommand =
  | { readonly kind: "send"; readonly channel: Exclude<Channel, "heartbeat">; readonly identities: readonly Uint8Array[]; readonly message: Message }
  | { readonly kind: "close" };

/** Indices into the shared Int32Array of {@link createSharedState}. */
export const enum SharedSlot {
  /** 1 while a cell runs. */
  Running = 0,
  /** Incremented when a cell starts, to tell cells apart. */
  Generation = 1,
  /** 1 when the running cell declared it stops by itself after the interrupt signal. */
  Cooperative = 2,
  /** The generation the worker decided to stop by force (awaits in cell code then throw). */
  Forced = 3,
  /** When the worker last sent SIGINT to the process (ms since {@link TransportOptions.epochMs}). */
  SelfSigintAt = 4,
  /** The last `ping` the main thread answered (see {@link WorkerEvent}). */
  Pong = 5,
}

/** The flags shared by both threads. */
export function createSharedState(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(6 * Int32Array.BYTES_PER_ELEMENT));
}

/** The requests the transport worker can answer itself (see `answer` in transport.ts). */
export const TRANSPORT_REQUESTS = ["kernel_info_request", "interrupt_request", "shutdown_request"] as const;

/** One of {@link TRANSPORT_REQUESTS}. */
export type TransportRequest = (typeof TRANSPORT_REQUESTS)[number];

/** What the worker is started with. */
export interface TransportOptions {
  readonly connectionFile: string;
  readonly session: string;
  /** The requests the worker answers, with the channels it answers them on (from the handler table in kernel.ts). */
  readonly answers: Readonly<Partial<Record<TransportRequest, readonly ("shell" | "control")[]>>>;
  /** The kernel's language, for the kernel_info_reply the worker sends itself. */
  readonly language: "typescript" | "javascript";
  readonly shared: Int32Array;
  /** Time origin of {@link SharedSlot.SelfSigintAt}, a `Date.now()` value. */
  readonly epochMs: number;
  /** The parent process id at launch; the kernel exits when it changes (the parent died). */
  readonly parentPid: number;
  /** How long the worker waits for a cell to stop by itself before sending SIGINT, in ms. */
  readonly graceMs: number;
  /** The same wait for cells that declared cooperative interrupts, in ms. */
  readonly cooperativeGraceMs: number;
  /** Whether an empty key is accepted on a non-loopback address. */
  readonly allowUnsignedRemote: boolean;
}

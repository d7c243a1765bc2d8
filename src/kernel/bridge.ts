/**
 * Messages between the main thread (which runs cells) and the transport worker (which owns the
 * sockets), and the shared flags through which the worker sees which cell is running.
 *
 * Executions: the worker numbers every `execute_request` it forwards (1, 2, …); the main thread
 * runs that cell under the same number. An interrupt names the execution it is for (the one
 * running, or the first requested one not finished, when it arrived), and both threads act on it
 * only while that execution runs: it never reaches a cell that starts after it.
 */
import type { Channel, Envelope, Message } from "./messages";

/** Worker → main. */
export type WorkerEvent =
  | { readonly kind: "ready" }
  /** `execution`: the number the worker gave an `execute_request` (see the module comment). */
  | { readonly kind: "request"; readonly channel: "shell" | "control" | "stdin"; readonly envelope: Envelope; readonly execution?: number }
  /** Stop `execution` if it runs (settle it even if it declared cooperative interrupts, with `force`); settle it at once if it has not started. */
  | { readonly kind: "interrupt"; readonly execution: number; readonly force?: boolean }
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
  /** The execution of the running cell; 0 while none runs. */
  Running = 0,
  /** 1 when the running cell declared it stops by itself after the interrupt signal. */
  Cooperative = 1,
  /** The execution the worker decided to stop by force (awaits in its code then throw). */
  Forced = 2,
  /**
   * What the SIGINT the worker sent is for (an execution, or {@link LEFTOVER_WORK}) until the main
   * thread has seen it (in a `vm` call or in its SIGINT handler); 0 when none is on its way. No
   * cell starts while it is set: a SIGINT meant for a cell that ended must not stop the next one.
   */
  SigintFor = 3,
  /** The last `ping` the main thread answered (see {@link WorkerEvent}). */
  Pong = 4,
  /** Whether guarded cell code runs, a `GuardedState` (src/exec/guard.ts): SIGINT is sent only into it. */
  Guarded = 5,
}

/** {@link SharedSlot.SigintFor} of a SIGINT sent for work left by finished cells (a runaway timer). */
export const LEFTOVER_WORK = -1;

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
  /** The parent process id at launch; the kernel exits when it changes (the parent died). */
  readonly parentPid: number;
  /** How long the worker waits for a cell to stop by itself before sending SIGINT, in ms. */
  readonly graceMs: number;
  /** The same wait for cells that declared cooperative interrupts, in ms. */
  readonly cooperativeGraceMs: number;
  /** Whether an empty key is accepted on a non-loopback address. */
  readonly allowUnsignedRemote: boolean;
}

/**
 * A pool of worker threads that train trials: each thread loads TensorFlow.js with the main
 * thread's backend once and makes its tensors of the training data once per dataset (shared
 * memory, see {@link shareTrainingData}; {@link TrainingPool.useData} sends a dataset only when it
 * differs from the threads' current one, so a pool kept across searches reuses it); then each
 * {@link TrainingPool.train} sends one trial's models (as data) to an idle thread. Per epoch the
 * thread's report reaches the caller's reporter and the pruning answer goes back through shared
 * memory; an abort reaches the thread at its next batch. {@link TrainingPool.close} terminates
 * every thread; {@link TrainingPool.idle} lets a pool kept between searches not hold the process.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { BackendName } from "../backend";
import { TrainingAbortedError, TrainingSetupError, type TrialReporter } from "../train";
import type { TrainingData } from "../trainingData";
import type { MemberRoundResult } from "../member-state";
import { Control, PruneAnswer, type ErrorData, type FromWorker, type RoundJob, type ToWorker, type TrainJob, type WorkerTraining } from "./messages";
import { UnserialisableModelError, weightBuffers, type ModelDescription } from "./model-transfer";
import { sameSharedData, shareTrainingData, type SharedTrainingData } from "./shared-data";

/** Options of {@link TrainingPool.start}. */
export interface PoolOptions {
  /** Number of worker threads, at least 1. */
  readonly size: number;
  /** The main thread's backend; every thread selects the same one. */
  readonly backend: BackendName;
  /** The data to train on (or later through {@link TrainingPool.useData}), copied once into shared memory for all threads. */
  readonly data?: TrainingData;
}

/** One worker thread and what it is doing. */
interface Slot {
  readonly index: number;
  readonly worker: Worker;
  /** Shared with the thread: see {@link Control}. */
  readonly control: Int32Array;
  /** Where the thread's next messages go. */
  listener: ((message: FromWorker) => void) | undefined;
  /** Why the thread is gone, once it is. */
  failure: Error | undefined;
  /** Rejects the work in progress when the thread dies. */
  onFailure: ((error: Error) => void) | undefined;
}

/** The worker thread's script: the compiled JavaScript next to this file (tunelab runs from `dist/`). */
const WORKER_SCRIPT = join(__dirname, "worker.js");
/** Threads started by pools in this process (tests read it to tell a reused pool from a new one). */
let threadsStarted = 0;

/** How many worker threads pools have started in this process so far. */
export function poolThreadsStarted(): number {
  return threadsStarted;
}

/** Starts a thread on {@link WORKER_SCRIPT}. */
function newWorker(): Worker {
  threadsStarted += 1;
  return new Worker(WORKER_SCRIPT);
}

/**
 * For the native backend: TensorFlow's intra-op thread pool per thread so that `size` threads
 * share the cores rather than each taking them all (`TF_NUM_INTRAOP_THREADS` = cores / size, at
 * least 1; one inter-op thread), unless the user set these variables. TensorFlow reads them from
 * the process environment when a thread's context is created, so they are set before the threads start.
 */
export function nativeThreadSettings(size: number, cores: number = availableParallelism()): Record<string, string> {
  return { TF_NUM_INTRAOP_THREADS: String(Math.max(1, Math.floor(cores / size))), TF_NUM_INTEROP_THREADS: "1" };
}

/** A pool of worker threads training trials; start it with {@link TrainingPool.start}. */
export class TrainingPool {
  private readonly idleSlots: Slot[];
  private readonly waiting: { resolve: (slot: Slot) => void; reject: (error: Error) => void }[] = [];
  private closed = false;
  /** The dataset the threads hold. */
  private data: SharedTrainingData | undefined;
  /** Whether the threads keep the process alive (only while the pool works; see {@link TrainingPool.idle}). */
  private referenced = true;
  /**
   * The signals of running trainings, each with one "abort" listener for all of them (a listener
   * per trial would put as many on a cell's signal as threads run: Node warns above 10).
   */
  private readonly watched = new Map<AbortSignal, { readonly slots: Set<Slot>; readonly listener: () => void }>();

  private constructor(
    private readonly slots: readonly Slot[],
    /** The backend every thread runs. */
    readonly backend: string,
    /**
     * Why the threads run another backend than the one asked for (a native addon that loads in
     * the main thread but not in a worker thread), else undefined.
     */
    readonly fallback: string | undefined,
  ) {
    this.idleSlots = [...slots];
  }

  /** Number of threads. */
  get size(): number {
    return this.slots.length;
  }

  /** Whether the pool can train: not closed, and every thread alive. */
  get healthy(): boolean {
    return !this.closed && this.slots.every((slot) => slot.failure === undefined);
  }

  /** The threads' ids (`worker.threadId`), to tell a reused pool from a new one. */
  get threadIds(): readonly number[] {
    return this.slots.map((slot) => slot.worker.threadId);
  }

  /**
   * Lets the process exit while the pool waits for its next search (a pool kept warm across
   * cells); the next {@link TrainingPool.useData}, probe or training refs the threads again.
   */
  idle(): void {
    if (!this.referenced) return;
    this.referenced = false;
    for (const slot of this.slots) slot.worker.unref();
  }

  private busy(): void {
    if (this.referenced) return;
    this.referenced = true;
    for (const slot of this.slots) slot.worker.ref();
  }

  /**
   * Makes `data` the threads' training data, copying it to them only when it differs (shapes,
   * types or values) from what they hold. Call it between searches, never during training.
   * @throws Error when a thread cannot take the data
   */
  async useData(data: TrainingData): Promise<void> {
    this.busy();
    const shared = shareTrainingData(data);
    if (this.data !== undefined && sameSharedData(this.data, shared)) return;
    this.data = undefined;
    await Promise.all(
      this.slots.map(async (slot) => {
        const reply = await exchange(slot, { type: "data", data: shared });
        if (reply.type === "trainFailed") throw new Error(`worker thread ${slot.index + 1} could not take the data: ${reply.error.message}`);
        if (reply.type !== "dataReady") throw new Error(`worker thread ${slot.index + 1} answered ${reply.type} to data`);
      }),
    );
    this.data = shared;
  }

  /** "2 workers (worker threads, wasm)", with the reason when the threads fell back to another backend. */
  get description(): string {
    const backend = this.fallback === undefined ? this.backend : `${this.backend}: ${this.fallback}`;
    return `${this.size} worker${this.size === 1 ? "" : "s"} (worker threads, ${backend})`;
  }

  /**
   * Starts `size` threads and waits until each has loaded TensorFlow.js and the data.
   * @throws Error when a thread cannot start (the others are terminated)
   */
  static async start(options: PoolOptions): Promise<TrainingPool> {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new RangeError(`a training pool needs a positive whole number of threads, but got ${options.size}`);
    }
    if (options.backend === "tensorflow") {
      for (const [name, value] of Object.entries(nativeThreadSettings(options.size))) process.env[name] ??= value;
    }
    const slots: Slot[] = [];
    try {
      const started = await Promise.all(
        Array.from({ length: options.size }, async (_unused, index) => {
          const control = new Int32Array(new SharedArrayBuffer(Control.length * Int32Array.BYTES_PER_ELEMENT));
          const slot = startSlot(index, control);
          slots.push(slot);
          const reply = await exchange(slot, { type: "init", backend: options.backend, control: control.buffer as SharedArrayBuffer });
          if (reply.type === "initFailed") throw new Error(`worker thread ${index + 1} could not start: ${reply.error.message}`);
          if (reply.type !== "ready") throw new Error(`worker thread ${index + 1} answered ${reply.type} to init`);
          return reply;
        }),
      );
      const { backend, reason } = started[0]!;
      const fallback = backend === options.backend ? undefined : `${options.backend} did not start in a worker thread (${reason})`;
      const pool = new TrainingPool(slots, backend, fallback);
      if (options.data !== undefined) await pool.useData(options.data);
      return pool;
    } catch (error) {
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
      throw error;
    }
  }

  /**
   * Checks that a thread can rebuild `model` (its layer classes, optimizer and loss are known there).
   * @throws UnserialisableModelError when it cannot
   */
  async probe(model: ModelDescription): Promise<void> {
    this.busy();
    const slot = await this.acquire();
    try {
      const reply = await exchange(slot, { type: "probe", model });
      if (reply.type !== "probed") throw new Error(`worker thread ${slot.index + 1} answered ${reply.type} to probe`);
      if (reply.error !== undefined) throw new UnserialisableModelError(reply.error.message);
    } finally {
      this.release(slot);
    }
  }

  /**
   * Trains one trial on an idle thread (waiting for one when all are busy). The job's weight
   * buffers are transferred: the caller must not use them afterwards.
   * @throws TrainingAbortedError when `signal` aborts; TrainingSetupError or Error as {@link trainTrial} would
   */
  async train(job: TrainJob, reporter?: TrialReporter, signal?: AbortSignal): Promise<WorkerTraining> {
    const reply = await this.runOnThread({ type: "train", job }, job.models.flatMap(weightBuffers), reporter, signal);
    if (reply.type !== "trained") throw new Error(`a worker thread answered ${reply.type} to train`);
    return reply.training;
  }

  /**
   * Trains one round of a population-based-training member on an idle thread (see
   * tfjs/member-state.ts): its state goes to the thread (copied: the caller keeps its buffers),
   * each epoch's report reaches `reporter` (never asked to prune), and the member's state after
   * the round comes back.
   * @throws TrainingAbortedError when `signal` aborts; Error as {@link trainRound} would
   */
  async trainRound(job: RoundJob, reporter?: TrialReporter, signal?: AbortSignal): Promise<MemberRoundResult> {
    const reply = await this.runOnThread({ type: "trainRound", job }, [], reporter, signal);
    if (reply.type !== "roundTrained") throw new Error(`a worker thread answered ${reply.type} to trainRound`);
    return { result: reply.result, state: reply.state };
  }

  /**
   * Sends one piece of training work to an idle thread (waiting for one when all are busy),
   * passes its epoch reports to `reporter` and answers its pruning questions, aborts it when
   * `signal` does, and resolves with the thread's reply.
   * @throws the thread's error as the main thread's trainer would have thrown it
   */
  private async runOnThread(message: ToWorker, transfer: ArrayBuffer[], reporter?: TrialReporter, signal?: AbortSignal): Promise<FromWorker> {
    this.busy();
    const slot = await this.acquire();
    const { control } = slot;
    Atomics.store(control, Control.abort, 0);
    if (signal?.aborted === true) abortSlot(slot);
    else if (signal !== undefined) this.watch(signal, slot);
    try {
      const reply = await exchange(slot, message, transfer, (epoch) => {
        if (epoch.type !== "epoch") return;
        let answer: number = PruneAnswer.goOn;
        try {
          reporter?.report(epoch.value, epoch.step);
          if (reporter?.shouldPrune() === true) answer = PruneAnswer.prune;
        } finally {
          Atomics.store(control, Control.prune, answer);
          Atomics.notify(control, Control.prune);
        }
      });
      if (reply.type === "trainFailed") throw errorFromData(reply.error);
      return reply;
    } finally {
      if (signal !== undefined) this.unwatch(signal, slot);
      this.release(slot);
    }
  }

  /** Aborts `slot`'s training when `signal` aborts; the first slot on a signal adds the one listener. */
  private watch(signal: AbortSignal, slot: Slot): void {
    let entry = this.watched.get(signal);
    if (entry === undefined) {
      const slots = new Set<Slot>();
      const listener = (): void => {
        for (const running of slots) abortSlot(running);
      };
      entry = { slots, listener };
      this.watched.set(signal, entry);
      signal.addEventListener("abort", listener, { once: true });
    }
    entry.slots.add(slot);
  }

  /** Undoes {@link TrainingPool.watch}; the last slot on a signal removes the listener. */
  private unwatch(signal: AbortSignal, slot: Slot): void {
    const entry = this.watched.get(signal);
    if (entry === undefined) return;
    entry.slots.delete(slot);
    if (entry.slots.size > 0) return;
    signal.removeEventListener("abort", entry.listener);
    this.watched.delete(signal);
  }

  /** An error when every thread has died, naming the first death; undefined while one lives. */
  private noThreadLeft(): Error | undefined {
    if (this.slots.some((slot) => slot.failure === undefined)) return undefined;
    return new Error(`every worker thread of the pool has stopped (${this.slots[0]!.failure!.message})`);
  }

  /** Terminates every thread (work in progress is rejected). Safe to call more than once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new Error("the training pool was closed");
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private acquire(): Promise<Slot> {
    if (this.closed) return Promise.reject(new Error("the training pool is closed"));
    const lost = this.noThreadLeft();
    if (lost !== undefined) return Promise.reject(lost);
    let slot = this.idleSlots.pop();
    while (slot?.failure !== undefined) slot = this.idleSlots.pop(); // died while idle: never handed out
    if (slot !== undefined) return Promise.resolve(slot);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /**
   * Gives a thread back. A thread that died is not reused: the pool goes on with the others, and
   * when none is left, whoever waits gets the reason.
   */
  private release(slot: Slot): void {
    if (this.closed) return;
    if (slot.failure !== undefined) {
      const lost = this.noThreadLeft();
      if (lost !== undefined) for (const waiter of this.waiting.splice(0)) waiter.reject(lost);
      return;
    }
    const next = this.waiting.shift();
    if (next !== undefined) next.resolve(slot);
    else this.idleSlots.push(slot);
  }
}

/** Tells `slot`'s thread to stop its training at the next batch (and not to wait for a pruning answer). */
function abortSlot(slot: Slot): void {
  Atomics.store(slot.control, Control.abort, 1);
  Atomics.notify(slot.control, Control.prune);
}

/** Starts one thread; its death rejects whatever it was doing and every later exchange. */
function startSlot(index: number, control: Int32Array): Slot {
  const worker = newWorker();
  const slot: Slot = { index, worker, control, listener: undefined, failure: undefined, onFailure: undefined };
  const fail = (error: Error): void => {
    slot.failure ??= error;
    slot.onFailure?.(slot.failure);
  };
  worker.on("message", (message: FromWorker) => slot.listener?.(message));
  worker.on("error", (error) => fail(new Error(`worker thread ${index + 1} failed: ${error.message}`)));
  worker.on("exit", (code) => fail(new Error(`worker thread ${index + 1} stopped (exit code ${code})`)));
  return slot;
}

/**
 * Sends `message` and resolves with the thread's first answer that is not an epoch report
 * (epoch reports go to `onEpoch`).
 */
function exchange(slot: Slot, message: ToWorker, transfer: ArrayBuffer[] = [], onEpoch?: (message: FromWorker) => void): Promise<FromWorker> {
  if (slot.failure !== undefined) return Promise.reject(slot.failure);
  return new Promise<FromWorker>((resolve, reject) => {
    const done = (): void => {
      slot.listener = undefined;
      slot.onFailure = undefined;
    };
    slot.listener = (reply) => {
      if (reply.type === "epoch") {
        onEpoch?.(reply);
        return;
      }
      done();
      resolve(reply);
    };
    slot.onFailure = (error) => {
      done();
      reject(error);
    };
    slot.worker.postMessage(message, transfer);
  });
}

/** The error a thread reported, as the class the main thread's trainer would have thrown. */
function errorFromData(error: ErrorData): Error {
  switch (error.name) {
    case "AbortError":
      return new TrainingAbortedError(error.epochsRun ?? 0, error.batchesRun ?? 0);
    case "TrainingSetupError":
      return new TrainingSetupError(error.message);
    case "UnserialisableModelError":
      return new UnserialisableModelError(error.message);
    default:
      return new Error(error.message);
  }
}

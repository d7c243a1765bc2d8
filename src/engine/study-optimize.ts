/**
 * The optimize loop: runs an objective on trial after trial until a stop condition holds.
 *
 * One call is an {@link OptimizeLoop}: an explicit state (trials started and run by this call,
 * failures in a row, why it stopped, the fatal error if any) shared by `concurrency` lanes. Each
 * lane repeats: check the stop conditions (this call's trial count, abort, timeout), start a
 * trial (or wait while the study's remaining trials are running elsewhere), run and tell it, call
 * the callbacks, count failures. With `repeatable`, asks are made one after another, each waiting
 * for the trials more than `pendingWindow` places before it, with that fixed window of pending
 * trials shown to the sampler (see `OptimizeOptions.repeatable`). The loop knows the study only through {@link OptimizeHost}, so
 * it can be driven by a fake host in tests.
 */
import { SearchSpaceExhaustedError, TooManyFailuresError } from "./errors";
import type { OptimizeOptions, OptimizeSummary, StopReason, TrialAdmission } from "./study-types";
import type { TrialRun } from "./study-tell";
import type { Trial } from "./trial";
import type { FrozenTrial, SearchSpace } from "./types";
import { counted } from "../common/describe";

/** Longest wait (ms) between looks at a study whose remaining trials other workers are running. */
const MAX_FULL_STUDY_POLL_MS = 500;

/** What the loop needs from the study. */
export interface OptimizeHost {
  readonly clock: () => number;
  readonly maxConsecutiveFailures: number;
  /**
   * Starts a trial (see `Study.ask`); on a storage of one process, with the trials numbered in
   * `pending` shown to the sampler as running (see `OptimizeOptions.repeatable`).
   */
  ask(space: SearchSpace | undefined, pending?: ReadonlySet<number>): Promise<Trial>;
  /**
   * On a shared storage: starts a trial unless the study's finished and running trials reach
   * `limit` (then `undefined`); `heartbeatIntervalMs` bounds how often a full study is looked at.
   */
  readonly shared:
    | { askWithin(space: SearchSpace | undefined, limit: number, signal?: AbortSignal): Promise<Trial | undefined>; readonly heartbeatIntervalMs: number }
    | undefined;
  /** Runs the objective on `trial` and tells the study (see `runAndTell`). */
  runTrial(trial: Trial, signal: AbortSignal | undefined): Promise<TrialRun>;
  /** Reads what other workers changed. */
  refresh(): Promise<void>;
  /** The study's finished trials, in its current view (see `finishedCount` of the search-space module). */
  finishedCount(): number;
  /** The callbacks of this call, bound to the study. */
  readonly callbacks: readonly ((trial: FrozenTrial) => void | Promise<void>)[];
}

/**
 * One "abort" listener for a whole `optimize` call, there only while some lane waits: the lanes'
 * waits register here rather than each adding a listener to the caller's signal (many lanes
 * would pass Node's warning threshold of 10). The last wait to end removes it.
 */
class AbortWatch {
  private readonly waiting = new Set<() => void>();
  private readonly listener = (): void => {
    for (const wake of [...this.waiting]) wake();
  };

  constructor(private readonly signal: AbortSignal | undefined) {}

  /** Resolves after `ms`, or at once when the signal is (or gets) aborted. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        this.waiting.delete(done);
        if (this.waiting.size === 0) this.signal?.removeEventListener("abort", this.listener);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (this.waiting.size === 0) this.signal?.addEventListener("abort", this.listener);
      this.waiting.add(done);
    });
  }
}

/** A promise with its resolve function (Node 20 has no `Promise.withResolvers`). */
function deferred(): { readonly promise: Promise<void>; readonly resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** `OptimizeOptions` with defaults filled in. */
interface LoopSettings {
  readonly trials: number;
  readonly timeout: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly space: SearchSpace | undefined;
  readonly countStudyTrials: boolean;
  /** Trials run at once. */
  readonly concurrency: number;
  /** Ask in trial order with a fixed pending window (see `OptimizeOptions.repeatable`). */
  readonly repeatable: boolean;
  /** Trials shown as running to each ask (see `OptimizeOptions.pendingWindow`). */
  readonly pendingWindow: number;
  /** The call's one listener on `signal`. */
  readonly abortWatch: AbortWatch;
  /** When a lane may start a new trial (see `OptimizeOptions.admission`). */
  readonly admission: TrialAdmission | undefined;
}

/** The state of one `optimize` call, shared by its lanes (see the module comment). */
export class OptimizeLoop {
  /** Trials this call has running or has told (a stale one given up is taken back). */
  started = 0;
  /** Trials this call has told. */
  run = 0;
  /** Failed trials in a row (a failure while interrupted does not count). */
  failuresInRow = 0;
  /** Why the loop stopped; the message is built when the summary is. */
  stopped: { readonly reason: StopReason; readonly message: () => string } | undefined;
  /** The error `optimize` rethrows once every lane has ended. */
  fatal: { readonly error: unknown } | undefined;
  private readonly startedAt: number;
  /** Wakes lanes that wait for a running trial of this call to end. */
  private trialEnded = deferred();
  /** With `repeatable`: the trials this call asked, in order, and whether each has been told. */
  private readonly asked: { readonly number: number; told: boolean }[] = [];
  /** With `repeatable`: the end of the last ask, so asks happen one after another. */
  private lastAsk: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly host: OptimizeHost,
    private readonly settings: LoopSettings,
  ) {
    this.startedAt = host.clock();
  }

  /** Whether the loop has stopped or failed: lanes start no more trials. */
  get halted(): boolean {
    return this.stopped !== undefined || this.fatal !== undefined;
  }

  /**
   * One lane: asks, runs and tells trials one after another while the search goes on. A lane that
   * ends on a fatal error closes the admission too, so a scheduler's paused trials end.
   */
  async lane(): Promise<void> {
    try {
      await this.runLane();
    } finally {
      if (this.halted) this.settings.admission?.close();
    }
  }

  private async runLane(): Promise<void> {
    const { trials, countStudyTrials, signal, timeout } = this.settings;
    while (!this.halted) {
      // With a signal, each trial starts on a turn of the event loop of its own: synchronous
      // objectives chain the trials through promise jobs alone, which keep whatever would abort the
      // signal (an interrupt message to this thread, a timer) waiting until the search ends.
      if (signal !== undefined) await yieldToEventLoop();
      if (!countStudyTrials && this.started >= trials) {
        // Every remaining trial is running in some lane; one may yet be given up (stale) and re-run.
        if (this.started > this.run) {
          await this.trialEnded.promise;
          continue;
        }
        return this.stop("trials", () => `ran ${counted(this.run, "trial")}`);
      }
      if (signal?.aborted) return this.stopInterrupted();
      if (timeout !== undefined && (this.host.clock() - this.startedAt) / 1000 >= timeout) {
        return this.stop("timeout", () => `timed out after ${timeout} s and ${counted(this.run, "trial")}`);
      }
      const admission = this.settings.admission;
      if (admission !== undefined) {
        // A scheduler of paused trials decides when a new trial may take a thread.
        if (!(await admission.wait())) continue;
        if (this.halted || signal?.aborted || (!countStudyTrials && this.started >= trials)) {
          admission.cancel();
          continue;
        }
      }
      const trial = await this.startTrial();
      if (trial === "done" || trial === "again") admission?.cancel();
      if (trial === "done") return;
      if (trial === "again") continue;
      const ended = await this.host.runTrial(trial, signal);
      const entry = this.asked.find((asked) => asked.number === trial.number);
      if (entry !== undefined) entry.told = true;
      await this.finishTrial(ended);
      this.wakeLanes();
    }
  }

  /** What the call did, once every lane has ended. */
  summary(): OptimizeSummary {
    const { reason, message } = this.stopped ?? { reason: "trials" as const, message: () => `ran ${counted(this.run, "trial")}` };
    return { trialsRun: this.run, stopReason: reason, message: message() };
  }

  /** Records the first reason to stop. */
  private stop(reason: StopReason, message: () => string): void {
    this.stopped ??= { reason, message };
    this.settings.admission?.close();
  }

  private stopInterrupted(): void {
    this.stop("aborted", () => `interrupted after ${counted(this.run, "trial")}; every finished trial is kept`);
  }

  private stopStudyFull(): void {
    this.stop("trials", () => `the study has ${this.host.finishedCount()} finished trials (${this.run} run by this worker)`);
  }

  /** Called whenever a trial of this call ends or is given back. */
  private wakeLanes(): void {
    const wake = this.trialEnded;
    this.trialEnded = deferred();
    wake.resolve();
  }

  /**
   * Starts a trial for this lane; "again" when the lane should look again (it waited for room in
   * the study), "done" when the lane ends (the study is full, the space exhausted, or an error).
   */
  private async startTrial(): Promise<Trial | "again" | "done"> {
    const { trials, countStudyTrials, space, abortWatch, signal } = this.settings;
    this.started += 1;
    try {
      const shared = this.host.shared;
      if (countStudyTrials && shared !== undefined) {
        // An interrupt cancels a wait for the shared storage (a lock held elsewhere, a stalled server).
        const asked = await shared.askWithin(space, trials, signal);
        if (asked !== undefined) return asked;
        this.started -= 1;
        // Finished and running trials reach the target: wait for the running ones to end (or go stale).
        await this.host.refresh();
        if (this.host.finishedCount() >= trials) {
          this.stopStudyFull();
          return "done";
        }
        await abortWatch.sleep(Math.min(shared.heartbeatIntervalMs, MAX_FULL_STUDY_POLL_MS));
        return "again";
      }
      if (countStudyTrials && this.host.finishedCount() + (this.started - 1 - this.run) >= trials) {
        this.started -= 1;
        if (this.started === this.run) {
          this.stopStudyFull();
          return "done";
        }
        // This call's running trials may reach the target, or fail and leave room.
        await this.trialEnded.promise;
        return "again";
      }
      if (this.settings.repeatable && this.settings.concurrency > 1 && this.host.shared === undefined) {
        const asked = await this.askInOrder(space);
        if (asked !== "again") return asked;
        this.started -= 1;
        return "again";
      }
      return await this.host.ask(space);
    } catch (error) {
      this.started -= 1;
      this.wakeLanes();
      if (error instanceof SearchSpaceExhaustedError) this.stop("exhausted", () => `${error.message}; ran ${counted(this.run, "trial")}`);
      else if (signal?.aborted) this.stopInterrupted();
      else this.fatal ??= { error };
      return "done";
    }
  }

  /**
   * Asks the call's next trial once every trial of this call more than `pendingWindow` places
   * before it has been told, showing the sampler the ones in between as running (see
   * `OptimizeOptions.repeatable`); "again" after a wait, for the lane to look at the stop
   * conditions (an abort or the timeout may have come meanwhile) before asking.
   */
  private askInOrder(space: SearchSpace | undefined): Promise<Trial | "again"> {
    const ask = async (): Promise<Trial | "again"> => {
      const index = this.asked.length;
      const windowStart = Math.max(0, index - this.settings.pendingWindow);
      const mustWait = (): boolean => this.asked.slice(0, windowStart).some((asked) => !asked.told);
      if (mustWait()) {
        while (!this.halted && mustWait()) await this.trialEnded.promise;
        return "again";
      }
      const trial = await this.host.ask(space, new Set(this.asked.slice(windowStart).map((asked) => asked.number)));
      this.asked.push({ number: trial.number, told: false });
      return trial;
    };
    const next = this.lastAsk.then(ask);
    this.lastAsk = next.catch(() => undefined);
    return next;
  }

  /** Counts a trial that ran: told (callbacks, failures in a row), given up (stale) or failed to tell. */
  private async finishTrial(ended: TrialRun): Promise<void> {
    if (ended.kind === "stale") {
      // This worker stalled past the heartbeat timeout: the trial was failed and is re-run elsewhere.
      this.started -= 1;
    } else if (ended.kind === "error") {
      this.started -= 1;
      this.fatal ??= { error: ended.error };
    } else {
      this.run += 1;
      const { frozen, exhausted } = ended;
      if (exhausted !== undefined) this.stop("exhausted", () => `${exhausted.message}; ran ${counted(this.run, "trial")}`);
      else await this.runCallbacks(frozen);
    }
  }

  /** Calls the callbacks, then counts failures in a row (a failure while interrupted does not count). */
  private async runCallbacks(frozen: FrozenTrial): Promise<void> {
    try {
      for (const callback of this.host.callbacks) await callback(frozen);
    } catch (error) {
      this.fatal ??= { error };
      return;
    }
    if (frozen.state === "failed" && !this.settings.signal?.aborted) {
      this.failuresInRow += 1;
      if (this.failuresInRow >= this.host.maxConsecutiveFailures) {
        this.fatal ??= { error: new TooManyFailuresError(this.failuresInRow, frozen.error ?? "unknown error") };
      }
    } else {
      this.failuresInRow = 0;
    }
  }
}

/**
 * Runs the loop (see `Study.optimize` for the contract): validates `options`, runs `concurrency`
 * lanes, rethrows the fatal error if any, else says why it stopped.
 */
export async function runOptimizeLoop(host: OptimizeHost, options: OptimizeOptions): Promise<OptimizeSummary> {
  const { trials = Infinity, timeout, signal, space, countStudyTrials = false, concurrency = 1, admission } = options;
  const repeatable = admission === undefined && (options.repeatable ?? false);
  const pendingWindow = options.pendingWindow ?? concurrency - 1;
  if (options.trials === undefined && timeout === undefined && signal === undefined) {
    throw new RangeError("optimize needs `trials`, `timeout` or `signal` to know when to stop (trials: Infinity runs until the space is exhausted)");
  }
  if (!(trials >= 0)) throw new RangeError(`trials must be a non-negative number, but got ${trials}`);
  if (timeout !== undefined && !(timeout >= 0)) throw new RangeError(`timeout must be a non-negative number of seconds, but got ${timeout}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer (trials run at once), but got ${concurrency}`);
  }
  if (!Number.isInteger(pendingWindow) || pendingWindow < concurrency - 1) {
    throw new RangeError(`pendingWindow must be an integer of at least concurrency − 1 = ${concurrency - 1} (the trials running beside each ask), but got ${pendingWindow}`);
  }
  const loop = new OptimizeLoop(host, { trials, timeout, signal, space, countStudyTrials, concurrency, repeatable, pendingWindow, abortWatch: new AbortWatch(signal), admission });
  await Promise.all(Array.from({ length: concurrency }, () => loop.lane()));
  if (loop.fatal !== undefined) throw loop.fatal.error;
  return loop.summary();
}

/** Resolves on the event loop's next check phase, after the I/O and messages waiting now. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

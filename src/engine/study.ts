/**
 * A study: a set of trials of one objective, run with a sampler (what to try), a pruner (when to
 * stop a trial early) and a storage (where the trials live). Use it through `ask`/`tell`, or let
 * `optimize` run the loop. Every random choice comes from the study's seed, the sampler's seed
 * and the trial number, so the same seeds give the same trials.
 *
 * The study caches its trials in memory and writes each change through its storage; a journal
 * storage lets a new process resume the study by name, continuing its trial numbering.
 *
 * With a shared storage (PostgreSQL: see {@link SharedStudyStorage}) several workers run one
 * study at once. Then every `ask` first fails trials whose worker stopped heartbeating (their
 * parameters are enqueued again), reads the trials other workers changed since the last read (so
 * the sampler sees their results, and their running trials as pending), and takes its trial from
 * the storage, which numbers it and hands each waiting trial to one worker only. While a trial
 * runs, the study heartbeats it every `storage.heartbeatIntervalMs`.
 */
import { contains, distributionToJSON, sampleUniform, validateDistribution } from "./distributions";
import { SearchSpaceExhaustedError } from "./errors";
import { createRng } from "../common/random";
import { RandomSampler } from "./samplers/random";
import { finishedCount, heldPointKeys, intersectionSpace, isFiniteSpace, pointKey, spaceSize, untriedPoints } from "./search-space";
import { MemoryStorage } from "./storage/memory";
import type { SharedStudyStorage, StudyStorage, TrialUpdate } from "./storage/storage";
import { applyTrialUpdate, isSharedStorage, newTrial, StaleTrialError } from "./storage/storage";
import { Trial, TrialPruned, type TrialHost } from "./trial";
import type {
  Distribution,
  FrozenTrial,
  Params,
  ParamValue,
  Pruner,
  Sampler,
  SamplingContext,
  SearchSpace,
  StudyDirection,
  TrialState,
} from "./types";
import { messageOf } from "../common/errors";

/** Options of {@link createStudy}. */
export interface StudyOptions {
  /** The study's name in its storage (default "study"); an existing study of that name is resumed. */
  readonly studyName?: string;
  /** Default "minimize". Must match the stored study's direction when resuming. */
  readonly direction?: StudyDirection;
  /** Default `new RandomSampler({ seed })`. */
  readonly sampler?: Sampler;
  /** Default: no pruning. */
  readonly pruner?: Pruner;
  /** Default: a fresh {@link MemoryStorage}. */
  readonly storage?: StudyStorage;
  /** The study's own seed (duplicate avoidance, default sampler); default 0. */
  readonly seed?: number;
  /**
   * The metric that is the objective value when an objective returns a record of metrics
   * (default "value"; a plain number is stored under this name too).
   */
  readonly metric?: string;
  /** `optimize` stops with {@link TooManyFailuresError} after this many failed trials in a row (default 10). */
  readonly maxConsecutiveFailures?: number;
  /** In a discrete space too large to list, how many random redraws replace a duplicate (default 20). */
  readonly duplicateRetries?: number;
  /** Milliseconds since the epoch (default `Date.now`); injectable for tests. */
  readonly clock?: () => number;
}

/** What an objective returns: the value, or a record of metrics holding the study's metric. */
export type ObjectiveResult = number | Readonly<Record<string, number>>;

/** The function a study optimises. It may be async. */
export type Objective = (trial: Trial) => ObjectiveResult | Promise<ObjectiveResult>;

/** What `tell` accepts: a value (NaN/±∞ fail the trial) or an explicit outcome. */
export type TellResult =
  | number
  | {
      readonly state: Extract<TrialState, "complete" | "failed" | "pruned">;
      readonly value?: number;
      readonly metrics?: Readonly<Record<string, number>>;
      readonly error?: string;
    };

/** Called after each trial `optimize` runs. */
export type OptimizeCallback = (study: Study, trial: FrozenTrial) => void | Promise<void>;

/** Options of {@link Study.optimize}. At least one of `trials`, `timeout` and `signal` is required. */
export interface OptimizeOptions {
  /** Run this many trials (Infinity: until exhausted, timed out or aborted). */
  readonly trials?: number;
  /** Start no new trial after this many seconds. */
  readonly timeout?: number;
  /** Start no new trial once aborted; the trials done are kept. */
  readonly signal?: AbortSignal;
  /** Sample every trial's parameters jointly from this space up front (see {@link Study.ask}). */
  readonly space?: SearchSpace;
  readonly callbacks?: readonly OptimizeCallback[];
  /**
   * Count `trials` over the whole study rather than this call: stop once the study holds `trials`
   * finished trials (complete or pruned: `FINISHED_STATES` of the search-space module), whoever ran them. With a shared storage, workers start a
   * trial only while finished and running trials are fewer than `trials`, and otherwise wait for
   * the running ones (re-running any whose worker dies), so the study ends with exactly `trials`.
   */
  readonly countStudyTrials?: boolean;
  /**
   * How many trials run at once (default 1): while fewer are running, another is asked, so an
   * objective that awaits work done elsewhere (worker threads, other processes) keeps N busy. The
   * sampler sees the running trials as pending; `trials` is never exceeded. Which parameters a
   * trial gets can then depend on which trials finished first.
   */
  readonly concurrency?: number;
}

/** Why `optimize` stopped. */
export type StopReason = "trials" | "timeout" | "aborted" | "exhausted";

/** What `optimize` did. */
export interface OptimizeSummary {
  /** Trials run by this call. */
  readonly trialsRun: number;
  readonly stopReason: StopReason;
  /** A sentence saying why the search stopped. */
  readonly message: string;
}

/** `optimize` gave up because too many trials failed in a row (the objective is likely broken). */
export class TooManyFailuresError extends Error {
  override readonly name = "TooManyFailuresError";
  readonly lastError: string;
  constructor(count: number, lastError: string) {
    super(
      `stopping the search: the last ${count} trials failed in a row (the last with: ${lastError}); ` +
        `check the objective, or raise maxConsecutiveFailures`,
    );
    this.lastError = lastError;
  }
}

/** The JSON export of a study. */
export interface StudyJSON {
  readonly studyName: string;
  readonly direction: StudyDirection;
  readonly metric: string;
  readonly bestTrial: number | null;
  readonly trials: readonly FrozenTrial[];
}

/** With a shared storage, how many times a point another worker drew at the same moment is redrawn. */
const SHARED_DUPLICATE_REDRAWS = 3;

/** Longest wait (ms) between looks at a study whose remaining trials other workers are running. */
const MAX_FULL_STUDY_POLL_MS = 500;

/** Resolves after `ms`, or at once when `signal` is aborted. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** A promise with its resolve function (Node 20 has no `Promise.withResolvers`). */
function deferred(): { readonly promise: Promise<void>; readonly resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Creates a study, or resumes the one of the same name in `options.storage`. */
export function createStudy(options: StudyOptions = {}): Promise<Study> {
  return Study.create(options);
}

/** A study of trials; create it with {@link createStudy}. */
export class Study {
  readonly studyName: string;
  readonly direction: StudyDirection;
  readonly metric: string;
  readonly sampler: Sampler;
  readonly pruner: Pruner | undefined;
  readonly storage: StudyStorage;
  readonly seed: number;
  readonly maxConsecutiveFailures: number;
  private readonly duplicateRetries: number;
  private readonly clock: () => number;
  private cache: FrozenTrial[];
  private readonly live = new Map<number, Trial>();
  /** Storage writes of live trials, in order; awaited before anything reads or ends a trial. */
  private writes: Promise<void> = Promise.resolve();
  private writeError: unknown = undefined;
  /** `enqueue`, `ask` and `tell` run one at a time, in call order, so trial numbers never collide. */
  private serial: Promise<unknown> = Promise.resolve();
  /** The storage, when it is shared by several workers. */
  private readonly shared: SharedStudyStorage | undefined;
  /** What the shared storage has told this study so far (see {@link SharedStudyStorage.readTrialChanges}). */
  private changeCursor: number;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    options: StudyOptions,
    direction: StudyDirection,
    metric: string,
    storage: StudyStorage,
    trials: FrozenTrial[],
    changeCursor: number,
  ) {
    this.studyName = options.studyName ?? "study";
    this.direction = direction;
    this.metric = metric;
    this.seed = options.seed ?? 0;
    this.sampler = options.sampler ?? new RandomSampler({ seed: this.seed });
    this.pruner = options.pruner;
    this.storage = storage;
    this.maxConsecutiveFailures = options.maxConsecutiveFailures ?? 10;
    this.duplicateRetries = options.duplicateRetries ?? 20;
    this.clock = options.clock ?? Date.now;
    this.cache = trials;
    this.shared = isSharedStorage(storage) ? storage : undefined;
    this.changeCursor = changeCursor;
  }

  /** See {@link createStudy}. */
  static async create(options: StudyOptions = {}): Promise<Study> {
    const direction = options.direction ?? "minimize";
    if (direction !== "minimize" && direction !== "maximize") {
      throw new RangeError(`direction must be "minimize" or "maximize", but got ${JSON.stringify(direction)}`);
    }
    const max = options.maxConsecutiveFailures;
    if (max !== undefined && !(max >= 1)) {
      throw new RangeError(`maxConsecutiveFailures must be at least 1, but got ${max}`);
    }
    const storage = options.storage ?? new MemoryStorage();
    const name = options.studyName ?? "study";
    const clock = options.clock ?? Date.now;
    const record = await storage.createStudy({
      name,
      direction,
      ...(options.metric === undefined ? {} : { metric: options.metric }),
      createdAt: clock(),
    });
    if (record.direction !== direction) {
      throw new RangeError(`study "${name}" is stored with direction "${record.direction}", but "${direction}" was asked for`);
    }
    const metric = options.metric ?? record.metric ?? "value";
    if (options.metric !== undefined && record.metric !== undefined && record.metric !== options.metric) {
      throw new RangeError(`study "${name}" is stored with metric "${record.metric}", but "${options.metric}" was asked for`);
    }
    if (isSharedStorage(storage)) {
      // Other workers may be running trials right now: only those that stopped heartbeating are failed.
      await storage.failStaleTrials(name);
      const changes = await storage.readTrialChanges(name, 0);
      return new Study(options, direction, metric, storage, [...changes.trials], changes.cursor);
    }
    // One process at a time: trials left running by a process that died can never be told.
    const trials = await storage.readTrials(name);
    for (const trial of trials) {
      if (trial.state !== "running") continue;
      const update: TrialUpdate = {
        state: "failed",
        completedAt: clock(),
        error: "the process running this trial stopped before telling its result (found running on resume)",
      };
      await storage.updateTrial(name, trial.number, update);
      trials[trial.number] = applyTrialUpdate(trial, update);
    }
    return new Study(options, direction, metric, storage, trials, 0);
  }

  /** Every trial, in number order (a snapshot). */
  get trials(): readonly FrozenTrial[] {
    return [...this.cache];
  }

  /** The complete trial with the best value (the earliest among equals), if any. Never a failed or NaN trial. */
  get bestTrial(): FrozenTrial | undefined {
    let best: FrozenTrial | undefined;
    for (const trial of this.cache) {
      if (trial.state !== "complete" || trial.value === undefined || !Number.isFinite(trial.value)) continue;
      if (best === undefined || this.isBetter(trial.value, best.value as number)) best = trial;
    }
    return best;
  }

  /** The best trial's value, if any trial is complete. */
  get bestValue(): number | undefined {
    return this.bestTrial?.value;
  }

  /** The best trial's parameters, if any trial is complete. */
  get bestParams(): Params | undefined {
    return this.bestTrial?.params;
  }

  /** Whether value `a` is strictly better than `b` in the study's direction. */
  isBetter(a: number, b: number): boolean {
    return this.direction === "minimize" ? a < b : a > b;
  }

  /**
   * Queues a trial with known parameters: the next `ask` uses them (sampling only the parameters
   * they lack). Resolves to the trial's number.
   */
  enqueue(params: Params): Promise<number> {
    return this.exclusive(() => this.enqueueNow(params));
  }

  private async enqueueNow(params: Params): Promise<number> {
    await this.flush();
    const number = await this.storage.createTrial(this.studyName, newTrial("waiting", { params: { ...params } }));
    await this.refreshNow();
    return number;
  }

  /**
   * Reads the trials that changed in the storage since the study last looked (all of them for a
   * storage that is not shared): other workers' new, running and finished trials.
   */
  refresh(): Promise<void> {
    return this.exclusive(() => this.refreshNow());
  }

  private async refreshNow(): Promise<void> {
    await this.flush();
    if (this.shared === undefined) {
      this.cache = await this.storage.readTrials(this.studyName);
      return;
    }
    const changes = await this.shared.readTrialChanges(this.studyName, this.changeCursor);
    this.changeCursor = changes.cursor;
    for (const trial of changes.trials) {
      const live = this.live.get(trial.number);
      // This worker's own running trials: its cache is ahead of the storage (writes are queued).
      if (live !== undefined && trial.state === "running") continue;
      this.cache[trial.number] = trial;
      if (live === undefined) continue;
      // Failed by another worker (this one stalled past the heartbeat timeout): no longer ours.
      live.updateSnapshot(trial);
      this.live.delete(trial.number);
    }
    this.updateHeartbeat();
  }

  /**
   * Starts a trial. With `space`, every parameter is sampled jointly up front and is in
   * `trial.params` at once (in a discrete space a point already tried is replaced by an untried one
   * while any is left). Without it, `trial.suggest*` samples each parameter as the objective asks,
   * jointly over the parameters that every earlier complete trial shared (like Optuna's relative
   * sampling), independently for the rest. Throws {@link SearchSpaceExhaustedError} when the
   * sampler has nothing left to try. Several trials may be asked before any is told; the sampler
   * sees the running ones (with their parameters) as pending.
   */
  ask(space?: SearchSpace): Promise<Trial> {
    return this.exclusive(async () => {
      if (this.shared !== undefined) return (await this.askShared(this.shared, space, undefined)) as Trial;
      return this.askNow(space);
    });
  }

  private async askNow(space?: SearchSpace): Promise<Trial> {
    await this.flush();
    const waiting = this.cache.find((trial) => trial.state === "waiting");
    const number = waiting?.number ?? this.cache.length;
    const { params, distributions, presets } = this.chooseParams(space, number, waiting?.params ?? {});

    const startedAt = this.clock();
    let snapshot: FrozenTrial;
    if (waiting !== undefined) {
      const update: TrialUpdate = { state: "running", startedAt, params, distributions };
      await this.storage.updateTrial(this.studyName, number, update);
      // Enqueued values outside `space` stay in params until the objective suggests them.
      snapshot = applyTrialUpdate(waiting, update);
    } else {
      const record = newTrial("running", { params, distributions, startedAt });
      const created = await this.storage.createTrial(this.studyName, record);
      if (created !== number) {
        throw new Error(
          `storage gave the new trial number ${created}, but study "${this.studyName}" expected ${number}: is another process writing to this study?`,
        );
      }
      snapshot = { number, ...record };
    }
    return this.goLive(snapshot, presets);
  }

  /**
   * `ask` on a shared storage: fail stale trials, take a trial from the storage (a waiting one, else
   * a new number), refresh, sample with every worker's trials in view, store the parameters. In a
   * finite space the parameters are written, then checked against other workers' trials, and drawn
   * again on a clash: of two workers that drew one point at once, at least one sees the other.
   * Resolves to `undefined` when `limit` (see {@link SharedStudyStorage.startTrial}) is reached.
   */
  private async askShared(shared: SharedStudyStorage, space: SearchSpace | undefined, limit: number | undefined): Promise<Trial | undefined> {
    await this.flush();
    await shared.failStaleTrials(this.studyName);
    const started = await shared.startTrial(this.studyName, { startedAt: this.clock(), ...(limit === undefined ? {} : { limit }) });
    if (started === undefined) return undefined;
    const number = started.number;
    const enqueued = started.params;
    try {
      await this.refreshNow();
      let snapshot = started;
      let choice = this.chooseParams(space, number, enqueued);
      for (let attempt = 0; ; attempt++) {
        const update: TrialUpdate = { params: choice.params, distributions: choice.distributions };
        if (Object.keys(choice.params).length > 0 || Object.keys(choice.distributions).length > 0) {
          await this.storage.updateTrial(this.studyName, number, update);
        }
        snapshot = applyTrialUpdate(started, update);
        this.cache[number] = snapshot;
        if (space === undefined || !choice.sampledAll || !isFiniteSpace(space) || attempt >= SHARED_DUPLICATE_REDRAWS) break;
        await this.refreshNow();
        if (!this.clashes(space, choice.params, number)) break;
        choice = this.chooseParams(space, number, enqueued);
      }
      return this.goLive(snapshot, choice.presets);
    } catch (error) {
      // The storage already handed this trial out: end it rather than leave it to go stale.
      const reason = messageOf(error);
      const update: TrialUpdate = { state: "failed", completedAt: this.clock(), error: `no parameters could be chosen: ${reason}` };
      await this.storage.updateTrial(this.studyName, number, update).catch(() => undefined);
      this.cache[number] = applyTrialUpdate(this.cache[number] ?? started, update);
      throw error;
    }
  }

  /** Whether a trial other than `number` (not waiting) holds the point `params` of `space`. */
  private clashes(space: SearchSpace, params: Params, number: number): boolean {
    const key = pointKey(space, params);
    return key !== undefined && heldPointKeys(space, this.cache, (trial) => trial.number === number || trial.state === "waiting").has(key);
  }

  /** Makes `snapshot` the study's live trial, heartbeating it when the storage is shared. */
  private goLive(snapshot: FrozenTrial, presets: ReadonlyMap<string, { value: ParamValue; dist?: Distribution }>): Trial {
    this.cache[snapshot.number] = snapshot;
    const trial = new Trial(this.host, snapshot, presets);
    this.live.set(snapshot.number, trial);
    this.updateHeartbeat();
    return trial;
  }

  /** Heartbeats the live trials every `heartbeatIntervalMs` while there are any (shared storage only). */
  private updateHeartbeat(): void {
    const shared = this.shared;
    if (shared === undefined) return;
    if (this.live.size === 0) {
      if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = undefined;
      return;
    }
    if (this.heartbeatTimer !== undefined) return;
    this.heartbeatTimer = setInterval(() => {
      // A failed heartbeat is not fatal: if they keep failing, the trial goes stale and is re-run.
      shared.recordHeartbeat(this.studyName, [...this.live.keys()]).catch(() => undefined);
    }, shared.heartbeatIntervalMs);
    // Heartbeats alone must not keep the process alive.
    this.heartbeatTimer.unref();
  }

  /**
   * The parameters of trial `number` (see {@link ask}): `params` and `distributions` to store now,
   * `presets` for the trial to use when the objective suggests them, and whether every parameter
   * of `space` was sampled (none enqueued).
   */
  private chooseParams(
    space: SearchSpace | undefined,
    number: number,
    enqueued: Params,
  ): { params: Record<string, ParamValue>; distributions: SearchSpace; presets: Map<string, { value: ParamValue; dist?: Distribution }>; sampledAll: boolean } {
    const presets = new Map<string, { value: ParamValue; dist?: Distribution }>();
    for (const [name, value] of Object.entries(enqueued)) presets.set(name, { value: value as ParamValue });

    let params: Record<string, ParamValue> = {};
    let distributions: SearchSpace = {};
    if (space !== undefined) {
      for (const [name, dist] of Object.entries(space)) {
        validateDistribution(dist);
        if (name in enqueued && !contains(dist, enqueued[name])) {
          throw new RangeError(
            `trial ${number}: the enqueued value ${JSON.stringify(enqueued[name])} of "${name}" is not in ${JSON.stringify(distributionToJSON(dist))}`,
          );
        }
      }
      const missing = Object.keys(space).filter((name) => !(name in enqueued));
      const sampled = missing.length > 0 ? this.sampleJointly(space, number) : {};
      for (const name of Object.keys(space)) params[name] = (name in enqueued ? enqueued[name] : sampled[name]) as ParamValue;
      if (missing.length === Object.keys(space).length) params = this.avoidDuplicate(space, params, number);
      distributions = space;
      for (const name of Object.keys(space)) presets.delete(name);
      return { params, distributions, presets, sampledAll: missing.length === Object.keys(space).length };
    }
    const joint = intersectionSpace(this.cache);
    const free = Object.fromEntries(Object.entries(joint).filter(([name]) => !(name in enqueued)));
    if (Object.keys(free).length > 0) {
      const sampled = this.sampleJointly(free, number);
      for (const [name, dist] of Object.entries(free)) presets.set(name, { value: sampled[name] as ParamValue, dist });
    }
    return { params, distributions, presets, sampledAll: false };
  }

  /**
   * Ends a trial: a finite number completes it, NaN/±∞ fail it (the reason is kept), or give the
   * outcome explicitly. A pruned trial keeps its last reported value unless one is given.
   * Resolves, with the final snapshot, once the storage holds the result.
   */
  tell(trial: Trial | number, result: TellResult): Promise<FrozenTrial> {
    return this.exclusive(() => this.tellNow(trial, result));
  }

  private async tellNow(trial: Trial | number, result: TellResult): Promise<FrozenTrial> {
    const number = typeof trial === "number" ? trial : trial.number;
    const current = this.cache[number];
    if (current === undefined) throw new RangeError(`study "${this.studyName}" has no trial ${number}`);
    if (current.state !== "running") {
      throw new Error(`trial ${number} is ${current.state}; only a running trial can be told (once)`);
    }
    const update = this.outcome(current, result);
    try {
      // The trial's queued writes (parameters, intermediate values) land before its result.
      await this.flush();
      await this.storage.updateTrial(this.studyName, number, update);
    } catch (error) {
      if (error instanceof StaleTrialError) {
        // Another worker failed it (no heartbeat in time) and offered its parameters again.
        this.live.delete(number);
        await this.refreshNow();
      }
      throw error;
    }
    const final = applyTrialUpdate(current, update);
    this.cache[number] = final;
    this.live.get(number)?.updateSnapshot(final);
    this.live.delete(number);
    this.updateHeartbeat();
    return final;
  }

  /**
   * Runs `objective` on trial after trial until `trials` have run, `timeout` seconds have passed,
   * `signal` is aborted or the sampler has nothing left to try, whichever comes first; a running
   * trial is always finished. A trial whose objective throws or returns NaN/±∞ is recorded as
   * failed and the search goes on, up to `maxConsecutiveFailures` in a row.
   *
   * With `concurrency: N`, up to N trials run at once: a new trial is asked while others run (the
   * sampler sees those as pending), never more than `trials` in all. Once any stop condition holds
   * no trial is started, and the call resolves when the running ones have been told.
   */
  async optimize(objective: Objective, options: OptimizeOptions = {}): Promise<OptimizeSummary> {
    const { trials = Infinity, timeout, signal, space, callbacks = [], countStudyTrials = false, concurrency = 1 } = options;
    if (options.trials === undefined && timeout === undefined && signal === undefined) {
      throw new RangeError("optimize needs `trials`, `timeout` or `signal` to know when to stop (trials: Infinity runs until the space is exhausted)");
    }
    if (!(trials >= 0)) throw new RangeError(`trials must be a non-negative number, but got ${trials}`);
    if (timeout !== undefined && !(timeout >= 0)) throw new RangeError(`timeout must be a non-negative number of seconds, but got ${timeout}`);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer (trials run at once), but got ${concurrency}`);
    }
    const start = this.clock();
    /** Trials this call has running or has told (a stale one given up is taken back). */
    let started = 0;
    let run = 0;
    let failuresInRow = 0;
    let stopped: { reason: StopReason; message: () => string } | undefined;
    let fatal: { error: unknown } | undefined;
    /** Wakes lanes that wait for a running trial of this call to end. */
    let trialEnded = deferred();
    const plural = (n: number): string => `${n} trial${n === 1 ? "" : "s"}`;
    const stopWith = (reason: StopReason, message: () => string): void => {
      stopped ??= { reason, message };
    };
    const halted = (): boolean => stopped !== undefined || fatal !== undefined;
    /** Called whenever a trial of this call ends or is given back. */
    const wakeLanes = (): void => {
      const wake = trialEnded;
      trialEnded = deferred();
      wake.resolve();
    };

    /** Calls the callbacks, then counts failures in a row (a failure while interrupted does not count). */
    const runCallbacks = async (frozen: FrozenTrial): Promise<void> => {
      try {
        for (const callback of callbacks) await callback(this, frozen);
      } catch (error) {
        fatal ??= { error };
        return;
      }
      if (frozen.state === "failed" && !signal?.aborted) {
        failuresInRow += 1;
        if (failuresInRow >= this.maxConsecutiveFailures) {
          fatal ??= { error: new TooManyFailuresError(failuresInRow, frozen.error ?? "unknown error") };
        }
      } else {
        failuresInRow = 0;
      }
    };

    /** One lane: asks, runs and tells trials one after another while the search goes on. */
    const lane = async (): Promise<void> => {
      while (!halted()) {
        if (!countStudyTrials && started >= trials) {
          // Every remaining trial is running in some lane; one may yet be given up (stale) and re-run.
          if (started > run) {
            await trialEnded.promise;
            continue;
          }
          return stopWith("trials", () => `ran ${plural(run)}`);
        }
        if (signal?.aborted) return stopWith("aborted", () => `interrupted after ${plural(run)}; every finished trial is kept`);
        if (timeout !== undefined && (this.clock() - start) / 1000 >= timeout) {
          return stopWith("timeout", () => `timed out after ${timeout} s and ${plural(run)}`);
        }
        const studyFull = (): void =>
          stopWith("trials", () => `the study has ${this.finishedCount()} finished trials (${run} run by this worker)`);
        let trial: Trial;
        started += 1;
        try {
          const shared = this.shared;
          if (countStudyTrials && shared !== undefined) {
            const asked = await this.exclusive(() => this.askShared(shared, space, trials));
            if (asked === undefined) {
              started -= 1;
              // Finished and running trials reach the target: wait for the running ones to end (or go stale).
              await this.refresh();
              if (this.finishedCount() >= trials) return studyFull();
              await sleep(Math.min(shared.heartbeatIntervalMs, MAX_FULL_STUDY_POLL_MS), signal);
              continue;
            }
            trial = asked;
          } else {
            if (countStudyTrials && this.finishedCount() + (started - 1 - run) >= trials) {
              started -= 1;
              if (started === run) return studyFull();
              // This call's running trials may reach the target, or fail and leave room.
              await trialEnded.promise;
              continue;
            }
            trial = await this.ask(space);
          }
        } catch (error) {
          started -= 1;
          wakeLanes();
          if (error instanceof SearchSpaceExhaustedError) return stopWith("exhausted", () => `${error.message}; ran ${plural(run)}`);
          fatal ??= { error };
          return;
        }
        const ended = await this.runTrial(trial, objective, signal);
        if (ended.kind === "stale") {
          // This worker stalled past the heartbeat timeout: the trial was failed and is re-run elsewhere.
          started -= 1;
        } else if (ended.kind === "error") {
          started -= 1;
          fatal ??= { error: ended.error };
        } else {
          run += 1;
          const { frozen, exhausted } = ended;
          if (exhausted !== undefined) {
            stopWith("exhausted", () => `${exhausted.message}; ran ${plural(run)}`);
          } else {
            await runCallbacks(frozen);
          }
        }
        wakeLanes();
      }
    };

    await Promise.all(Array.from({ length: concurrency }, lane));
    if (fatal !== undefined) throw fatal.error;
    const { reason, message } = stopped ?? { reason: "trials" as const, message: () => `ran ${plural(run)}` };
    return { trialsRun: run, stopReason: reason, message: message() };
  }

  /**
   * Runs the objective on `trial` and tells the study its outcome: the told snapshot (and the
   * exhaustion error when the objective found the space exhausted), `stale` when this worker's
   * trial was failed by another worker meanwhile, or the error that telling threw.
   */
  private async runTrial(
    trial: Trial,
    objective: Objective,
    signal: AbortSignal | undefined,
  ): Promise<
    | { readonly kind: "told"; readonly frozen: FrozenTrial; readonly exhausted: SearchSpaceExhaustedError | undefined }
    | { readonly kind: "stale" }
    | { readonly kind: "error"; readonly error: unknown }
  > {
    let result: TellResult;
    let exhausted: SearchSpaceExhaustedError | undefined;
    try {
      result = this.interpret(await objective(trial));
    } catch (error) {
      if (error instanceof TrialPruned) {
        result = { state: "pruned" };
      } else if (error instanceof SearchSpaceExhaustedError) {
        exhausted = error;
        result = { state: "failed", error: error.message };
      } else {
        const reason = messageOf(error);
        result = { state: "failed", error: signal?.aborted ? `interrupted: ${reason}` : reason };
      }
    }
    try {
      return { kind: "told", frozen: await this.tell(trial, result), exhausted };
    } catch (error) {
      if (error instanceof StaleTrialError) return { kind: "stale" };
      return { kind: "error", error };
    }
  }

  /** How many trials are finished (complete or pruned: see FINISHED_STATES) in this study's view (see {@link refresh}). */
  private finishedCount(): number {
    return finishedCount(this.cache);
  }

  /** The study as JSON: its name, direction, metric, best trial number and every trial. */
  toJSON(): StudyJSON {
    return {
      studyName: this.studyName,
      direction: this.direction,
      metric: this.metric,
      bestTrial: this.bestTrial?.number ?? null,
      trials: this.trials,
    };
  }

  /**
   * The trials as CSV, one row per trial: number, state, value, `params_<name>` and
   * `metrics_<name>` columns (in order of first appearance), started_at, completed_at,
   * duration_ms, error.
   */
  toCSV(): string {
    const paramNames = firstAppearance(this.cache.map((t) => Object.keys(t.params)));
    const metricNames = firstAppearance(this.cache.map((t) => Object.keys(t.metrics)));
    const header = [
      "number",
      "state",
      "value",
      ...paramNames.map((n) => `params_${n}`),
      ...metricNames.map((n) => `metrics_${n}`),
      "started_at",
      "completed_at",
      "duration_ms",
      "error",
    ];
    const rows = this.cache.map((t) => [
      t.number,
      t.state,
      t.value,
      ...paramNames.map((n) => t.params[n]),
      ...metricNames.map((n) => t.metrics[n]),
      t.startedAt,
      t.completedAt,
      t.startedAt !== undefined && t.completedAt !== undefined ? t.completedAt - t.startedAt : undefined,
      t.error,
    ]);
    return [header, ...rows].map((row) => row.map(csvField).join(",")).join("\n") + "\n";
  }

  // ---- internals -------------------------------------------------------------------------

  /** The study's side of the live trials. */
  private readonly host: TrialHost = {
    sampleParam: (trial, name, dist) => {
      const context = this.context({ [name]: dist }, trial.number);
      const value = this.sampler.sample(context)[name] as ParamValue;
      this.checkSampled(name, dist, value);
      return value;
    },
    recordParam: (trial, name, dist, value) => {
      this.change(trial, { params: { [name]: value }, distributions: { [name]: dist } });
    },
    recordIntermediate: (trial, step, value) => {
      this.change(trial, { intermediate: { step, value } });
    },
    recordUserAttr: (trial, key, value) => {
      this.change(trial, { userAttrs: { [key]: value } });
    },
    shouldPrune: (trial) => {
      if (this.pruner === undefined) return false;
      return this.pruner.shouldPrune({ trial: trial.frozen, trials: this.trials, direction: this.direction });
    },
  };

  /** Applies a change of a live trial to the cache at once and queues its storage write. */
  private change(trial: Trial, update: TrialUpdate): void {
    const current = this.cache[trial.number] as FrozenTrial;
    if (current.state !== "running") {
      throw new Error(`trial ${trial.number} is ${current.state}; a finished trial cannot change`);
    }
    const next = applyTrialUpdate(current, update);
    this.cache[trial.number] = next;
    trial.updateSnapshot(next);
    this.writes = this.writes.then(
      () => this.storage.updateTrial(this.studyName, trial.number, update),
    ).catch((error: unknown) => {
      this.writeError ??= error;
    });
  }

  /** Runs `task` after every earlier `enqueue`/`ask`/`tell` has settled. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.serial.then(task, task);
    this.serial = run.catch(() => undefined);
    return run;
  }

  /** Waits for queued writes; rethrows the first that failed. */
  private async flush(): Promise<void> {
    await this.writes;
    if (this.writeError !== undefined) {
      const error = this.writeError;
      this.writeError = undefined;
      throw error;
    }
  }

  private context(space: SearchSpace, trialNumber: number): SamplingContext {
    const trials = [...this.cache];
    if (trials[trialNumber] === undefined || trials[trialNumber]?.state === "waiting") {
      trials[trialNumber] = { number: trialNumber, ...newTrial("running") };
    }
    return { space, trials, direction: this.direction, trialNumber };
  }

  private sampleJointly(space: SearchSpace, trialNumber: number): Params {
    const params = this.sampler.sample(this.context(space, trialNumber));
    for (const [name, dist] of Object.entries(space)) this.checkSampled(name, dist, params[name]);
    return params;
  }

  private checkSampled(name: string, dist: Distribution, value: unknown): void {
    if (!contains(dist, value)) {
      throw new Error(
        `sampler "${this.sampler.name}" returned ${JSON.stringify(value)} for "${name}", which is not in ${JSON.stringify(distributionToJSON(dist))}`,
      );
    }
  }

  /**
   * In a space where every dimension is finite, replaces a point some trial already holds by an
   * untried one: drawn uniformly among all untried points when the space can be listed, else by up
   * to `duplicateRetries` random draws (then the duplicate is accepted). Throws
   * {@link SearchSpaceExhaustedError} when every point has been tried.
   */
  private avoidDuplicate(space: SearchSpace, params: Record<string, ParamValue>, number: number): Record<string, ParamValue> {
    if (Object.keys(space).length === 0 || !isFiniteSpace(space)) return params;
    const taken = heldPointKeys(space, this.cache, (trial) => trial.number === number || trial.state === "waiting");
    if (!taken.has(pointKey(space, params) as string)) return params;
    const total = spaceSize(space);
    if (taken.size >= total) throw new SearchSpaceExhaustedError(total, `every point of ${Object.keys(space).join(", ")} has been tried`);
    const rng = createRng(this.seed, "duplicate", number);
    const untried = untriedPoints(space, taken);
    if (untried !== undefined) return untried[rng.int(untried.length)] as Record<string, ParamValue>;
    for (let attempt = 0; attempt < this.duplicateRetries; attempt++) {
      const point = Object.fromEntries(Object.entries(space).map(([name, dist]) => [name, sampleUniform(dist, rng)]));
      if (!taken.has(pointKey(space, point) as string)) return point;
    }
    return params;
  }

  /** Turns an objective's return into a tell result. */
  private interpret(result: unknown): TellResult {
    if (typeof result === "number") return result;
    if (typeof result === "object" && result !== null && !Array.isArray(result)) {
      const record = result as Record<string, unknown>;
      const metrics: Record<string, number> = {};
      for (const [name, value] of Object.entries(record)) {
        if (typeof value === "number" && Number.isFinite(value)) metrics[name] = value;
      }
      if (!(this.metric in record)) {
        return {
          state: "failed",
          metrics,
          error: `the objective returned the metrics {${Object.keys(record).join(", ")}} without the study's metric "${this.metric}"`,
        };
      }
      const value = record[this.metric];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        return { state: "failed", metrics, error: `the objective's metric "${this.metric}" is ${String(value)}` };
      }
      return { state: "complete", value, metrics };
    }
    return {
      state: "failed",
      error: `the objective returned ${result === null ? "null" : typeof result}; expected a number or a record of metrics`,
    };
  }

  /** The storage update that ends `trial` with `result`. */
  private outcome(trial: FrozenTrial, result: TellResult): TrialUpdate {
    const completedAt = this.clock();
    if (typeof result === "number") {
      if (Number.isFinite(result)) return { state: "complete", value: result, metrics: { [this.metric]: result }, completedAt };
      return { state: "failed", completedAt, error: `the objective returned ${result}` };
    }
    const metrics = result.metrics ?? {};
    switch (result.state) {
      case "complete": {
        const value = result.value;
        if (value === undefined || !Number.isFinite(value)) {
          return { state: "failed", metrics, completedAt, error: `the objective returned ${String(value)}` };
        }
        return { state: "complete", value, metrics: { ...metrics, [this.metric]: value }, completedAt };
      }
      case "pruned": {
        const last = trial.intermediateValues[trial.intermediateValues.length - 1]?.value;
        const value = result.value ?? last;
        return value === undefined || !Number.isFinite(value)
          ? { state: "pruned", metrics, completedAt }
          : { state: "pruned", value, metrics, completedAt };
      }
      case "failed":
        return { state: "failed", metrics, completedAt, error: result.error ?? "failed (no reason given)" };
      default:
        throw new RangeError(`tell: state must be "complete", "failed" or "pruned", but got ${JSON.stringify((result as { state?: unknown }).state)}`);
    }
  }
}

function firstAppearance(lists: readonly (readonly string[])[]): string[] {
  const seen = new Set<string>();
  for (const list of lists) for (const name of list) seen.add(name);
  return [...seen];
}

function csvField(value: unknown): string {
  if (value === undefined) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

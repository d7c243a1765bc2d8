/**
 * The study's view of its trials: an in-memory cache of every trial (in number order) kept in step
 * with the storage, the live trials this process runs, and the plumbing around them — storage
 * writes queued in order, one operation at a time (`exclusive`), reads of what other workers
 * changed (`refresh`) and heartbeats of the live trials on a shared storage.
 *
 * Ask, tell and the optimize loop work through this object; none of them touches the cache or the
 * storage behind its back.
 */
import type { SharedStudyStorage, StudyStorage, TrialUpdate } from "./storage/storage";
import { applyTrialUpdate, isSharedStorage } from "./storage/storage";
import { Trial, type TrialHost } from "./trial";
import type { Distribution, FrozenTrial, ParamValue } from "./types";

/** Values a live trial uses when the objective suggests them (enqueued, or sampled up front). */
export type Presets = ReadonlyMap<string, { value: ParamValue; dist?: Distribution }>;

/** The cached trials, live trials, write queue and heartbeats of one study (see the module comment). */
export class StudyTrials {
  readonly studyName: string;
  readonly storage: StudyStorage;
  /** The storage, when it is shared by several workers. */
  readonly shared: SharedStudyStorage | undefined;
  private cache: FrozenTrial[];
  private readonly live = new Map<number, Trial>();
  /** Storage writes of live trials, in order; awaited before anything reads or ends a trial. */
  private writes: Promise<void> = Promise.resolve();
  private writeError: unknown = undefined;
  /** `enqueue`, `ask` and `tell` run one at a time, in call order, so trial numbers never collide. */
  private serial: Promise<unknown> = Promise.resolve();
  /** What the shared storage has told this study so far (see {@link SharedStudyStorage.readTrialChanges}). */
  private changeCursor: number;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;

  private constructor(studyName: string, storage: StudyStorage, trials: FrozenTrial[], changeCursor: number) {
    this.studyName = studyName;
    this.storage = storage;
    this.shared = isSharedStorage(storage) ? storage : undefined;
    this.cache = trials;
    this.changeCursor = changeCursor;
  }

  /**
   * Reads the trials of study `studyName` (already created in `storage`). On a storage of one
   * process, trials left running by a process that died can never be told: they are failed. On
   * a shared storage other workers may be running trials right now: only those that stopped
   * heartbeating are failed.
   */
  static async open(studyName: string, storage: StudyStorage, clock: () => number): Promise<StudyTrials> {
    if (isSharedStorage(storage)) {
      await storage.failStaleTrials(studyName);
      const changes = await storage.readTrialChanges(studyName, 0);
      return new StudyTrials(studyName, storage, [...changes.trials], changes.cursor);
    }
    const trials = await storage.readTrials(studyName);
    for (const trial of trials) {
      if (trial.state !== "running") continue;
      const update: TrialUpdate = {
        state: "failed",
        completedAt: clock(),
        error: "the process running this trial stopped before telling its result (found running on resume)",
      };
      await storage.updateTrial(studyName, trial.number, update);
      trials[trial.number] = applyTrialUpdate(trial, update);
    }
    return new StudyTrials(studyName, storage, trials, 0);
  }

  /** Every trial, in number order (the cache itself: do not modify). */
  get all(): readonly FrozenTrial[] {
    return this.cache;
  }

  /** Trial `number`, if the study has it. */
  get(number: number): FrozenTrial | undefined {
    return this.cache[number];
  }

  /** Puts `trial` in the cache (the storage already holds it, or is about to). */
  set(trial: FrozenTrial): void {
    this.cache[trial.number] = trial;
  }

  /** Runs `task` after every earlier exclusive task has settled. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.serial.then(task, task);
    this.serial = run.catch(() => undefined);
    return run;
  }

  /** Waits for queued writes; rethrows the first that failed. */
  async flush(): Promise<void> {
    await this.writes;
    if (this.writeError !== undefined) {
      const error = this.writeError;
      this.writeError = undefined;
      throw error;
    }
  }

  /** Applies a change of a live trial to the cache at once and queues its storage write. */
  change(trial: Trial, update: TrialUpdate): void {
    const current = this.cache[trial.number] as FrozenTrial;
    if (current.state !== "running") {
      throw new Error(`trial ${trial.number} is ${current.state}; a finished trial cannot change`);
    }
    const next = applyTrialUpdate(current, update);
    this.cache[trial.number] = next;
    trial.updateSnapshot(next);
    this.writes = this.writes
      .then(() => this.storage.updateTrial(this.studyName, trial.number, update))
      .catch((error: unknown) => {
        this.writeError ??= error;
      });
  }

  /**
   * Reads the trials that changed in the storage since the last read (all of them for a storage
   * that is not shared): other workers' new, running and finished trials. Not exclusive: call it
   * from within an exclusive task.
   */
  async refresh(): Promise<void> {
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

  /** Makes `snapshot` a live trial of this process, heartbeating it when the storage is shared. */
  goLive(host: TrialHost, snapshot: FrozenTrial, presets: Presets): Trial {
    this.cache[snapshot.number] = snapshot;
    const trial = new Trial(host, snapshot, presets);
    this.live.set(snapshot.number, trial);
    this.updateHeartbeat();
    return trial;
  }

  /** Ends live trial `final.number` with its final snapshot. */
  endLive(final: FrozenTrial): void {
    this.cache[final.number] = final;
    this.live.get(final.number)?.updateSnapshot(final);
    this.live.delete(final.number);
    this.updateHeartbeat();
  }

  /** Gives up live trial `number` (another worker ended it), without touching the cache. */
  dropLive(number: number): void {
    this.live.delete(number);
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
}

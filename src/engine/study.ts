/**
 * A study: a set of trials of one objective, run with a sampler (what to try), a pruner (when to
 * stop a trial early) and a storage (where the trials live). Use it through `ask`/`tell`, or let
 * `optimize` run the loop. Every random choice comes from the study's seed, the sampler's seed
 * and the trial number, so the same seeds give the same trials.
 *
 * The study caches its trials in memory and writes each change through its storage; a journal
 * storage lets a new process resume the study by name, continuing its trial numbering.
 *
 * With a shared storage (PostgreSQL or a journal file: see {@link SharedStudyStorage}) several
 * workers run one study at once. Then every `ask` first fails trials whose worker stopped heartbeating (their
 * parameters are enqueued again), reads the trials other workers changed since the last read (so
 * the sampler sees their results, and their running trials as pending), and takes its trial from
 * the storage, which numbers it and hands each waiting trial to one worker only. While a trial
 * runs, the study heartbeats it every `storage.heartbeatIntervalMs`.
 *
 * This file is the façade: it says what a study does and delegates how to its parts —
 * `study-trials.ts` (the cached and live trials, the write queue, refresh and heartbeats),
 * `study-ask.ts` (choosing parameters and starting trials), `study-tell.ts` (what an outcome means,
 * ending trials), `study-optimize.ts` (the optimize loop) and `study-export.ts` (JSON and CSV).
 */
import { contains, describeDistribution } from "./distributions";
import { RandomSampler } from "./samplers/random";
import { finishedCount } from "./search-space";
import { dominates, toMinimization } from "./pareto";
import { MemoryStorage } from "./storage/memory";
import type { SharedStudyStorage, StudyStorage } from "./storage/storage";
import { newTrial } from "./storage/storage";
import { askLocal, askShared, sampleParam, type AskSetup } from "./study-ask";
import { studyToJSON, trialsToCSV } from "./study-export";
import { runOptimizeLoop } from "./study-optimize";
import { resolveObjectives, type Objectives } from "./study-objectives";
import { runAndTell, tellTrial, type ObjectiveMetric } from "./study-tell";
import { StudyTrials } from "./study-trials";
import type { Objective, OptimizeOptions, OptimizeSummary, StudyJSON, StudyOptions, TellResult } from "./study-types";
import type { Trial, TrialHost } from "./trial";
import { trialValues, type FrozenTrial, type Params, type Pruner, type Sampler, type SearchSpace, type StudyDirection } from "./types";

export { TooManyFailuresError } from "./errors";
// The study's public types (options, objective, tell result, optimize options and summary, JSON).
export type * from "./study-types";

/** Creates a study, or resumes the one of the same name in `options.storage`. */
export function createStudy(options: StudyOptions = {}): Promise<Study> {
  return Study.create(options);
}

/** A study of trials; create it with {@link createStudy}. */
export class Study {
  readonly studyName: string;
  /** The objective's direction (the first objective's in a study of several). */
  readonly direction: StudyDirection;
  /** The objective's metric (the first objective's in a study of several). */
  readonly metric: string;
  /** Each objective's direction: one entry in a single-objective study. */
  readonly directions: readonly StudyDirection[];
  /** Each objective's metric name, in the order of {@link directions}. */
  readonly metrics: readonly string[];
  readonly sampler: Sampler;
  readonly pruner: Pruner | undefined;
  readonly storage: StudyStorage;
  readonly seed: number;
  readonly maxConsecutiveFailures: number;
  private readonly clock: () => number;
  private readonly book: StudyTrials;
  /** How `ask` chooses parameters and starts trials. */
  private readonly askSetup: AskSetup;

  private constructor(options: StudyOptions, objectives: Objectives, book: StudyTrials) {
    const direction = objectives.directions[0] as StudyDirection;
    this.studyName = book.studyName;
    this.direction = direction;
    this.metric = objectives.metrics[0] as string;
    this.directions = objectives.directions;
    this.metrics = objectives.metrics;
    this.seed = options.seed ?? 0;
    this.sampler = options.sampler ?? new RandomSampler({ seed: this.seed });
    this.pruner = options.pruner;
    this.storage = book.storage;
    this.maxConsecutiveFailures = options.maxConsecutiveFailures ?? 10;
    this.clock = options.clock ?? Date.now;
    this.book = book;
    this.askSetup = {
      sampler: this.sampler,
      direction,
      ...(objectives.directions.length > 1 ? { directions: objectives.directions } : {}),
      seed: this.seed,
      duplicateRetries: options.duplicateRetries ?? 20,
      host: this.host,
      clock: this.clock,
    };
  }

  /** See {@link createStudy}. */
  static async create(options: StudyOptions = {}): Promise<Study> {
    const asked = resolveObjectives(options);
    const max = options.maxConsecutiveFailures;
    if (max !== undefined && !(max >= 1)) {
      throw new RangeError(`maxConsecutiveFailures must be at least 1, but got ${max}`);
    }
    const storage = options.storage ?? new MemoryStorage();
    const name = options.studyName ?? "study";
    const clock = options.clock ?? Date.now;
    const direction = asked.directions[0] as StudyDirection;
    const several = asked.directions.length > 1;
    const askedMetric = !several && asked.namedMetrics ? asked.metrics[0] : undefined;
    const record = await storage.createStudy({
      name,
      direction,
      ...(askedMetric === undefined ? {} : { metric: askedMetric }),
      ...(several ? { directions: asked.directions, metrics: asked.metrics } : {}),
      createdAt: clock(),
    });
    // A different metric is the cause of a different direction too (val_acc, then val_loss): say that.
    if (!several && askedMetric !== undefined && record.metric !== undefined && record.metric !== askedMetric) {
      throw new RangeError(`study "${name}" is stored with metric "${record.metric}" (${record.direction}), but "${askedMetric}" (${direction}) was asked for`);
    }
    const stored = record.directions ?? [record.direction];
    if (stored.length !== asked.directions.length || stored.some((d, k) => d !== asked.directions[k])) {
      const describe = (ds: readonly StudyDirection[]): string => (ds.length === 1 ? `direction "${ds[0]}"` : `directions [${ds.join(", ")}]`);
      const wanted = stored.length === 1 && !several ? `"${direction}"` : describe(asked.directions);
      throw new RangeError(`study "${name}" is stored with ${describe(stored)}, but ${wanted} was asked for`);
    }
    if (!several) {
      const metric = askedMetric ?? record.metric ?? "value";
      return new Study(options, { directions: asked.directions, metrics: [metric] }, await StudyTrials.open(name, storage, clock));
    }
    if (asked.namedMetrics && record.metrics !== undefined && record.metrics.join("\u0000") !== asked.metrics.join("\u0000")) {
      throw new RangeError(`study "${name}" is stored with metrics [${record.metrics.join(", ")}], but [${asked.metrics.join(", ")}] were asked for`);
    }
    const metrics = asked.namedMetrics ? asked.metrics : (record.metrics ?? asked.metrics);
    return new Study(options, { directions: asked.directions, metrics }, await StudyTrials.open(name, storage, clock));
  }

  /** Every trial, in number order (a snapshot). */
  get trials(): readonly FrozenTrial[] {
    return [...this.book.all];
  }

  /** Whether the study has several objectives (then use {@link bestTrials}, not {@link bestTrial}). */
  get isMultiObjective(): boolean {
    return this.directions.length > 1;
  }

  /**
   * The complete trial with the best value (the earliest among equals), if any. Never a failed or
   * NaN trial. Throws in a study of several objectives: there, {@link bestTrials} is the answer.
   */
  get bestTrial(): FrozenTrial | undefined {
    this.requireSingleObjective("bestTrial");
    let best: FrozenTrial | undefined;
    for (const trial of this.book.all) {
      if (trial.state !== "complete" || trial.value === undefined || !Number.isFinite(trial.value)) continue;
      if (best === undefined || this.isBetter(trial.value, best.value as number)) best = trial;
    }
    return best;
  }

  /** The best trial's value, if any trial is complete (single-objective studies only). */
  get bestValue(): number | undefined {
    this.requireSingleObjective("bestValue");
    return this.bestTrial?.value;
  }

  /** The best trial's parameters, if any trial is complete (single-objective studies only). */
  get bestParams(): Params | undefined {
    this.requireSingleObjective("bestParams");
    return this.bestTrial?.params;
  }

  /**
   * The complete trials that no other complete trial dominates (the Pareto front), in number
   * order: trials with equal values are all kept. In a single-objective study, every complete
   * trial with the best value.
   */
  get bestTrials(): FrozenTrial[] {
    const complete = this.book.all.filter((t) => t.state === "complete" && trialValues(t)?.length === this.directions.length);
    const points = complete.map((t) => toMinimization(trialValues(t) as readonly number[], this.directions));
    return complete.filter((_, i) => !points.some((q) => dominates(q, points[i] as number[])));
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
    return this.book.exclusive(async () => {
      await this.book.flush();
      const number = await this.storage.createTrial(this.studyName, newTrial("waiting", { params: { ...params } }));
      await this.book.refresh();
      return number;
    });
  }

  /**
   * Adds a complete trial whose parameters and value are known (as Optuna's `add_trial`): a trial
   * of another study, or a result obtained elsewhere. The samplers see it as any complete trial.
   * Resolves to its number.
   * @throws Error in a study of several objectives, for a parameter outside its distribution or
   *   without one, or a value that is not finite
   */
  async addTrial(trial: {
    readonly params: Params;
    readonly distributions: SearchSpace;
    readonly value: number;
    readonly metrics?: Readonly<Record<string, number>>;
    readonly userAttrs?: Readonly<Record<string, unknown>>;
  }): Promise<number> {
    if (this.isMultiObjective) throw new Error("addTrial: this study has several objectives; add trials of single-objective studies only");
    if (!Number.isFinite(trial.value)) throw new Error(`addTrial: the value must be a finite number, got ${trial.value}`);
    for (const [name, value] of Object.entries(trial.params)) {
      const dist = trial.distributions[name];
      if (dist === undefined || !contains(dist, value)) {
        throw new Error(`addTrial: parameter ${name} = ${JSON.stringify(value)} is ${dist === undefined ? "without a distribution" : `outside ${describeDistribution(dist)}`}`);
      }
    }
    return this.book.exclusive(async () => {
      await this.book.flush();
      const now = this.clock();
      const number = await this.storage.createTrial(
        this.studyName,
        newTrial("complete", {
          params: { ...trial.params },
          distributions: { ...trial.distributions },
          value: trial.value,
          metrics: { ...trial.metrics, [this.metric]: trial.value },
          userAttrs: { ...trial.userAttrs },
          startedAt: now,
          completedAt: now,
        }),
      );
      await this.book.refresh();
      return number;
    });
  }

  /**
   * Reads the trials that changed in the storage since the study last looked (all of them for a
   * storage that is not shared): other workers' new, running and finished trials.
   */
  refresh(): Promise<void> {
    return this.book.exclusive(() => this.book.refresh());
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
    return this.book.exclusive(async () => {
      const shared = this.book.shared;
      if (shared !== undefined) return (await askShared(this.book, shared, this.askSetup, space, undefined)) as Trial;
      return askLocal(this.book, this.askSetup, space);
    });
  }

  /**
   * Ends a trial: a finite number completes it, NaN/±∞ fail it (the reason is kept), or give the
   * outcome explicitly. A pruned trial keeps its value at its last (largest) step unless one is given.
   * Resolves, with the final snapshot, once the storage holds the result.
   */
  tell(trial: Trial | number, result: TellResult): Promise<FrozenTrial> {
    const number = typeof trial === "number" ? trial : trial.number;
    return this.book.exclusive(() => tellTrial(this.book, number, result, this.objectiveMetric, this.clock));
  }

  /**
   * Runs `objective` on trial after trial until `trials` have run, `timeout` seconds have passed,
   * `signal` is aborted or the sampler has nothing left to try, whichever comes first; a running
   * trial is always finished. A trial whose objective throws or returns NaN/±∞ is recorded as
   * failed and the search goes on, up to `maxConsecutiveFailures` in a row.
   *
   * With `concurrency: N`, up to N trials run at once: a new trial is asked while others run (the
   * sampler sees those as pending), never more than `trials` in all; with `repeatable` too, each
   * trial's parameters depend on its number and the seeds only, not on which trials finished first
   * (see `OptimizeOptions.repeatable`). Once any stop condition holds
   * no trial is started, and the call resolves when the running ones have been told.
   */
  optimize(objective: Objective, options: OptimizeOptions = {}): Promise<OptimizeSummary> {
    const shared = this.book.shared;
    return runOptimizeLoop(
      {
        clock: this.clock,
        maxConsecutiveFailures: this.maxConsecutiveFailures,
        ask: (space, pending) => (pending === undefined ? this.ask(space) : this.book.exclusive(() => askLocal(this.book, this.askSetup, space, pending))),
        shared: shared === undefined ? undefined : this.sharedAsker(shared),
        runTrial: (trial, signal) => runAndTell(objective, trial, this.objectiveMetric, signal, (t, result) => this.tell(t, result)),
        refresh: () => this.refresh(),
        finishedCount: () => finishedCount(this.book.all),
        callbacks: (options.callbacks ?? []).map((callback) => (frozen: FrozenTrial) => callback(this, frozen)),
      },
      options,
    );
  }

  /** The study as JSON: its name, direction, metric, best trial number and every trial. */
  toJSON(): StudyJSON {
    if (!this.isMultiObjective) return studyToJSON(this.studyName, this.direction, this.metric, this.bestTrial, this.trials);
    return {
      ...studyToJSON(this.studyName, this.direction, this.metric, undefined, this.trials),
      directions: this.directions,
      metrics: this.metrics,
      bestTrials: this.bestTrials.map((t) => t.number),
    };
  }

  /**
   * The trials as CSV, one row per trial: number, state, value (in a study of several objectives,
   * one `values_<metric>` column per objective instead), `params_<name>` and
   * `metrics_<name>` columns (in order of first appearance; parameters of `paramOrder`, a search
   * space's declaration order, first in that order), started_at, completed_at, duration_ms, error.
   */
  toCSV(paramOrder: readonly string[] = []): string {
    return trialsToCSV(this.book.all, this.isMultiObjective ? this.metrics : undefined, paramOrder);
  }

  // ---- internals -------------------------------------------------------------------------

  /** What tell reads an objective's outcome against: the metric, or each objective's metric. */
  private get objectiveMetric(): ObjectiveMetric {
    return this.isMultiObjective ? this.metrics : this.metric;
  }

  private requireSingleObjective(what: string): void {
    if (this.isMultiObjective) {
      throw new Error(
        `study "${this.studyName}" has ${this.directions.length} objectives (${this.metrics.join(", ")}): ${what} is for a single objective; ` +
          `use study.bestTrials (the Pareto front of complete trials)`,
      );
    }
  }

  /** The optimize loop's way to start a trial within a study-wide limit on a shared storage. */
  private sharedAsker(shared: SharedStudyStorage): { askWithin(space: SearchSpace | undefined, limit: number, signal?: AbortSignal): Promise<Trial | undefined>; heartbeatIntervalMs: number } {
    return {
      askWithin: (space, limit, signal) => this.book.exclusive(() => askShared(this.book, shared, this.askSetup, space, limit, signal)),
      heartbeatIntervalMs: shared.heartbeatIntervalMs,
    };
  }

  /** The study's side of the live trials. */
  private get host(): TrialHost {
    return {
      sampleParam: (trial, name, dist) => sampleParam(this.askSetup, this.book.all, trial.number, name, dist),
      recordParam: (trial, name, dist, value) => {
        this.book.change(trial, { params: { [name]: value }, distributions: { [name]: dist } });
      },
      recordIntermediate: (trial, step, value) => {
        this.book.change(trial, { intermediate: { step, value } });
      },
      recordUserAttr: (trial, key, value) => {
        this.book.change(trial, { userAttrs: { [key]: value } });
      },
      shouldPrune: (trial) => {
        if (this.pruner === undefined) return false;
        return this.pruner.shouldPrune({ trial: trial.frozen, trials: this.trials, direction: this.direction });
      },
    };
  }
}

/**
 * Asking: choosing a new trial's parameters and starting it.
 *
 * - {@link chooseParams} decides the parameters (pure but for the sampler): with a space, every
 *   parameter jointly up front, a point some trial already holds replaced by an untried one in a
 *   finite space (duplicate avoidance), then the parameters a condition makes inactive dropped
 *   (conditions.ts: the trial holds and stores only the active ones); without one, the parameters every complete trial shared
 *   (the intersection space) jointly, the rest left to `trial.suggest*`.
 * - {@link askLocal} starts the trial on a storage of one process (a waiting trial first, else a
 *   new number); {@link askShared} on a storage shared by several workers, where the storage
 *   numbers the trial and parameters drawn at the same moment by two workers are drawn again.
 */
import { contains, distributionToJSON, sampleUniform, validateDistribution } from "./distributions";
import { SearchSpaceExhaustedError } from "./errors";
import { createRng } from "../common/random";
import { activeNames, activeParams, activeSpace, validateConditions } from "./conditions";
import { heldPointKeys, intersectionSpace, isFiniteSpace, pointKey, spaceSize, untriedPoints } from "./search-space";
import type { SharedStudyStorage, TrialUpdate } from "./storage/storage";
import { applyTrialUpdate, newTrial } from "./storage/storage";
import type { StudyTrials } from "./study-trials";
import type { Trial, TrialHost } from "./trial";
import type { Distribution, FrozenTrial, Params, ParamValue, Sampler, SamplingContext, SearchSpace, StudyDirection } from "./types";
import { messageOf } from "../common/errors";

/** With a shared storage, how many times a point another worker drew at the same moment is redrawn. */
const SHARED_DUPLICATE_REDRAWS = 3;

/** What choosing parameters needs from the study. */
export interface SamplingSetup {
  readonly sampler: Sampler;
  readonly direction: StudyDirection;
  /** Each objective's direction, in a study of several objectives only. */
  readonly directions?: readonly StudyDirection[];
  /** The study's seed (duplicate avoidance draws from it). */
  readonly seed: number;
  /** In a finite space too large to list, how many random redraws replace a duplicate. */
  readonly duplicateRetries: number;
}

/** The parameters chosen for trial `number` (see {@link chooseParams}). */
export interface ParamChoice {
  /** Parameters to store now. */
  readonly params: Record<string, ParamValue>;
  readonly distributions: SearchSpace;
  /** Values for the trial to use when the objective suggests them. */
  readonly presets: Map<string, { value: ParamValue; dist?: Distribution }>;
  /** Whether every parameter of the space was sampled (none enqueued). */
  readonly sampledAll: boolean;
}

/**
 * What the sampler sees when choosing for trial `trialNumber`: every trial, the one being sampled
 * shown as running (a waiting trial about to start, or a number not yet in the storage).
 */
export function samplingContext(
  trials: readonly FrozenTrial[],
  space: SearchSpace,
  trialNumber: number,
  direction: StudyDirection,
  directions?: readonly StudyDirection[],
): SamplingContext {
  const view = [...trials];
  if (view[trialNumber] === undefined || view[trialNumber]?.state === "waiting") {
    view[trialNumber] = { number: trialNumber, ...newTrial("running") };
  }
  return { space, trials: view, direction, ...(directions === undefined ? {} : { directions }), trialNumber };
}

/**
 * The trials as a sampler should see them when those numbered in `pending` count as running
 * whatever they have become: parameters kept, values, metrics and reports dropped (see
 * `OptimizeOptions.repeatable`).
 */
export function pendingView(trials: readonly FrozenTrial[], pending: ReadonlySet<number>): readonly FrozenTrial[] {
  if (pending.size === 0) return trials;
  return trials.map((trial) =>
    pending.has(trial.number) ? { number: trial.number, ...newTrial("running", { params: trial.params, distributions: trial.distributions }) } : trial,
  );
}

/** Throws, naming the sampler, when it returned a value outside the parameter's distribution. */
export function checkSampled(sampler: Sampler, name: string, dist: Distribution, value: unknown): void {
  if (!contains(dist, value)) {
    throw new Error(
      `sampler "${sampler.name}" returned ${JSON.stringify(value)} for "${name}", which is not in ${JSON.stringify(distributionToJSON(dist))}`,
    );
  }
}

/** One parameter of trial `trialNumber` from the sampler (define-by-run `suggest*`). */
export function sampleParam(setup: SamplingSetup, trials: readonly FrozenTrial[], trialNumber: number, name: string, dist: Distribution): ParamValue {
  const value = setup.sampler.sample(samplingContext(trials, { [name]: dist }, trialNumber, setup.direction, setup.directions))[name] as ParamValue;
  checkSampled(setup.sampler, name, dist, value);
  return value;
}

function sampleJointly(setup: SamplingSetup, trials: readonly FrozenTrial[], space: SearchSpace, trialNumber: number): Params {
  const params = setup.sampler.sample(samplingContext(trials, space, trialNumber, setup.direction, setup.directions));
  // A sampler may leave out the parameters its other values make inactive (the grid does).
  for (const name of activeNames(space, params)) checkSampled(setup.sampler, name, space[name] as Distribution, params[name]);
  return params;
}

/**
 * The parameters of trial `number` given the study's `trials` and the values `enqueued` for it:
 * see the module comment. Throws a RangeError when an enqueued value lies outside `space`, and
 * {@link SearchSpaceExhaustedError} when every point of a finite space has been tried.
 */
export function chooseParams(setup: SamplingSetup, trials: readonly FrozenTrial[], space: SearchSpace | undefined, number: number, enqueued: Params): ParamChoice {
  const presets = new Map<string, { value: ParamValue; dist?: Distribution }>();
  for (const [name, value] of Object.entries(enqueued)) presets.set(name, { value: value as ParamValue });

  if (space !== undefined) {
    validateConditions(space);
    for (const [name, dist] of Object.entries(space)) {
      validateDistribution(dist);
      if (name in enqueued && !contains(dist, enqueued[name])) {
        throw new RangeError(
          `trial ${number}: the enqueued value ${JSON.stringify(enqueued[name])} of "${name}" is not in ${JSON.stringify(distributionToJSON(dist))}`,
        );
      }
    }
    const names = Object.keys(space);
    const missing = names.filter((name) => !(name in enqueued));
    const sampled = missing.length > 0 ? sampleJointly(setup, trials, space, number) : {};
    let params: Record<string, ParamValue> = {};
    for (const name of names) {
      const value = name in enqueued ? enqueued[name] : sampled[name];
      if (value !== undefined) params[name] = value;
    }
    const sampledAll = missing.length === names.length;
    if (sampledAll) params = avoidDuplicate(setup, trials, space, params, number);
    for (const name of names) presets.delete(name);
    return { params: activeParams(space, params), distributions: activeSpace(space, params), presets, sampledAll };
  }
  const joint = intersectionSpace(trials);
  const free = Object.fromEntries(Object.entries(joint).filter(([name]) => !(name in enqueued)));
  if (Object.keys(free).length > 0) {
    const sampled = sampleJointly(setup, trials, free, number);
    for (const [name, dist] of Object.entries(free)) presets.set(name, { value: sampled[name] as ParamValue, dist });
  }
  return { params: {}, distributions: {}, presets, sampledAll: false };
}

/** The trials other than `number` that hold a point (a waiting trial holds none yet). */
function holderFilter(number: number): (trial: FrozenTrial) => boolean {
  return (trial) => trial.number === number || trial.state === "waiting";
}

/**
 * In a space where every parameter is finite, replaces a point some trial already holds by an
 * untried one: drawn uniformly among all untried points when the space can be listed, else by up
 * to `duplicateRetries` random draws (then the duplicate is accepted). Throws
 * {@link SearchSpaceExhaustedError} when every point has been tried.
 */
export function avoidDuplicate(
  setup: SamplingSetup,
  trials: readonly FrozenTrial[],
  space: SearchSpace,
  params: Record<string, ParamValue>,
  number: number,
): Record<string, ParamValue> {
  if (Object.keys(space).length === 0 || !isFiniteSpace(space)) return params;
  const taken = heldPointKeys(space, trials, holderFilter(number));
  if (!taken.has(pointKey(space, params) as string)) return params;
  const total = spaceSize(space);
  if (taken.size >= total) throw new SearchSpaceExhaustedError(total, `every point of ${Object.keys(space).join(", ")} has been tried`);
  const rng = createRng(setup.seed, "duplicate", number);
  const untried = untriedPoints(space, taken);
  if (untried !== undefined) return untried[rng.int(untried.length)] as Record<string, ParamValue>;
  for (let attempt = 0; attempt < setup.duplicateRetries; attempt++) {
    const point = Object.fromEntries(Object.entries(space).map(([name, dist]) => [name, sampleUniform(dist, rng)]));
    if (!taken.has(pointKey(space, point) as string)) return point;
  }
  return params;
}

/** Whether a trial other than `number` (not waiting) holds the point `params` of `space`. */
export function clashes(trials: readonly FrozenTrial[], space: SearchSpace, params: Params, number: number): boolean {
  const key = pointKey(space, params);
  return key !== undefined && heldPointKeys(space, trials, holderFilter(number)).has(key);
}

/** What starting a trial needs besides the trials: how to choose, the live trials' host, the clock. */
export interface AskSetup extends SamplingSetup {
  readonly host: TrialHost;
  readonly clock: () => number;
}

/**
 * Starts a trial on a storage of one process: the first waiting trial (its enqueued values kept),
 * else a new one numbered after the last; the sampler sees the trials numbered in `pending` as
 * running (see {@link pendingView}). Call it exclusively (see {@link StudyTrials.exclusive}).
 */
export async function askLocal(book: StudyTrials, setup: AskSetup, space: SearchSpace | undefined, pending: ReadonlySet<number> = new Set()): Promise<Trial> {
  await book.flush();
  const waiting = book.all.find((trial) => trial.state === "waiting");
  const number = waiting?.number ?? book.all.length;
  const { params, distributions, presets } = chooseParams(setup, pendingView(book.all, pending), space, number, waiting?.params ?? {});

  const startedAt = setup.clock();
  let snapshot: FrozenTrial;
  if (waiting !== undefined) {
    const update: TrialUpdate = { state: "running", startedAt, params, distributions };
    await book.storage.updateTrial(book.studyName, number, update);
    // Enqueued values outside `space` stay in params until the objective suggests them.
    snapshot = applyTrialUpdate(waiting, update);
  } else {
    const record = newTrial("running", { params, distributions, startedAt });
    const created = await book.storage.createTrial(book.studyName, record);
    if (created !== number) {
      throw new Error(
        `storage gave the new trial number ${created}, but study "${book.studyName}" expected ${number}: is another process writing to this study?`,
      );
    }
    snapshot = { number, ...record };
  }
  return book.goLive(setup.host, snapshot, presets);
}

/**
 * Starts a trial on a shared storage: fail stale trials, take a trial from the storage (a waiting
 * one, else a new number), refresh, sample with every worker's trials in view, store the
 * parameters. In a finite space the parameters are written, then checked against other workers'
 * trials, and drawn again on a clash: of two workers that drew one point at once, at least one
 * sees the other. Resolves to `undefined` when `limit` (see {@link SharedStudyStorage.startTrial})
 * is reached. Call it exclusively.
 */
export async function askShared(
  book: StudyTrials,
  shared: SharedStudyStorage,
  setup: AskSetup,
  space: SearchSpace | undefined,
  limit: number | undefined,
  signal?: AbortSignal,
): Promise<Trial | undefined> {
  await book.flush();
  await shared.failStaleTrials(book.studyName, signal);
  if (space !== undefined && Object.keys(space).length > 0 && isFiniteSpace(space)) {
    // Every point held and nothing waiting: say so before taking a trial number that could only fail.
    await book.refresh();
    const total = spaceSize(space);
    if (!book.all.some((trial) => trial.state === "waiting") && heldPointKeys(space, book.all).size >= total) {
      throw new SearchSpaceExhaustedError(total, `every point of ${Object.keys(space).join(", ")} has been tried`);
    }
  }
  const started = await shared.startTrial(book.studyName, { startedAt: setup.clock(), ...(limit === undefined ? {} : { limit }) }, signal);
  if (started === undefined) return undefined;
  const number = started.number;
  const enqueued = started.params;
  try {
    await book.refresh();
    let snapshot = started;
    let choice = chooseParams(setup, book.all, space, number, enqueued);
    for (let attempt = 0; ; attempt++) {
      const update: TrialUpdate = { params: choice.params, distributions: choice.distributions };
      if (Object.keys(choice.params).length > 0 || Object.keys(choice.distributions).length > 0) {
        await book.storage.updateTrial(book.studyName, number, update);
      }
      snapshot = applyTrialUpdate(started, update);
      book.set(snapshot);
      if (space === undefined || !choice.sampledAll || !isFiniteSpace(space) || attempt >= SHARED_DUPLICATE_REDRAWS) break;
      await book.refresh();
      if (!clashes(book.all, space, choice.params, number)) break;
      choice = chooseParams(setup, book.all, space, number, enqueued);
    }
    return book.goLive(setup.host, snapshot, choice.presets);
  } catch (error) {
    // The storage already handed this trial out: end it rather than leave it to go stale.
    const update: TrialUpdate = { state: "failed", completedAt: setup.clock(), error: `no parameters could be chosen: ${messageOf(error)}` };
    await book.storage.updateTrial(book.studyName, number, update).catch(() => undefined);
    book.set(applyTrialUpdate(book.get(number) ?? started, update));
    throw error;
  }
}

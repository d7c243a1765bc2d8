/**
 * The search space as a set of points, and the study's budget over it: how many points a space
 * has, which they are, when two parameter records are the same point, which points no trial holds
 * yet, the space every complete trial shares, and which trials count as finished. The study, every
 * sampler and the `%%tune` front end use these, so each rule is written once.
 *
 * Notation:
 *   S        a search space: P named distributions d_1 … d_P, in key order
 *   |d|      the number of values of d (`cardinality`): ∞ for a continuous float
 *   |S|      = ∏_p |d_p|, 1 for P = 0; computed from the per-axis counts, never by listing
 *   point    one value for every parameter of S, each in its distribution
 *   index    a point's position i ∈ [0, |S|) in mixed radix, the first parameter most significant:
 *            i = (…(k_1·n_2 + k_2)·n_3 + …)·n_P + k_P, where k_p is the value's position on axis p
 *            and n_p the length of axis p (so the last parameter varies fastest)
 *
 * Conditional spaces (see conditions.ts): a point's inactive parameters are not part of it, so
 * |S| counts the distinct active configurations, the grid lists each once, and two records that
 * differ only in inactive parameters are the same point.
 *
 * Point identity (one tolerance rule): a value is read in its canonical form — on an int or step
 * grid, the grid value it lies on (within the tolerance of `contains`); any other value as it
 * is — and two records are the same point of S when their canonical values agree on every
 * parameter of S (other keys are ignored, key order does not matter).
 */
import { cardinality, contains, distributionsEqual, enumerateValues, snap } from "./distributions";
import { activeNames, configurationCount, hasConditions, listConfigurations } from "./conditions";
import type { Distribution, FrozenTrial, Params, ParamValue, SearchSpace, TrialState } from "./types";

/** Above this many points a finite space is not listed (to find untried points); samplers draw at random instead. */
export const MAX_LISTED_POINTS = 100_000;

// ---- size ---------------------------------------------------------------------------------

/** ∏ lengths: the number of points of a product of axes (∞ if any axis is). */
export function productSize(lengths: Iterable<number>): number {
  let size = 1;
  for (const length of lengths) size *= length;
  return size;
}

/**
 * |S|: the number of points of `space` (of a conditional space, its distinct active
 * configurations), `Infinity` when a parameter is a continuous float.
 */
export function spaceSize(space: SearchSpace): number {
  if (hasConditions(space)) return configurationCount(space);
  return productSize(Object.values(space).map(cardinality));
}

/** |S| when it is finite, else `undefined` (some parameter is a continuous float). */
export function finiteSpaceSize(space: SearchSpace): number | undefined {
  const size = spaceSize(space);
  return Number.isFinite(size) ? size : undefined;
}

/** Whether every parameter of `space` has finitely many values (true for an empty space). */
export function isFiniteSpace(space: SearchSpace): boolean {
  return Object.values(space).every((dist) => Number.isFinite(cardinality(dist)));
}

/** The parameters whose values cannot be listed (continuous floats), in key order. */
export function continuousParameters(space: SearchSpace): string[] {
  return Object.entries(space)
    .filter(([, dist]) => !Number.isFinite(cardinality(dist)))
    .map(([name]) => name);
}

// ---- point identity -----------------------------------------------------------------------

/**
 * The canonical form of `value` in `dist`: a value of an int or stepped float (within the grid
 * tolerance of `contains`) is read as the grid value it lies on; any other value is itself.
 */
export function canonicalValue(dist: Distribution, value: ParamValue): ParamValue {
  if ((dist.kind === "int" || (dist.kind === "float" && dist.step !== undefined)) && contains(dist, value)) {
    return snap(dist, value as number);
  }
  return value;
}

/**
 * `params` as a point of `space`: the canonical value of every parameter of `space` active in
 * `params` (all of them in a space without conditions), in its key order; `undefined` when an
 * active parameter is missing or its value is not in its distribution.
 */
export function canonicalPoint(space: SearchSpace, params: Params): Record<string, ParamValue> | undefined {
  const point: Record<string, ParamValue> = {};
  const active = hasConditions(space) ? new Set(activeNames(space, params)) : undefined;
  for (const [name, dist] of Object.entries(space)) {
    if (active !== undefined && !active.has(name)) continue;
    if (!(name in params)) return undefined;
    const value = params[name] as ParamValue;
    if (!contains(dist, value)) return undefined;
    point[name] = canonicalValue(dist, value);
  }
  return point;
}

/** A key of a record of values, independent of key order (equal keys ⇔ equal names and values). */
export function paramsKey(params: Params): string {
  return JSON.stringify(Object.keys(params).sort().map((name) => [name, params[name]]));
}

/**
 * The identity of the point `params` holds in `space` (see the module comment): equal keys ⇔ the
 * same point. `undefined` when `params` is not a point of `space` (see {@link canonicalPoint}).
 */
export function pointKey(space: SearchSpace, params: Params): string | undefined {
  const point = canonicalPoint(space, params);
  return point === undefined ? undefined : paramsKey(point);
}

/** Whether `a` and `b` are the same point of `space` (both must be points of it). */
export function samePoint(space: SearchSpace, a: Params, b: Params): boolean {
  const key = pointKey(space, a);
  return key !== undefined && key === pointKey(space, b);
}

/** The keys of the points of `space` that `trials` hold, leaving out the trials `skip` names. */
export function heldPointKeys(space: SearchSpace, trials: Iterable<FrozenTrial>, skip: (trial: FrozenTrial) => boolean = () => false): Set<string> {
  const held = new Set<string>();
  for (const trial of trials) {
    if (skip(trial)) continue;
    const key = pointKey(space, trial.params);
    if (key !== undefined) held.add(key);
  }
  return held;
}

// ---- enumeration --------------------------------------------------------------------------

/**
 * A finite product of axes over the parameters of a space: every parameter's listed values (its
 * whole distribution by default, or a subset such as a grid sampler's thinned values), with the
 * mixed-radix numbering of the module comment. Axis values are kept in canonical form.
 */
export class PointGrid {
  /** The parameters, in the space's key order. */
  readonly names: readonly string[];
  /** (P, n_p): the values of each parameter. */
  readonly axes: readonly (readonly ParamValue[])[];
  /** ∏ n_p. */
  readonly size: number;
  private readonly space: SearchSpace;
  /** (P): canonical value key → position on that axis. */
  private readonly lookup: readonly Map<string, number>[];
  /** In a conditional space: every distinct active configuration, listed (then `size` is their count). */
  private readonly configurations: readonly Record<string, ParamValue>[] | undefined;
  /** In a conditional space: configuration key → index. */
  private readonly configurationIndex: ReadonlyMap<string, number> | undefined;

  /**
   * The grid of `space` with `axes` (default: every value of each distribution, which must then be
   * finite). Each axis value must lie in its distribution; repeats (same canonical value) are dropped.
   */
  constructor(space: SearchSpace, axes?: readonly (readonly ParamValue[])[]) {
    this.space = space;
    this.names = Object.keys(space);
    const dists = Object.values(space);
    this.axes = dists.map((dist, p) => dedupe(dist, axes === undefined ? enumerateValues(dist) : (axes[p] as readonly ParamValue[])));
    this.lookup = this.axes.map((axis) => new Map(axis.map((value, k) => [JSON.stringify(value), k] as const)));
    if (hasConditions(space)) {
      this.configurations = listConfigurations(space, this.axes);
      this.configurationIndex = new Map(this.configurations.map((point, index) => [paramsKey(point), index] as const));
      this.size = this.configurations.length;
    } else {
      this.configurations = undefined;
      this.configurationIndex = undefined;
      this.size = productSize(this.axes.map((axis) => axis.length));
    }
  }

  /** The point at `index` ∈ [0, size), parameters in the space's key order. */
  pointAt(index: number): Record<string, ParamValue> {
    if (this.configurations !== undefined) return { ...(this.configurations[index] as Record<string, ParamValue>) };
    const values: ParamValue[] = new Array<ParamValue>(this.names.length);
    let rest = index;
    for (let p = this.names.length - 1; p >= 0; p--) {
      const axis = this.axes[p] as readonly ParamValue[];
      values[p] = axis[rest % axis.length] as ParamValue;
      rest = Math.floor(rest / axis.length);
    }
    return Object.fromEntries(this.names.map((name, p) => [name, values[p] as ParamValue]));
  }

  /** The index of the point `params` holds, or `undefined` if it is not a point of this grid. */
  indexOf(params: Params): number | undefined {
    const point = canonicalPoint(this.space, params);
    if (point === undefined) return undefined;
    if (this.configurationIndex !== undefined) return this.configurationIndex.get(paramsKey(point));
    let index = 0;
    for (let p = 0; p < this.names.length; p++) {
      const k = this.lookup[p]?.get(JSON.stringify(point[this.names[p] as string]));
      if (k === undefined) return undefined;
      index = index * (this.axes[p] as readonly ParamValue[]).length + k;
    }
    return index;
  }

  /** Every point whose {@link pointKey} is not in `held`, in index order. */
  untried(held: ReadonlySet<string>): Record<string, ParamValue>[] {
    const untried: Record<string, ParamValue>[] = [];
    for (let index = 0; index < this.size; index++) {
      const point = this.pointAt(index);
      // Axis values are canonical, so the point's key is paramsKey of the point itself.
      if (!held.has(paramsKey(point))) untried.push(point);
    }
    return untried;
  }
}

function dedupe(dist: Distribution, values: readonly ParamValue[]): ParamValue[] {
  const seen = new Set<string>();
  const kept: ParamValue[] = [];
  for (const value of values) {
    const canonical = canonicalValue(dist, value);
    const key = JSON.stringify(canonical);
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(canonical);
  }
  return kept;
}

/**
 * Every point of a finite `space` whose key is not in `held`, in index order; `undefined` when
 * the space is continuous or has more than {@link MAX_LISTED_POINTS} points (too many to list).
 */
export function untriedPoints(space: SearchSpace, held: ReadonlySet<string>): Record<string, ParamValue>[] | undefined {
  const size = spaceSize(space);
  if (!(size <= MAX_LISTED_POINTS)) return undefined;
  return new PointGrid(space).untried(held);
}

// ---- the space trials share ---------------------------------------------------------------

/**
 * The parameters, with equal distributions, that every complete trial has (empty before the
 * first complete trial): what a sampler can model jointly when the objective suggests parameters
 * one at a time (Optuna's intersection search space).
 */
export function intersectionSpace(trials: Iterable<FrozenTrial>): SearchSpace {
  let joint: Record<string, Distribution> | undefined;
  for (const trial of trials) {
    if (trial.state !== "complete") continue;
    if (joint === undefined) {
      joint = { ...trial.distributions };
      continue;
    }
    for (const [name, dist] of Object.entries(joint)) {
      const other = trial.distributions[name];
      if (other === undefined || !distributionsEqual(other, dist)) delete joint[name];
    }
  }
  return joint ?? {};
}

// ---- the budget: which trials count -------------------------------------------------------

/** The states of a finished trial. */
export type FinishedState = Extract<TrialState, "complete" | "pruned">;

/**
 * The states that count toward a study's number of trials (`--trials`, `optimize({ trials,
 * countStudyTrials })`, a shared storage's `limit`): a trial that produced a result, complete or
 * pruned. A failed trial is over too (see {@link isTerminal}) but is not finished in this sense:
 * it has no result, and another trial takes its place. (Optuna's `TrialState.is_finished()` also
 * counts failures; the README and the tests of this project say "finished" without them.)
 */
export const FINISHED_STATES: readonly FinishedState[] = ["complete", "pruned"];

/** Whether a trial in `state` counts as finished (see {@link FINISHED_STATES}). */
export function isFinished(state: TrialState): state is FinishedState {
  return (FINISHED_STATES as readonly TrialState[]).includes(state);
}

/** Whether a trial in `state` is over and can never change again: complete, pruned or failed. */
export function isTerminal(state: TrialState): boolean {
  return state === "complete" || state === "pruned" || state === "failed";
}

/** How many of `trials` are finished (see {@link FINISHED_STATES}). */
export function finishedCount(trials: Iterable<FrozenTrial>): number {
  let count = 0;
  for (const trial of trials) if (isFinished(trial.state)) count += 1;
  return count;
}

/** How many more trials a study of `trials` must finish to hold `planned` finished ones (≥ 0). */
export function remainingTrials(planned: number, trials: Iterable<FrozenTrial>): number {
  return Math.max(0, planned - finishedCount(trials));
}

/**
 * The live trial: the only surface the user's objective sees. It suggests parameter values,
 * reports intermediate values, asks whether to stop early, and records user attributes. Its
 * changes go to the study that created it (through {@link TrialHost}); samplers, pruners and
 * storages only ever see the immutable {@link FrozenTrial} snapshot.
 */
import {
  categorical,
  contains,
  distributionsEqual,
  distributionToJSON,
  floatDistribution,
  intDistribution,
  type FloatOptions,
  type IntOptions,
} from "./distributions";
import type { Distribution, FrozenTrial, Params, ParamValue, SearchSpace } from "./types";
import { describeValue } from "../common/describe";

/**
 * Throw this from an objective (typically when {@link Trial.shouldPrune} says so) to stop the trial
 * early; the study records it as pruned, keeping its value at its last (largest) step.
 */
export class TrialPruned extends Error {
  override readonly name = "TrialPruned";
  constructor(message = "trial pruned") {
    super(message);
  }
}

/** What a live trial needs from its study. Implemented by the study. */
export interface TrialHost {
  /** A value for parameter `name` of `trial` drawn from `dist` (by the sampler). */
  sampleParam(trial: Trial, name: string, dist: Distribution): ParamValue;
  /** Records that parameter `name` took `value`. */
  recordParam(trial: Trial, name: string, dist: Distribution, value: ParamValue): void;
  recordIntermediate(trial: Trial, step: number, value: number): void;
  recordUserAttr(trial: Trial, key: string, value: unknown): void;
  shouldPrune(trial: Trial): boolean;
}

/** The objective's view of one trial of a study. */
export class Trial {
  /** The trial's number in its study (0-based). */
  readonly number: number;
  private readonly host: TrialHost;
  private snapshot: FrozenTrial;
  /** Values fixed before the objective runs (enqueued, or sampled jointly); used when suggested. */
  private readonly preset: Map<string, { value: ParamValue; dist?: Distribution }>;

  /** @internal Created by the study; objectives receive it. */
  constructor(host: TrialHost, snapshot: FrozenTrial, preset: ReadonlyMap<string, { value: ParamValue; dist?: Distribution }>) {
    this.host = host;
    this.number = snapshot.number;
    this.snapshot = snapshot;
    this.preset = new Map(preset);
  }

  /** The parameters chosen so far (all of them when the study was asked with a space). */
  get params(): Params {
    return this.snapshot.params;
  }

  /** The distributions of the parameters chosen so far. */
  get distributions(): SearchSpace {
    return this.snapshot.distributions;
  }

  /** The user attributes set so far. */
  get userAttrs(): Readonly<Record<string, unknown>> {
    return this.snapshot.userAttrs;
  }

  /** The immutable snapshot of this trial as it is now. */
  get frozen(): FrozenTrial {
    return this.snapshot;
  }

  /** A real number in [low, high] (log-uniform with `log`, on a grid with `step`). */
  suggestFloat(name: string, low: number, high: number, options: FloatOptions = {}): number {
    return this.suggest(name, floatDistribution(low, high, options)) as number;
  }

  /** An integer in [low, high] (log-uniform with `log`, every `step`-th with `step`). */
  suggestInt(name: string, low: number, high: number, options: IntOptions = {}): number {
    return this.suggest(name, intDistribution(low, high, options)) as number;
  }

  /** One of `choices` (numbers, strings, booleans or null; unordered). */
  suggestCategorical<T extends ParamValue>(name: string, choices: readonly T[]): T {
    return this.suggest(name, categorical(choices)) as T;
  }

  /**
   * A value of parameter `name` from `dist`. Suggesting the same name again returns the same value
   * (the distribution must then be the same).
   */
  suggest(name: string, dist: Distribution): ParamValue {
    const known = this.snapshot.distributions[name];
    if (known !== undefined) {
      if (!distributionsEqual(known, dist)) {
        throw new RangeError(
          `trial ${this.number}: parameter "${name}" was suggested with ${JSON.stringify(distributionToJSON(known))}; ` +
            `it cannot be suggested again with ${JSON.stringify(distributionToJSON(dist))}`,
        );
      }
      return this.snapshot.params[name] as ParamValue;
    }
    const preset = this.preset.get(name);
    let value: ParamValue;
    if (preset !== undefined && contains(dist, preset.value) && (preset.dist === undefined || distributionsEqual(preset.dist, dist))) {
      value = preset.value;
    } else if (preset !== undefined && preset.dist === undefined) {
      throw new RangeError(
        `trial ${this.number}: the enqueued value ${JSON.stringify(preset.value)} of "${name}" is not in ${JSON.stringify(distributionToJSON(dist))}`,
      );
    } else {
      value = this.host.sampleParam(this, name, dist);
    }
    this.host.recordParam(this, name, dist, value);
    return value;
  }

  /** Reports the objective's intermediate `value` at `step` (a non-negative integer, e.g. an epoch). */
  report(value: number, step: number): void {
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new RangeError(`trial ${this.number}: report needs a non-negative integer step, but got step=${step}`);
    }
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new RangeError(`trial ${this.number}: report needs a finite value, but got ${describeValue(value)} at step ${step}`);
    }
    if (this.snapshot.intermediateValues.some((iv) => iv.step === step)) return;
    this.host.recordIntermediate(this, step, value);
  }

  /** Whether the study's pruner says this trial should stop now (false without a pruner). */
  shouldPrune(): boolean {
    return this.host.shouldPrune(this);
  }

  /** Records a JSON-serialisable user attribute. */
  setUserAttr(key: string, value: unknown): void {
    if (value !== undefined && JSON.stringify(value) === undefined) {
      throw new TypeError(`trial ${this.number}: user attribute "${key}" must be JSON-serialisable`);
    }
    this.host.recordUserAttr(this, key, value);
  }

  /** @internal The study replaces the snapshot after each change. */
  updateSnapshot(snapshot: FrozenTrial): void {
    this.snapshot = snapshot;
  }
}

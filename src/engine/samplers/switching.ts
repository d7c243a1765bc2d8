/**
 * A sampler that hands over to another at a fixed trial number: trials numbered below `at` are
 * sampled by `first`, the others by `then`. Both samplers derive their choices from the stored
 * trials and the trial number, so the hand-over is the same on a resumed study, and `then` learns
 * from every trial `first` ran.
 */
import type { Params, Sampler, SamplingContext } from "../types";

/** Options of {@link SwitchingSampler}. */
export interface SwitchingSamplerOptions {
  readonly first: Sampler;
  readonly then: Sampler;
  /** The first trial number `then` samples (≥ 1). */
  readonly at: number;
  /** Called once per process when the first trial at or past `at` is sampled (e.g. to tell the user). */
  readonly onSwitch?: (message: string) => void;
  /** Why the hand-over happens, for the message (e.g. "the GP models a subset of at most 300 trials; …"). */
  readonly reason?: string;
}

/** `first` for trial numbers below `at`, `then` from `at` on. */
export class SwitchingSampler implements Sampler {
  readonly name: string;
  readonly first: Sampler;
  readonly then: Sampler;
  readonly at: number;
  private readonly onSwitch: ((message: string) => void) | undefined;
  private readonly reason: string | undefined;
  private announced = false;

  constructor(options: SwitchingSamplerOptions) {
    if (!Number.isSafeInteger(options.at) || options.at < 1) {
      throw new RangeError(`SwitchingSampler: \`at\` must be a positive integer, but got at=${options.at}`);
    }
    this.first = options.first;
    this.then = options.then;
    this.at = options.at;
    this.onSwitch = options.onSwitch;
    this.reason = options.reason;
    this.name = `${options.first.name}→${options.then.name}`;
  }

  /** The sampler that samples trial `trialNumber`. */
  samplerFor(trialNumber: number): Sampler {
    return trialNumber < this.at ? this.first : this.then;
  }

  sample(context: SamplingContext): Params {
    const sampler = this.samplerFor(context.trialNumber);
    if (sampler === this.then && !this.announced) {
      this.announced = true;
      this.onSwitch?.(`Trial ${context.trialNumber}: switching from ${this.first.name} to ${this.then.name}${this.reason === undefined ? "" : ` (${this.reason})`}.`);
    }
    return sampler.sample(context);
  }
}

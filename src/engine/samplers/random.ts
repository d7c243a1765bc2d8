/**
 * Random search: every parameter drawn uniformly (log-uniformly on log scales, uniformly over the
 * values of ints, steps and choices), or from a scrambled Sobol sequence for a more even cover.
 */
import { fromUnit } from "../distributions";
import { createRng } from "../../common/random";
import { SOBOL_MAX_DIMENSIONS, SobolSequence } from "../sobol";
import type { Params, ParamValue, Sampler, SamplingContext } from "../types";

/** Options of {@link RandomSampler}. */
export interface RandomSamplerOptions {
  /** All randomness comes from this seed (default 0). */
  readonly seed?: number;
  /**
   * Draw from a scrambled Sobol sequence instead of independent uniforms: trial n takes point n.
   * Parameters get Sobol dimensions in the order they first appear in the study (trials'
   * parameters, then the space's); beyond {@link SOBOL_MAX_DIMENSIONS} they fall back to uniforms.
   */
  readonly sobol?: boolean;
}

/**
 * Random (or quasi-random Sobol) search. The value of parameter `p` in trial `n` depends only on
 * (seed, n, p) — and, with `sobol`, on the order parameters first appear — never on call history.
 */
export class RandomSampler implements Sampler {
  readonly name: string;
  readonly seed: number;
  readonly sobol: boolean;
  /** Random draws ignore the objectives, so any number of them is fine. */
  readonly supportsMultiObjective = true;
  private sequence: SobolSequence | undefined;

  constructor(options: RandomSamplerOptions = {}) {
    const seed = options.seed ?? 0;
    if (!Number.isFinite(seed)) throw new RangeError(`RandomSampler: \`seed\` must be a finite number, but got seed=${seed}`);
    this.seed = seed;
    this.sobol = options.sobol ?? false;
    this.name = this.sobol ? "sobol" : "random";
  }

  sample(context: SamplingContext): Params {
    const dimensionOf = this.sobol ? sobolDimensions(context) : undefined;
    const point = dimensionOf === undefined ? undefined : this.sobolPoint(context.trialNumber);
    const params: Record<string, ParamValue> = {};
    for (const [name, dist] of Object.entries(context.space)) {
      const d = dimensionOf?.get(name);
      const u =
        point !== undefined && d !== undefined && d < SOBOL_MAX_DIMENSIONS
          ? (point[d] as number)
          : createRng(this.seed, "random", context.trialNumber, name).next();
      params[name] = fromUnit(dist, u);
    }
    return params;
  }

  private sobolPoint(trialNumber: number): number[] {
    this.sequence ??= new SobolSequence(SOBOL_MAX_DIMENSIONS, { seed: this.seed });
    return this.sequence.point(trialNumber);
  }
}

/** Parameter name → Sobol dimension: order of first appearance over earlier trials, then the space. */
function sobolDimensions(context: SamplingContext): Map<string, number> {
  const order = new Map<string, number>();
  const add = (name: string): void => {
    if (!order.has(name)) order.set(name, order.size);
  };
  // The trial being sampled is included: in define-by-run its earlier parameters keep their dimensions.
  for (const trial of context.trials) {
    for (const name of Object.keys(trial.distributions)) add(name);
  }
  for (const name of Object.keys(context.space)) add(name);
  return order;
}

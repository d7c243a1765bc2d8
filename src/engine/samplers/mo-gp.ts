/**
 * The GP for several objectives: ParEGO (Knowles 2006), the GP-Bayesian sampler (samplers/gp.ts)
 * on a random scalarisation of the objectives, drawn afresh for every trial.
 *
 * Notation:
 *   m              number of objectives; f_k(x) the k-th objective of a complete trial, turned
 *                  into minimisation (`toMinimization`)
 *   f̂_k ∈ [0, 1]   f_k normalised by the smallest and largest value among the complete trials
 *                  (0 when they are all equal)
 *   λ ∈ Δ^{m−1}    a weight vector on the simplex (λ_k ≥ 0, Σ λ_k = 1), drawn uniformly
 *                  (λ_k = e_k / Σ e_j with e_j ~ Exp(1), i.e. Dirichlet(1, …, 1)) from
 *                  (seed, "parego", trial number)
 *   ρ              the augmentation weight (default 0.05, Knowles's value)
 *   s_λ(x)         = max_k λ_k·f̂_k(x) + ρ·Σ_k λ_k·f̂_k(x), the augmented Tchebycheff scalarisation
 *
 * Each call hands the single-objective GP sampler a copy of the context in which every complete
 * trial's value is s_λ (minimised), and running or waiting trials stay pending. Every minimiser of
 * s_λ for some λ is Pareto-optimal, and the max term reaches the concave parts of a front too, so
 * over many trials the weights spread the proposals along the front. The GP's own start-up (scrambled
 * Sobol over the first `startupTrials` trials) and all its randomness come from the same seed and
 * trial number, so the sampler keeps no state and a resumed study draws the same trials.
 *
 * Trials whose values are not all finite are not modelled (as failed trials in the GP). With one
 * objective s_λ = (1 + ρ)·f̂, a monotone map of the value, so the sampler behaves as the GP.
 */
import { createRng } from "../../common/random";
import { toMinimization } from "../pareto";
import { isFinished } from "../search-space";
import { trialValues, type FrozenTrial, type Params, type Sampler, type SamplingContext, type StudyDirection } from "../types";
import { GPSampler, type GPSamplerOptions } from "./gp";

/** Options of {@link MultiObjectiveGPSampler}: the GP's own, and the scalarisation's augmentation. */
export interface MultiObjectiveGPSamplerOptions extends GPSamplerOptions {
  /** ρ, the weight of the sum term of the augmented Tchebycheff scalarisation (default 0.05). */
  readonly augmentation?: number;
}

/** ParEGO: the GP on a random augmented-Tchebycheff scalarisation per trial (see the module comment). */
export class MultiObjectiveGPSampler implements Sampler {
  readonly name = "gp-parego";
  readonly supportsMultiObjective = true;
  readonly seed: number;
  readonly augmentation: number;
  private readonly gp: GPSampler;

  constructor(options: MultiObjectiveGPSamplerOptions = {}) {
    this.gp = new GPSampler(options);
    this.seed = this.gp.seed;
    const augmentation = options.augmentation ?? 0.05;
    if (!Number.isFinite(augmentation) || augmentation < 0) {
      throw new RangeError(`MultiObjectiveGPSampler: \`augmentation\` must be a number ≥ 0, but got augmentation=${augmentation}`);
    }
    this.augmentation = augmentation;
  }

  sample(context: SamplingContext): Params {
    const directions = context.directions ?? [context.direction];
    const weights = this.weights(directions.length, context.trialNumber);
    const scalarised = scalariseTrials(context.trials, directions, weights, this.augmentation);
    return this.gp.sample({ space: context.space, trials: scalarised, direction: "minimize", trialNumber: context.trialNumber });
  }

  /** λ for trial `trialNumber`: uniform on the simplex, from (seed, "parego", trial number). */
  weights(objectives: number, trialNumber: number): number[] {
    const rng = createRng(this.seed, "parego", trialNumber);
    // e_k ~ Exp(1) by inversion; 1 − u ∈ (0, 1] keeps the logarithm finite.
    const draws = Array.from({ length: objectives }, () => -Math.log(1 - rng.next()));
    const total = draws.reduce((a, b) => a + b, 0);
    return total > 0 ? draws.map((e) => e / total) : draws.map(() => 1 / objectives);
  }
}

/**
 * The trials as a single-objective study minimising s_λ: each finished trial with finite values
 * gets `value` = s_λ (and no `values`); one without is left without a value (not modelled); the
 * others (running, waiting) are passed as they are, as pending evaluations.
 */
export function scalariseTrials(trials: readonly FrozenTrial[], directions: readonly StudyDirection[], weights: readonly number[], augmentation: number): FrozenTrial[] {
  const points = new Map<number, number[]>();
  for (const trial of trials) {
    const values = trialValues(trial);
    if (!isFinished(trial.state) || values === undefined || values.length !== directions.length || !values.every(Number.isFinite)) continue;
    points.set(trial.number, toMinimization(values, directions));
  }
  // f̂_k: each objective scaled to [0, 1] over the modelled trials.
  const low = directions.map((_, k) => Math.min(...[...points.values()].map((p) => p[k] as number)));
  const high = directions.map((_, k) => Math.max(...[...points.values()].map((p) => p[k] as number)));
  const scalarise = (point: readonly number[]): number => {
    let largest = -Infinity;
    let sum = 0;
    point.forEach((f, k) => {
      const range = (high[k] as number) - (low[k] as number);
      const weighted = (weights[k] as number) * (range > 0 ? (f - (low[k] as number)) / range : 0);
      largest = Math.max(largest, weighted);
      sum += weighted;
    });
    return largest + augmentation * sum;
  };
  return trials.map((trial): FrozenTrial => {
    const { value: _value, values: _values, ...rest } = trial;
    const point = points.get(trial.number);
    if (point !== undefined) return { ...rest, value: scalarise(point) };
    return isFinished(trial.state) ? rest : trial;
  });
}

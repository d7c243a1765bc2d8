/**
 * Fitting the GP hyperparameters: maximise the penalised log marginal likelihood
 * log p(y|θ) + log p(θ) over a box, with L-BFGS from several starts.
 *
 * Notation and shapes (see likelihood.ts):
 *   θ          (G + 2) [log ℓ_1 … log ℓ_G, log σ_f², log σ_n²], on standardised outputs and
 *              inputs in the unit cube
 *   log p(θ)   independent log-priors on each entry (weakly informative):
 *                log ℓ_g:  −a·((ℓ_g/ℓ₀)² + (ℓ₀/ℓ_g)²), a = 0.1, ℓ₀ = 0.5
 *                                                Optuna's prior on λ = ℓ⁻² (−0.1/λ − 0.1λ, mode
 *                                                ℓ = 1) moved to the mode ℓ₀ = 0.5: mild from
 *                                                ~0.15 to ~1.5, steep below 0.1, so few points do
 *                                                not make a wiggly model
 *                log σ_f²  ~ N(0, 1²)            outputs are standardised
 *                log σ_n²  ~ N(log 1e-6, 2²)     no noise unless the data demand it: the mean
 *                                                sits at the lower bound, so a deterministic
 *                                                objective is fitted almost exactly (Optuna's
 *                                                GP is nearly flat down to its 1e-6 floor)
 *              Measured (seeds 0–9, 40 trials, median regret; bench:samplers): with the former
 *              log ℓ ~ N(log 0.5, 1²) and log σ_n² ~ N(log 1e-3, 2²), Branin 3.0e-4 and
 *              Ackley-5 4.9; the noise prior alone gave 1.1e-4 and 4.0; both 6.5e-5 and 3.6
 *              (Hartmann-6 0.12 → 0.11: still caught in its second basin on half the seeds).
 *              ℓ₀ = 0.5 rather than 1, with the sampler's prior mean at the worst observation
 *              (samplers/gp.ts): Hartmann-6 reaches its global basin on 12 of seeds 0–19
 *              rather than 9–10 (ℓ₀ = 0.35 the same, ℓ₀ = 2 fewer); a shorter prior length
 *              keeps more variance between the points, so the search looks further.
 *              Tried and not kept: a √G-scaled ℓ (BoTorch's idea; Hartmann-6 worse), a wider
 *              log-normal ℓ prior (sd 2), a = 0.05 and 0.25; Optuna's Gamma(2, 1) prior on σ_f²
 *              and Gamma(1.1, 30) on σ_n² (Hartmann-6 no better, Branin worse).
 *              Hvarfner et al. 2024's prior (BoTorch's and Optuna's option): ℓ ~ LogNormal(√2 +
 *              ½ log G, √3) as a density in ℓ (mode 0.5 at G = 6, like ours, but a far heavier
 *              tail to long lengths): Hartmann-6 reaches its global basin on 23 of seeds 0–39
 *              rather than 27; with its bounds (ℓ ≥ 0.025, σ_f² = 1, σ_n² ≥ 1e-4 with
 *              LogNormal(−4, 1)) 24, and the global seeds' median regret 8e-5 → 4e-3.
 *   θ₀         the first start of the fit: ℓ = 0.5, σ_f² = 1, σ_n² = 1e-6
 *   bounds     ℓ ∈ [0.01, 100], σ_f² ∈ [0.01, 100], σ_n² ∈ [1e-6, 1]
 */
import type { Rng } from "../../common/random";
import { kernelParamsFromLog, type KernelParams } from "./kernel";
import { minimizeBounded } from "./lbfgs";
import { logMarginalLikelihood, type LikelihoodData } from "./likelihood";

/** Fitted hyperparameters. */
export interface FittedHyperparameters {
  /** (G + 2) the log vector θ. */
  readonly theta: Float64Array;
  readonly kernel: KernelParams;
  /** σ_n². */
  readonly noiseVariance: number;
  /** log p(y|θ) + log p(θ) at θ. */
  readonly logPosterior: number;
}

/** Options of {@link fitHyperparameters}. */
export interface FitOptions {
  /** Random starts beyond the first (default 1). */
  readonly restarts?: number;
  /** L-BFGS iterations per start (default 50). */
  readonly maxIterations?: number;
}

const LENGTH_BOUNDS = [Math.log(0.01), Math.log(100)] as const;
const SIGNAL_BOUNDS = [Math.log(0.01), Math.log(100)] as const;
const NOISE_BOUNDS = [Math.log(1e-6), Math.log(1)] as const;
/** a of the length-scale prior −a·((ℓ/ℓ₀)² + (ℓ₀/ℓ)²). */
const LENGTH_PRIOR_WEIGHT = 0.1;
/** log ℓ₀, the mode of the length-scale prior. */
const LENGTH_PRIOR_MODE = Math.log(0.5);
/** log ℓ of the first start: the prior's mode. */
const LENGTH_START = LENGTH_PRIOR_MODE;
const NOISE_PRIOR_MEAN = Math.log(1e-6);
const NOISE_PRIOR_SD = 2;

/** θ₀, the first start of the fit, for G kernel dimensions (σ_f² and σ_n² at their priors' means). */
export function firstStart(groupCount: number): Float64Array {
  const theta = new Float64Array(groupCount + 2);
  theta.fill(LENGTH_START, 0, groupCount);
  theta[groupCount] = 0;
  theta[groupCount + 1] = NOISE_PRIOR_MEAN;
  return theta;
}

/** log p(θ) (up to a constant) and its gradient (G + 2). */
export function logPrior(theta: ArrayLike<number>, groupCount: number): { value: number; gradient: Float64Array } {
  const gradient = new Float64Array(groupCount + 2);
  let value = 0;
  const add = (i: number, mean: number, sd: number): void => {
    const z = ((theta[i] as number) - mean) / sd;
    value -= 0.5 * z * z;
    gradient[i] = -z / sd;
  };
  for (let g = 0; g < groupCount; g++) {
    // (ℓ/ℓ₀)² + (ℓ₀/ℓ)² = e^{2u} + e^{−2u} with u = θ − log ℓ₀; its derivative in θ is 2(e^{2u} − e^{−2u}).
    const up = Math.exp(2 * ((theta[g] as number) - LENGTH_PRIOR_MODE));
    const down = 1 / up;
    value -= LENGTH_PRIOR_WEIGHT * (up + down);
    gradient[g] = -2 * LENGTH_PRIOR_WEIGHT * (up - down);
  }
  add(groupCount, 0, 1);
  add(groupCount + 1, NOISE_PRIOR_MEAN, NOISE_PRIOR_SD);
  return { value, gradient };
}

/** The box of θ: [lower (G + 2), upper (G + 2)]. */
export function hyperparameterBounds(groupCount: number): { lower: Float64Array; upper: Float64Array } {
  const lower = new Float64Array(groupCount + 2);
  const upper = new Float64Array(groupCount + 2);
  lower.fill(LENGTH_BOUNDS[0], 0, groupCount);
  upper.fill(LENGTH_BOUNDS[1], 0, groupCount);
  lower[groupCount] = SIGNAL_BOUNDS[0];
  upper[groupCount] = SIGNAL_BOUNDS[1];
  lower[groupCount + 1] = NOISE_BOUNDS[0];
  upper[groupCount + 1] = NOISE_BOUNDS[1];
  return { lower, upper };
}

/** log p(y|θ) + log p(θ) and its gradient. */
export function logPosterior(data: LikelihoodData, theta: ArrayLike<number>): { value: number; gradient: Float64Array } {
  const likelihood = logMarginalLikelihood(data, theta);
  const prior = logPrior(theta, data.groupCount);
  return {
    value: likelihood.value + prior.value,
    gradient: likelihood.gradient.map((g, i) => g + (prior.gradient[i] as number)),
  };
}

/**
 * The θ maximising log p(y|θ) + log p(θ), the best of L-BFGS runs from the first start
 * (θ₀, {@link firstStart}) and `restarts` starts drawn from `rng`.
 */
export function fitHyperparameters(data: LikelihoodData, rng: Rng, options: FitOptions = {}): FittedHyperparameters {
  const G = data.groupCount;
  const { lower, upper } = hyperparameterBounds(G);
  const starts: Float64Array[] = [firstStart(G)];
  for (let r = 0; r < (options.restarts ?? 1); r++) {
    const start = firstStart(G);
    for (let g = 0; g < G; g++) start[g] = Math.log(0.05) + rng.next() * (Math.log(2) - Math.log(0.05));
    start[G] = -1 + 2 * rng.next();
    starts.push(start);
  }
  const negative = (theta: Float64Array): { value: number; gradient: Float64Array } => {
    const { value, gradient } = logPosterior(data, theta);
    return { value: -value, gradient: gradient.map((g) => -g) };
  };
  let best: { x: Float64Array; value: number } | undefined;
  for (const start of starts) {
    const result = minimizeBounded(negative, start, lower, upper, {
      maxIterations: options.maxIterations ?? 50,
      gradientTolerance: 1e-4,
      relativeTolerance: 1e-7,
    });
    if (Number.isFinite(result.value) && (best === undefined || result.value < best.value)) best = result;
  }
  if (best === undefined) {
    // Every start was infeasible (a degenerate data set): fall back to θ₀ with more noise.
    const theta = firstStart(G);
    theta[G + 1] = NOISE_BOUNDS[1];
    return { theta, kernel: kernelParamsFromLog(theta, G), noiseVariance: Math.exp(theta[G + 1] as number), logPosterior: -Infinity };
  }
  return {
    theta: best.x,
    kernel: kernelParamsFromLog(best.x, G),
    noiseVariance: Math.exp(best.x[G + 1] as number),
    logPosterior: -best.value,
  };
}

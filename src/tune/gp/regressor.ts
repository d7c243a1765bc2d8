/**
 * The GP posterior given fitted hyperparameters.
 *
 * Notation and shapes:
 *   n, m, D    observations, query points, feature columns
 *   X          (n, D) observed feature vectors, row-major;  y (n) standardised observations
 *   K_y        (n, n) K_f(X, X) + σ_n²·I = L·Lᵀ;  α = K_y⁻¹ y (n)
 *   k_*        (n) k(X, x_*) for one query x_* (D)
 *   μ(x_*)     k_*ᵀ α
 *   σ²(x_*)    σ_f² − vᵀv with v = L⁻¹ k_*  (the variance of the latent function, noise excluded)
 *   ∇μ         Σ_i α_i ∂k(x_*, x_i)/∂x_*;  ∇σ² = −2 Σ_i w_i ∂k(x_*, x_i)/∂x_*, w = K_y⁻¹ k_* = L⁻ᵀ v
 */
import { crossKernel, kernelInputGradient, kernelMatrix, pairwiseGroupDistances, type KernelParams } from "./kernel";
import { cholesky, solveCholesky, solveLower, solveLowerRows, solveLowerTransposed, type CholeskyFactor } from "./linalg";
import type { FeatureLayout } from "./transform";

/** The smallest variance reported, so that log σ stays finite at observed points. */
const MIN_VARIANCE = 1e-18;

/** Observations rescaled to mean 0 and standard deviation 1, with the scale to undo it. */
export interface Standardized {
  /** (n) (y − mean) / scale. */
  readonly values: Float64Array;
  readonly mean: number;
  /** The standard deviation, or 1 when all observations are equal. */
  readonly scale: number;
}

/** Rescales `values` (n ≥ 1, finite) to mean 0 and standard deviation 1. */
export function standardize(values: ArrayLike<number>): Standardized {
  const n = values.length;
  if (n === 0) throw new RangeError("standardize: needs at least one value, but got none");
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i] as number;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += ((values[i] as number) - mean) ** 2;
  variance /= n;
  const scale = variance > 0 && Number.isFinite(variance) ? Math.sqrt(variance) : 1;
  return { values: Float64Array.from(values, (v) => (v - mean) / scale), mean, scale };
}

/** Posterior means and variances (each m). */
export interface Prediction {
  readonly mean: Float64Array;
  readonly variance: Float64Array;
}

/** Posterior mean and variance at one point and their gradients (each D) with respect to it. */
export interface PredictionWithGradient {
  readonly mean: number;
  readonly variance: number;
  readonly meanGradient: Float64Array;
  readonly varianceGradient: Float64Array;
}

/** A Gaussian-process regressor conditioned on (X, y) with fixed hyperparameters. */
export class GaussianProcess {
  readonly layout: FeatureLayout;
  readonly n: number;
  /** (n, D) training inputs. */
  readonly x: Float64Array;
  readonly kernel: KernelParams;
  readonly noiseVariance: number;
  /** Cholesky factor of K_y. */
  readonly factor: CholeskyFactor;
  /** (n) α = K_y⁻¹ y. */
  readonly alpha: Float64Array;

  constructor(layout: FeatureLayout, x: Float64Array, y: ArrayLike<number>, kernel: KernelParams, noiseVariance: number) {
    const n = y.length;
    if (x.length !== n * layout.width) {
      throw new RangeError(`GaussianProcess: X must be (n=${n}, D=${layout.width}) = ${n * layout.width} entries, but got ${x.length}`);
    }
    this.layout = layout;
    this.n = n;
    this.x = x;
    this.kernel = kernel;
    this.noiseVariance = noiseVariance;
    this.factor = cholesky(kernelMatrix(pairwiseGroupDistances(layout, x, n), n, kernel, noiseVariance), n);
    this.alpha = solveCholesky(this.factor, y);
  }

  /** μ and σ² at m points `points` (m, D). */
  predict(points: Float64Array, m: number): Prediction {
    const n = this.n;
    const kStar = crossKernel(this.layout, points, m, this.x, n, this.kernel); // (m, n)
    const v = solveLowerRows(this.factor, kStar, m); // (m, n): row r is L⁻¹ k_*(r)
    const mean = new Float64Array(m);
    const variance = new Float64Array(m);
    for (let r = 0; r < m; r++) {
      let mu = 0;
      let vv = 0;
      for (let i = 0; i < n; i++) {
        mu += (kStar[r * n + i] as number) * (this.alpha[i] as number);
        vv += (v[r * n + i] as number) ** 2;
      }
      mean[r] = mu;
      variance[r] = Math.max(MIN_VARIANCE, this.kernel.signalVariance - vv);
    }
    return { mean, variance };
  }

  /** μ, σ² and their gradients at one point `point` (D). */
  predictWithGradient(point: Float64Array): PredictionWithGradient {
    const { n, layout } = this;
    const D = layout.width;
    const kStar = crossKernel(layout, point, 1, this.x, n, this.kernel); // (n)
    const v = solveLower(this.factor, kStar);
    const w = solveLowerTransposed(this.factor, v);
    let mean = 0;
    let vv = 0;
    for (let i = 0; i < n; i++) {
      mean += (kStar[i] as number) * (this.alpha[i] as number);
      vv += (v[i] as number) ** 2;
    }
    const meanGradient = new Float64Array(D);
    const varianceGradient = new Float64Array(D);
    for (let i = 0; i < n; i++) {
      const dk = kernelInputGradient(layout, point, this.x.subarray(i * D, (i + 1) * D), this.kernel);
      const a = this.alpha[i] as number;
      const b = -2 * (w[i] as number);
      for (let c = 0; c < D; c++) {
        meanGradient[c] = (meanGradient[c] as number) + a * (dk[c] as number);
        varianceGradient[c] = (varianceGradient[c] as number) + b * (dk[c] as number);
      }
    }
    const raw = this.kernel.signalVariance - vv;
    if (raw < MIN_VARIANCE) varianceGradient.fill(0);
    return { mean, variance: Math.max(MIN_VARIANCE, raw), meanGradient, varianceGradient };
  }
}

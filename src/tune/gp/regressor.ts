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
import { crossKernel, inverseSquaredLengths, kernelMatrix, pairwiseGroupDistances, scaledDistanceAt, type KernelParams } from "./kernel";
import { cholesky, solveCholesky, solveLower, solveLowerRows, solveLowerTransposed, type CholeskyFactor } from "./linalg";
import type { FeatureLayout } from "./transform";

/** The smallest variance reported, so that log σ stays finite at observed points. */
const MIN_VARIANCE = 1e-18;
const SQRT5 = Math.sqrt(5);

/** Observations rescaled to mean 0 and standard deviation 1, with the scale to undo it. */
export interface Standardized {
  /** (n) (y − mean) / scale. */
  readonly values: Float64Array;
  readonly mean: number;
  /** The standard deviation, or 1 when all observations are equal. */
  readonly scale: number;
}

/**
 * Rescales `values` (n ≥ 1, finite) to mean 0 and standard deviation 1. The sums run on values
 * divided by their largest magnitude, so values near the float range (±1e300) do not overflow.
 */
export function standardize(values: ArrayLike<number>): Standardized {
  const n = values.length;
  if (n === 0) throw new RangeError("standardize: needs at least one value, but got none");
  let magnitude = 0;
  for (let i = 0; i < n; i++) magnitude = Math.max(magnitude, Math.abs(values[i] as number));
  if (!Number.isFinite(magnitude)) throw new RangeError("standardize: every value must be finite, but got ±Infinity or NaN");
  const unit = magnitude > 0 ? magnitude : 1;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += (values[i] as number) / unit;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += ((values[i] as number) / unit - mean) ** 2;
  variance /= n;
  const deviation = variance > 1e-300 ? Math.sqrt(variance) : 0;
  if (deviation === 0) return { values: new Float64Array(n), mean: mean * unit, scale: 1 };
  return {
    values: Float64Array.from(values, (v) => (v / unit - mean) / deviation),
    mean: mean * unit,
    scale: deviation * unit,
  };
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
  /** (G) 1 / ℓ_g². */
  private readonly inverseSquaredLengths: Float64Array;

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
    this.inverseSquaredLengths = inverseSquaredLengths(kernel);
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
    const sf2 = this.kernel.signalVariance;
    // k_* (n) and dm/ds (n) at every training point, sharing √s and the exponential.
    const kStar = new Float64Array(n);
    const slopes = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = scaledDistanceAt(layout, point, 0, this.x, i * D, this.inverseSquaredLengths);
      const r = Math.sqrt(s);
      const decay = Math.exp(-SQRT5 * r);
      kStar[i] = sf2 * (1 + SQRT5 * r + (5 / 3) * s) * decay;
      slopes[i] = sf2 * (-5 / 6) * (1 + SQRT5 * r) * decay;
    }
    const v = solveLower(this.factor, kStar);
    const w = solveLowerTransposed(this.factor, v);
    let mean = 0;
    let vv = 0;
    for (let i = 0; i < n; i++) {
      mean += (kStar[i] as number) * (this.alpha[i] as number);
      vv += (v[i] as number) ** 2;
    }
    // ∂k(x_*, x_i)/∂x_c = dm/ds · 2 (x_c − x_ic) / ℓ_g² in numeric columns (kernel.ts).
    const meanGradient = new Float64Array(D);
    const varianceGradient = new Float64Array(D);
    const groups = layout.groups;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g] as FeatureLayout["groups"][number];
      if (group.kind !== "numeric") continue;
      const c = group.column;
      const scale = 2 * (this.inverseSquaredLengths[g] as number);
      let dMean = 0;
      let dVariance = 0;
      for (let i = 0; i < n; i++) {
        const dk = (slopes[i] as number) * scale * ((point[c] as number) - (this.x[i * D + c] as number));
        dMean += (this.alpha[i] as number) * dk;
        dVariance += -2 * (w[i] as number) * dk;
      }
      meanGradient[c] = dMean;
      varianceGradient[c] = dVariance;
    }
    const raw = sf2 - vv;
    if (raw < MIN_VARIANCE) varianceGradient.fill(0);
    return { mean, variance: Math.max(MIN_VARIANCE, raw), meanGradient, varianceGradient };
  }
}

/**
 * The GP posterior given fitted hyperparameters.
 *
 * Notation and shapes:
 *   n, m, D    observations, query points, feature columns
 *   X          (n, D) observed feature vectors, row-major;  y (n) standardised observations
 *   K_y        (n, n) K_f(X, X) + σ_n²·I = L·Lᵀ;  α = K_y⁻¹ y (n, 1)
 *   K_*        (m, n) k(x_*, X) for m queries, one row k_*ᵀ per query x_* (D)
 *   μ(x_*)     k_*ᵀ α                (all m at once: K_*·α)
 *   σ²(x_*)    σ_f² − vᵀv with v = L⁻¹ k_*  (the variance of the latent function, noise excluded)
 *   d_c        (n) ∂k_* / ∂x_c for a numeric column c (one-hot columns are not moved by gradients)
 *   ∂μ/∂x_c    d_cᵀ α
 *   ∂σ²/∂x_c   −2 d_cᵀ K_y⁻¹ k_* = −2 (L⁻¹ d_c)ᵀ v   (forward solves only: k_* and every d_c as one block)
 * K_y and L are ml-matrix matrices (linalg.ts); K_*, the blocks of v and α are row-major
 * `Float64Array`s, so that scoring hundreds of candidates allocates a few arrays, not one per row.
 */
import { Matrix } from "ml-matrix";
import { crossKernel, inverseSquaredLengths, kernelMatrix, pairwiseGroupDistances, scaledDistanceAt, type KernelParams } from "./kernel";
import { cholesky, LowerTriangularSolver, solveCholesky, type CholeskyFactor } from "./linalg";
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
  /** v = L⁻¹ k_* for blocks of queries. */
  private readonly lowerSolver: LowerTriangularSolver;
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
    this.factor = cholesky(kernelMatrix(pairwiseGroupDistances(layout, x, n), n, kernel, noiseVariance));
    this.alpha = Float64Array.from(solveCholesky(this.factor, Matrix.columnVector(y)).getColumn(0));
    this.lowerSolver = new LowerTriangularSolver(this.factor);
    this.inverseSquaredLengths = inverseSquaredLengths(kernel);
  }

  /** μ and σ² at m points `points` (m, D). */
  predict(points: Float64Array, m: number): Prediction {
    const { n, alpha } = this;
    const kStar = crossKernel(this.layout, points, m, this.x, n, this.kernel); // (m, n)
    const v = this.lowerSolver.solve(kStar); // (m, n): row r is (L⁻¹ k_*(r))ᵀ
    const sf2 = this.kernel.signalVariance;
    const mean = new Float64Array(m);
    const variance = new Float64Array(m);
    for (let r = 0; r < m; r++) {
      let mu = 0;
      let explained = 0;
      for (let i = r * n, a = 0; a < n; i++, a++) {
        mu += (kStar[i] as number) * (alpha[a] as number);
        explained += (v[i] as number) ** 2;
      }
      mean[r] = mu;
      variance[r] = Math.max(MIN_VARIANCE, sf2 - explained);
    }
    return { mean, variance };
  }

  /** μ, σ² and their gradients at one point `point` (D). */
  predictWithGradient(point: Float64Array): PredictionWithGradient {
    const { n, layout } = this;
    const D = layout.width;
    const sf2 = this.kernel.signalVariance;
    // The numeric columns c_1 … c_Q and 2/ℓ_g² of each.
    const numeric: { column: number; scale: number }[] = [];
    layout.groups.forEach((group, g) => {
      if (group.kind === "numeric") numeric.push({ column: group.column, scale: 2 * (this.inverseSquaredLengths[g] as number) });
    });
    // (1 + Q, n) row-major: row 0 is k_*ᵀ, row j is d_{c_j}ᵀ with ∂k(x_*, x_i)/∂x_c = dm/ds · 2 (x_c − x_ic) / ℓ_g²
    // (kernel.ts); √s and exp(−√5·r) are shared.
    const rows = 1 + numeric.length;
    const rhs = new Float64Array(rows * n);
    for (let i = 0; i < n; i++) {
      const s = scaledDistanceAt(layout, point, 0, this.x, i * D, this.inverseSquaredLengths);
      const r = Math.sqrt(s);
      const decay = Math.exp(-SQRT5 * r);
      rhs[i] = sf2 * (1 + SQRT5 * r + (5 / 3) * s) * decay;
      const slope = sf2 * (-5 / 6) * (1 + SQRT5 * r) * decay;
      numeric.forEach(({ column, scale }, j) => (rhs[(1 + j) * n + i] = slope * scale * ((point[column] as number) - (this.x[i * D + column] as number))));
    }
    // Rows v = L⁻¹k_*, then L⁻¹d_{c_j}.
    const solved = this.lowerSolver.solve(rhs);
    // Per row: its product with α (μ, then ∂μ/∂x_{c_j}) and with v (vᵀv as in predict, then −½ ∂σ²/∂x_{c_j}).
    const withAlpha = new Float64Array(rows);
    const withV = new Float64Array(rows);
    for (let j = 0; j < rows; j++) {
      let a = 0;
      let b = 0;
      for (let i = 0; i < n; i++) {
        a += (rhs[j * n + i] as number) * (this.alpha[i] as number);
        b += (solved[j * n + i] as number) * (solved[i] as number);
      }
      withAlpha[j] = a;
      withV[j] = b;
    }
    const raw = sf2 - (withV[0] as number);
    const meanGradient = new Float64Array(D);
    const varianceGradient = new Float64Array(D);
    numeric.forEach(({ column }, j) => {
      meanGradient[column] = withAlpha[1 + j] as number;
      varianceGradient[column] = raw < MIN_VARIANCE ? 0 : -2 * (withV[1 + j] as number);
    });
    return { mean: withAlpha[0] as number, variance: Math.max(MIN_VARIANCE, raw), meanGradient, varianceGradient };
  }
}

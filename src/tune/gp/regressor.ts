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
 * The matrices are ml-matrix `Matrix` objects (linalg.ts).
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
  /** (n, 1) α = K_y⁻¹ y. */
  readonly alpha: Matrix;
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
    this.alpha = solveCholesky(this.factor, Matrix.columnVector(y));
    this.lowerSolver = new LowerTriangularSolver(this.factor);
    this.inverseSquaredLengths = inverseSquaredLengths(kernel);
  }

  /** μ and σ² at m points `points` (m, D). */
  predict(points: Float64Array, m: number): Prediction {
    const kStar = crossKernel(this.layout, points, m, this.x, this.n, this.kernel); // (m, n)
    const mean = Float64Array.from(kStar.mmul(this.alpha).getColumn(0));
    const sf2 = this.kernel.signalVariance;
    const variance = Float64Array.from(this.explainedVariances(kStar), (vv) => Math.max(MIN_VARIANCE, sf2 - vv));
    return { mean, variance };
  }

  /** vᵀv (m) for each row k_*ᵀ of `kStar` (m, n), v = L⁻¹ k_*. */
  private explainedVariances(kStar: Matrix): number[] {
    const v = this.lowerSolver.solveRows(kStar); // (m, n): row r is (L⁻¹ k_*(r))ᵀ
    return v.mul(v).sum("row");
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
    // (1 + Q, n): row 0 is k_*ᵀ, row j is d_{c_j}ᵀ with ∂k(x_*, x_i)/∂x_c = dm/ds · 2 (x_c − x_ic) / ℓ_g²
    // (kernel.ts); √s and exp(−√5·r) are shared.
    const rhs = new Matrix(1 + numeric.length, n);
    for (let i = 0; i < n; i++) {
      const s = scaledDistanceAt(layout, point, 0, this.x, i * D, this.inverseSquaredLengths);
      const r = Math.sqrt(s);
      const decay = Math.exp(-SQRT5 * r);
      rhs.set(0, i, sf2 * (1 + SQRT5 * r + (5 / 3) * s) * decay);
      const slope = sf2 * (-5 / 6) * (1 + SQRT5 * r) * decay;
      numeric.forEach(({ column, scale }, j) => rhs.set(1 + j, i, slope * scale * ((point[column] as number) - (this.x[i * D + column] as number))));
    }
    // (1 + Q, 1): μ = k_*ᵀα, then ∂μ/∂x_{c_j} = d_{c_j}ᵀα.
    const meanAndGradient = rhs.mmul(this.alpha);
    // Rows v = L⁻¹k_*, then L⁻¹d_{c_j}; their products with v: vᵀv (as in predict), then −½ ∂σ²/∂x_{c_j}.
    const solved = this.lowerSolver.solveRows(rhs);
    const products = solved.mmul(solved.getRowVector(0).transpose());
    const raw = sf2 - products.get(0, 0);
    const meanGradient = new Float64Array(D);
    const varianceGradient = new Float64Array(D);
    numeric.forEach(({ column }, j) => {
      meanGradient[column] = meanAndGradient.get(1 + j, 0);
      varianceGradient[column] = raw < MIN_VARIANCE ? 0 : -2 * products.get(1 + j, 0);
    });
    return { mean: meanAndGradient.get(0, 0), variance: Math.max(MIN_VARIANCE, raw), meanGradient, varianceGradient };
  }
}

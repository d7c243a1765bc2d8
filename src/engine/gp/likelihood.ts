/**
 * The log marginal likelihood of a GP and its gradient with respect to the log hyperparameters.
 *
 * Notation and shapes:
 *   n          the number of observations;  G the number of kernel dimensions
 *   y          (n) standardised observations
 *   θ          (G + 2) log hyperparameters [log ℓ_1 … log ℓ_G, log σ_f², log σ_n²]
 *   K_f        (n, n) the kernel matrix (see kernel.ts);  K_y = K_f + σ_n²·I
 *   L          (n, n) Cholesky factor of K_y (ml-matrix);  α = K_y⁻¹ y  (n, 1)
 *   K_y⁻¹      (n, n) from L (linalg.ts `LowerTriangularSolver.inverse`, row-major)
 *   log p(y|θ) = −½ yᵀα − Σ_i log L_ii − n/2 · log 2π
 *   W          (n, n) ααᵀ − K_y⁻¹
 *   ∂ log p / ∂θ_j = ½ tr(W · ∂K_y/∂θ_j), with ∂K_y/∂log σ_n² = σ_n²·I and the kernel
 *              derivatives of kernel.ts, accumulated pair by pair without forming ∂K_y/∂θ_j.
 */
import { Matrix } from "ml-matrix";
import { kernelMatrix, kernelParamsFromLog } from "./kernel";
import { cholesky, logDeterminant, LowerTriangularSolver, NotPositiveDefiniteError, solveCholesky } from "./linalg";

/** A data set ready for repeated likelihood evaluations. */
export interface LikelihoodData {
  /** n. */
  readonly n: number;
  /** G. */
  readonly groupCount: number;
  /** (n(n−1)/2, G) pairwise group distances (kernel.ts `pairwiseGroupDistances`). */
  readonly pairDistances: Float64Array;
  /** (n) standardised observations. */
  readonly y: Float64Array;
}

/** log p(y | θ) and its gradient (G + 2); value −∞ (gradient zero) if K_y cannot be factorised. */
export interface LikelihoodValue {
  readonly value: number;
  readonly gradient: Float64Array;
}

const LOG_2PI = Math.log(2 * Math.PI);
const SQRT5 = Math.sqrt(5);

/** log p(y | θ) and ∂/∂θ for the log hyperparameters θ = [log ℓ (G), log σ_f², log σ_n²]. */
export function logMarginalLikelihood(data: LikelihoodData, theta: ArrayLike<number>): LikelihoodValue {
  const { n, groupCount: G, pairDistances, y } = data;
  if (theta.length !== G + 2) {
    throw new RangeError(`logMarginalLikelihood: θ needs G + 2 = ${G + 2} entries, but got ${theta.length}`);
  }
  const params = kernelParamsFromLog(theta, G);
  const noise = Math.exp(theta[G + 1] as number);
  const gradient = new Float64Array(G + 2);
  let factor;
  try {
    factor = cholesky(kernelMatrix(pairDistances, n, params, noise));
  } catch (error) {
    if (error instanceof NotPositiveDefiniteError) return { value: -Infinity, gradient };
    throw error;
  }
  const yColumn = Matrix.columnVector(y); // (n, 1)
  const alpha = solveCholesky(factor, yColumn); // (n, 1)
  const value = -0.5 * yColumn.dot(alpha) - 0.5 * logDeterminant(factor) - 0.5 * n * LOG_2PI;

  // W = ααᵀ − K_y⁻¹ (n, n), symmetric; read entry by entry rather than formed.
  const a = alpha.getColumn(0);
  const inverse = new LowerTriangularSolver(factor).inverse(); // (n, n) row-major

  const inv = params.lengthScales.map((l) => 1 / (l * l));
  const sf2 = params.signalVariance;
  let traceW = 0;
  for (let i = 0; i < n; i++) traceW += (a[i] as number) ** 2 - (inverse[i * n + i] as number);
  // ½ Σ_ij W_ij ∂K_ij: diagonal terms (only σ_f² and σ_n² move the diagonal) …
  let signal = 0.5 * traceW * sf2;
  // … and each off-diagonal pair counted twice, times ½.
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const offset = p * G;
      let s = 0;
      for (let g = 0; g < G; g++) s += (pairDistances[offset + g] as number) * (inv[g] as number);
      const wij = (a[i] as number) * (a[j] as number) - (inverse[i * n + j] as number);
      // m(s) and dm/ds share r = √s and exp(−√5·r).
      const r = Math.sqrt(s);
      const decay = Math.exp(-SQRT5 * r);
      signal += wij * sf2 * (1 + SQRT5 * r + (5 / 3) * s) * decay;
      const slope = wij * sf2 * (-5 / 6) * (1 + SQRT5 * r) * decay * -2;
      for (let g = 0; g < G; g++) {
        gradient[g] = (gradient[g] as number) + slope * (pairDistances[offset + g] as number) * (inv[g] as number);
      }
      p++;
    }
  }
  gradient[G] = signal;
  gradient[G + 1] = 0.5 * traceW * noise;
  return { value, gradient };
}

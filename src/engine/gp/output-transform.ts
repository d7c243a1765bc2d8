/**
 * Making the observations look Gaussian before the GP sees them: standardise, then a
 * Yeo–Johnson power transform with λ fitted by maximum likelihood, then standardise again.
 * Objectives with heavy right tails (losses that explode in bad regions, Rosenbrock-like valleys)
 * become log-like; near-Gaussian ones are left almost as they are (λ ≈ 1). The transform is
 * monotone, so the best observation stays the best.
 *
 * Notation and shapes:
 *   n        the number of observations;  y (n) standardised values
 *   ψ(y, λ)  ((y + 1)^λ − 1)/λ for y ≥ 0 (log(y + 1) at λ = 0),
 *            −((1 − y)^(2−λ) − 1)/(2 − λ) for y < 0 (−log(1 − y) at λ = 2)
 *   ℓ(λ)     −n/2 · log var(ψ(y, λ)) + (λ − 1) Σ_i sign(y_i) log(|y_i| + 1), the profile
 *            log-likelihood of a normal model for ψ(y, λ); λ maximises it over [−2, 3]
 */
import { standardize, type Standardized } from "./regressor";

const LAMBDA_RANGE = [-2, 3] as const;

/** ψ(y, λ) for one value. */
export function yeoJohnson(y: number, lambda: number): number {
  if (y >= 0) return Math.abs(lambda) < 1e-12 ? Math.log1p(y) : ((y + 1) ** lambda - 1) / lambda;
  return Math.abs(lambda - 2) < 1e-12 ? -Math.log1p(-y) : -((1 - y) ** (2 - lambda) - 1) / (2 - lambda);
}

/** ℓ(λ) for standardised values y. */
export function yeoJohnsonLogLikelihood(y: ArrayLike<number>, lambda: number): number {
  const n = y.length;
  let mean = 0;
  const psi = new Float64Array(n);
  let jacobian = 0;
  for (let i = 0; i < n; i++) {
    const v = y[i] as number;
    psi[i] = yeoJohnson(v, lambda);
    mean += psi[i] as number;
    jacobian += Math.sign(v) * Math.log1p(Math.abs(v));
  }
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += ((psi[i] as number) - mean) ** 2;
  variance /= n;
  if (!(variance > 0)) return -Infinity;
  return -0.5 * n * Math.log(variance) + (lambda - 1) * jacobian;
}

/** Warped observations: standardised ψ values (n) and the λ used. */
export interface WarpedOutputs extends Standardized {
  readonly lambda: number;
}

/**
 * Standardise `values` (n ≥ 1), warp them with the maximum-likelihood Yeo–Johnson λ (golden
 * section over [−2, 3] after a coarse grid), and standardise the result.
 */
export function warpOutputs(values: ArrayLike<number>): WarpedOutputs {
  const y = standardize(values).values;
  if (y.length < 3) return { ...standardize(y), lambda: 1 };
  // Coarse grid, then golden-section refinement around the best grid point.
  let bestLambda = 1;
  let bestValue = yeoJohnsonLogLikelihood(y, 1);
  const step = 0.25;
  for (let lambda = LAMBDA_RANGE[0]; lambda <= LAMBDA_RANGE[1] + 1e-9; lambda += step) {
    const value = yeoJohnsonLogLikelihood(y, lambda);
    if (value > bestValue) {
      bestValue = value;
      bestLambda = lambda;
    }
  }
  let lo = Math.max(LAMBDA_RANGE[0], bestLambda - step);
  let hi = Math.min(LAMBDA_RANGE[1], bestLambda + step);
  const ratio = (Math.sqrt(5) - 1) / 2;
  for (let k = 0; k < 30; k++) {
    const a = hi - ratio * (hi - lo);
    const b = lo + ratio * (hi - lo);
    if (yeoJohnsonLogLikelihood(y, a) >= yeoJohnsonLogLikelihood(y, b)) hi = b;
    else lo = a;
  }
  const lambda = (lo + hi) / 2;
  const finalLambda = yeoJohnsonLogLikelihood(y, lambda) >= bestValue ? lambda : bestLambda;
  return { ...standardize(Array.from(y, (v) => yeoJohnson(v, finalLambda))), lambda: finalLambda };
}

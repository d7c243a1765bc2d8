/**
 * A numerically stable logarithm of the expected improvement (for minimisation).
 *
 * Notation:
 *   μ, σ²      the posterior mean and variance at a point;  σ = √σ²
 *   f*         the best (smallest) observed standardised value
 *   z          (f* − μ) / σ
 *   φ, Φ       the standard normal density and distribution function
 *   h(z)       z·Φ(z) + φ(z), so that EI = σ·h(z) and log EI = log σ + log h(z)
 *   M(t)       the Mills ratio (1 − Φ(t)) / φ(t) = 1 / (t + K(t)), with the continued fraction
 *              K(t) = 1 / (t + 2 / (t + 3 / (t + …)))
 *
 * For z ≥ −4, h is computed directly (Φ from a series with no cancellation problem there). For
 * z < −4, with t = −z, h(z) = φ(t)·(1 − t·M(t)) = φ(t)·K/(t + K): the difference 1 − t·M(t),
 * which cancels catastrophically when written out, is taken from the continued fraction, so
 * log h = −t²/2 − ½ log 2π + log K − log(t + K) stays finite and accurate far into the tail
 * (where EI itself underflows to 0). Its derivative is d log h / dz = Φ(z) / h(z) = 1 / K(t).
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const TAIL_START = 4;
const CONTINUED_FRACTION_TERMS = 80;

/** φ(z). */
export function normalDensity(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/** K(t) for t > 0: the tail of the Mills-ratio continued fraction (see the module comment). */
function millsTail(t: number): number {
  let c = t;
  for (let j = CONTINUED_FRACTION_TERMS; j >= 2; j--) c = t + j / c;
  return 1 / c;
}

/** Φ(z), accurate in relative terms in both tails. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z < -TAIL_START) {
    const t = -z;
    return normalDensity(t) / (t + millsTail(t));
  }
  if (z > TAIL_START) return 1 - normalCdf(-z);
  // Marsaglia's series: Φ(z) = ½ + φ(z)·(z + z³/3 + z⁵/(3·5) + …), all terms of one sign.
  let sum = z;
  let term = z;
  const z2 = z * z;
  for (let i = 3; i < 200; i += 2) {
    term *= z2 / i;
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return 0.5 + sum * normalDensity(z);
}

/** log h(z) and its derivative d log h / dz, for any finite z. */
export function logH(z: number): { value: number; slope: number } {
  if (z >= -TAIL_START) {
    const cdf = normalCdf(z);
    const h = z * cdf + normalDensity(z);
    return { value: Math.log(h), slope: cdf / h };
  }
  const t = -z;
  const k = millsTail(t);
  return { value: -0.5 * t * t - LOG_SQRT_2PI + Math.log(k) - Math.log(t + k), slope: 1 / k };
}

/** log EI at one point and its partial derivatives with respect to μ and σ². */
export interface LogExpectedImprovement {
  readonly value: number;
  readonly dMean: number;
  readonly dVariance: number;
}

/**
 * log EI(μ, σ²; f*) = log σ + log h((f* − μ)/σ) for minimisation, with ∂/∂μ and ∂/∂σ²
 * (σ² > 0 required).
 */
export function logExpectedImprovement(mean: number, variance: number, best: number): LogExpectedImprovement {
  if (!(variance > 0)) {
    throw new RangeError(`logExpectedImprovement: the variance must be positive, but got ${variance}`);
  }
  const sigma = Math.sqrt(variance);
  const z = (best - mean) / sigma;
  const { value, slope } = logH(z);
  return {
    value: Math.log(sigma) + value,
    dMean: -slope / sigma,
    dVariance: (1 - slope * z) / (2 * variance),
  };
}

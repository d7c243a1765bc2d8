/**
 * The Matérn-5/2 kernel with automatic relevance determination (one length scale per dimension).
 *
 * Notation and shapes:
 *   G            the number of kernel dimensions (column groups of the {@link FeatureLayout})
 *   x, y         (D) feature vectors
 *   δ_g(x, y)    the squared distance in group g: (x_c − y_c)² for a numeric column c, and
 *                ½·Σ_{c ∈ block} (x_c − y_c)² for a categorical one-hot block — 1 when the choices
 *                differ and 0 when they agree (a Hamming-type term, so choices are unordered)
 *   ℓ_g          the length scale of group g;  σ_f² the signal variance
 *   s            r² = Σ_g δ_g / ℓ_g²
 *   m(s)         (1 + √5·r + 5/3·r²)·exp(−√5·r), r = √s
 *   k(x, y)      σ_f² · m(s)
 *   θ_k          (G + 1) log hyperparameters [log ℓ_1 … log ℓ_G, log σ_f²]
 *
 * Derivatives used by the likelihood and the acquisition:
 *   dm/ds          = −5/6·(1 + √5·r)·exp(−√5·r)   (finite at r = 0)
 *   ∂k/∂log ℓ_g    = σ_f² · dm/ds · (−2 δ_g / ℓ_g²)
 *   ∂k/∂log σ_f²   = k
 *   ∂k/∂x_c        = σ_f² · dm/ds · 2 (x_c − y_c) / ℓ_g²   (numeric column c of group g)
 */
import { Matrix } from "ml-matrix";
import type { FeatureLayout } from "./transform";

const SQRT5 = Math.sqrt(5);

/** Kernel hyperparameters: G length scales and the signal variance. */
export interface KernelParams {
  /** (G) length scales ℓ_g > 0. */
  readonly lengthScales: Float64Array;
  /** σ_f² > 0. */
  readonly signalVariance: number;
}

/** The kernel parameters of the log vector θ_k = [log ℓ (G), log σ_f²]. */
export function kernelParamsFromLog(theta: ArrayLike<number>, groupCount: number): KernelParams {
  const lengthScales = new Float64Array(groupCount);
  for (let g = 0; g < groupCount; g++) lengthScales[g] = Math.exp(theta[g] as number);
  return { lengthScales, signalVariance: Math.exp(theta[groupCount] as number) };
}

/** m(s), the Matérn-5/2 correlation at squared scaled distance s ≥ 0. */
export function maternCorrelation(s: number): number {
  const r = Math.sqrt(s);
  return (1 + SQRT5 * r + (5 / 3) * s) * Math.exp(-SQRT5 * r);
}

/** dm/ds at s ≥ 0. */
export function maternCorrelationSlope(s: number): number {
  const r = Math.sqrt(s);
  return (-5 / 6) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
}

/** δ (G): the per-group squared distances between feature vectors x and y (each D). */
export function groupDistances(layout: FeatureLayout, x: ArrayLike<number>, y: ArrayLike<number>, out?: Float64Array): Float64Array {
  const delta = out ?? new Float64Array(layout.groups.length);
  const groups = layout.groups;
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g] as FeatureLayout["groups"][number];
    if (group.kind === "numeric") {
      const d = (x[group.column] as number) - (y[group.column] as number);
      delta[g] = d * d;
    } else {
      let sum = 0;
      for (let c = group.start; c < group.start + group.size; c++) {
        const d = (x[c] as number) - (y[c] as number);
        sum += d * d;
      }
      delta[g] = 0.5 * sum;
    }
  }
  return delta;
}

/**
 * s = Σ_g δ_g(x, y) / ℓ_g² for rows of flat arrays: x at offset `xOffset` of `xs`, y at `yOffset`
 * of `ys`; `inv` (G) holds 1/ℓ_g². Allocation-free, for the inner loops.
 */
export function scaledDistanceAt(
  layout: FeatureLayout,
  xs: Float64Array,
  xOffset: number,
  ys: Float64Array,
  yOffset: number,
  inv: Float64Array,
): number {
  const groups = layout.groups;
  let s = 0;
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g] as FeatureLayout["groups"][number];
    if (group.kind === "numeric") {
      const d = (xs[xOffset + group.column] as number) - (ys[yOffset + group.column] as number);
      s += d * d * (inv[g] as number);
    } else {
      let sum = 0;
      for (let c = group.start; c < group.start + group.size; c++) {
        const d = (xs[xOffset + c] as number) - (ys[yOffset + c] as number);
        sum += d * d;
      }
      s += 0.5 * sum * (inv[g] as number);
    }
  }
  return s;
}

/**
 * The per-pair group distances of n points, computed once per data set (they do not depend on
 * the hyperparameters). `x` is (n, D) row-major; the result is (n(n−1)/2, G), pairs (i < j) in
 * row order: (0,1), (0,2), …, (0,n−1), (1,2), …
 */
export function pairwiseGroupDistances(layout: FeatureLayout, x: Float64Array, n: number): Float64Array {
  const width = layout.width;
  const groupCount = layout.groups.length;
  const out = new Float64Array(((n * (n - 1)) / 2) * groupCount);
  let p = 0;
  const groups = layout.groups;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const base = p * groupCount;
      for (let g = 0; g < groupCount; g++) {
        const group = groups[g] as FeatureLayout["groups"][number];
        if (group.kind === "numeric") {
          const d = (x[i * width + group.column] as number) - (x[j * width + group.column] as number);
          out[base + g] = d * d;
        } else {
          let sum = 0;
          for (let c = group.start; c < group.start + group.size; c++) {
            const d = (x[i * width + c] as number) - (x[j * width + c] as number);
            sum += d * d;
          }
          out[base + g] = 0.5 * sum;
        }
      }
      p++;
    }
  }
  return out;
}

/** s = Σ_g δ_g / ℓ_g² for one pair, δ read from `delta` at `offset`. */
function scaledSquaredDistance(delta: ArrayLike<number>, offset: number, inverseSquaredLengths: Float64Array): number {
  let s = 0;
  for (let g = 0; g < inverseSquaredLengths.length; g++) s += (delta[offset + g] as number) * (inverseSquaredLengths[g] as number);
  return s;
}

/** (G) 1 / ℓ_g². */
export function inverseSquaredLengths(params: KernelParams): Float64Array {
  return params.lengthScales.map((l) => 1 / (l * l));
}

/**
 * K (n, n), the kernel matrix of n points from their pairwise distances
 * ({@link pairwiseGroupDistances}); `diagonalAddition` (e.g. the noise variance) is added to
 * the diagonal. Exactly symmetric (each pair is computed once and written to both triangles).
 */
export function kernelMatrix(pairDistances: Float64Array, n: number, params: KernelParams, diagonalAddition = 0): Matrix {
  const inv = inverseSquaredLengths(params);
  const groupCount = inv.length;
  const k = new Matrix(n, n);
  let p = 0;
  for (let i = 0; i < n; i++) {
    k.set(i, i, params.signalVariance + diagonalAddition);
    for (let j = i + 1; j < n; j++) {
      const value = params.signalVariance * maternCorrelation(scaledSquaredDistance(pairDistances, p * groupCount, inv));
      k.set(i, j, value);
      k.set(j, i, value);
      p++;
    }
  }
  return k;
}

/**
 * K(A, B) (m, n) row-major, the kernel between m points `a` (m, D) and n points `b` (n, D), both
 * row-major. A flat array rather than an ml-matrix `Matrix` (one `Float64Array` per row): the
 * acquisition scores hundreds of candidates at once.
 */
export function crossKernel(layout: FeatureLayout, a: Float64Array, m: number, b: Float64Array, n: number, params: KernelParams): Float64Array {
  const width = layout.width;
  const inv = inverseSquaredLengths(params);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      out[i * n + j] = params.signalVariance * maternCorrelation(scaledDistanceAt(layout, a, i * width, b, j * width, inv));
    }
  }
  return out;
}

/**
 * k(x, y) and its gradient with respect to θ_k = [log ℓ (G), log σ_f²] — the reference form of
 * the derivatives the likelihood accumulates in bulk.
 */
export function kernelWithGradient(
  layout: FeatureLayout,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  params: KernelParams,
): { value: number; gradient: Float64Array } {
  const delta = groupDistances(layout, x, y);
  const inv = inverseSquaredLengths(params);
  const s = scaledSquaredDistance(delta, 0, inv);
  const value = params.signalVariance * maternCorrelation(s);
  const slope = params.signalVariance * maternCorrelationSlope(s);
  const gradient = new Float64Array(inv.length + 1);
  for (let g = 0; g < inv.length; g++) gradient[g] = slope * -2 * (delta[g] as number) * (inv[g] as number);
  gradient[inv.length] = value;
  return { value, gradient };
}

/**
 * ∂k(x, y)/∂x (D): non-zero only in numeric columns (one-hot blocks are not moved by gradients).
 */
export function kernelInputGradient(layout: FeatureLayout, x: ArrayLike<number>, y: ArrayLike<number>, params: KernelParams): Float64Array {
  const inv = inverseSquaredLengths(params);
  const s = scaledSquaredDistance(groupDistances(layout, x, y), 0, inv);
  const slope = params.signalVariance * maternCorrelationSlope(s);
  const gradient = new Float64Array(layout.width);
  layout.groups.forEach((group, g) => {
    if (group.kind === "numeric") {
      gradient[group.column] = slope * 2 * ((x[group.column] as number) - (y[group.column] as number)) * (inv[g] as number);
    }
  });
  return gradient;
}

/**
 * Dense symmetric positive-definite algebra for the GP: Cholesky factors and the solves and
 * inverses built on them.
 *
 * Notation and shapes (all matrices are row-major `Float64Array`s):
 *   n        the order of the matrix (number of observations)
 *   A        (n, n) symmetric positive definite, e.g. K + σ_n²·I
 *   L        (n, n) lower triangular with A = L·Lᵀ (upper triangle zero)
 *   b, x     (n) vectors;  B, X  (n, m) blocks of m right-hand sides
 *
 * The factorisation is ml-matrix's {@link CholeskyDecomposition}. The solves against L are written
 * here on flat arrays: they run in every likelihood evaluation and for every candidate point, and
 * ml-matrix's general `solve` (element-wise `get`/`set`) is ten times slower at these sizes.
 */
import { CholeskyDecomposition, Matrix } from "ml-matrix";

/** A Cholesky factor with the jitter that was needed to make the matrix positive definite. */
export interface CholeskyFactor {
  /** The order n. */
  readonly n: number;
  /** (n, n) lower-triangular L, row-major. */
  readonly lower: Float64Array;
  /** What was added to the diagonal before factorising (0 if nothing was needed). */
  readonly jitter: number;
}

/** Raised when a matrix stays indefinite even after the largest jitter. */
export class NotPositiveDefiniteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotPositiveDefiniteError";
  }
}

/**
 * The Cholesky factor of the symmetric matrix `a` (n, n). If `a` is not numerically positive
 * definite, an increasing jitter (1e-10 … 1e-4 times the mean diagonal) is added to its diagonal;
 * throws {@link NotPositiveDefiniteError} if even that fails.
 */
export function cholesky(a: Float64Array, n: number): CholeskyFactor {
  if (a.length !== n * n) {
    throw new RangeError(`cholesky: a matrix of order n=${n} needs n·n=${n * n} entries, but got ${a.length}`);
  }
  let meanDiagonal = 0;
  for (let i = 0; i < n; i++) meanDiagonal += a[i * n + i] as number;
  meanDiagonal = n > 0 ? meanDiagonal / n : 1;
  if (!(meanDiagonal > 0) || !Number.isFinite(meanDiagonal)) {
    throw new NotPositiveDefiniteError(`cholesky: the mean diagonal must be positive and finite, but got ${meanDiagonal}`);
  }
  for (const relativeJitter of [0, 1e-10, 1e-8, 1e-6, 1e-4]) {
    const jitter = relativeJitter * meanDiagonal;
    const matrix = Matrix.from1DArray(n, n, a);
    if (jitter > 0) for (let i = 0; i < n; i++) matrix.set(i, i, (a[i * n + i] as number) + jitter);
    const decomposition = new CholeskyDecomposition(matrix);
    if (!decomposition.isPositiveDefinite()) continue;
    const lower = Float64Array.from(decomposition.lowerTriangularMatrix.to1DArray());
    if (hasPositiveFiniteDiagonal(lower, n)) return { n, lower, jitter };
  }
  throw new NotPositiveDefiniteError(
    `cholesky: the ${n}×${n} matrix is not positive definite even with a jitter of 1e-4 × its mean diagonal (${meanDiagonal})`,
  );
}

function hasPositiveFiniteDiagonal(lower: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const d = lower[i * n + i] as number;
    if (!(d > 0) || !Number.isFinite(d)) return false;
  }
  return true;
}

/** log det A = 2 Σ log L_ii. */
export function logDeterminant(factor: CholeskyFactor): number {
  const { n, lower } = factor;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.log(lower[i * n + i] as number);
  return 2 * sum;
}

/** x = L⁻¹ b (forward substitution); b (n) is left unchanged. */
export function solveLower(factor: CholeskyFactor, b: ArrayLike<number>): Float64Array {
  const { n, lower } = factor;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (lower[row + k] as number) * (x[k] as number);
    x[i] = s / (lower[row + i] as number);
  }
  return x;
}

/** x = L⁻ᵀ b (back substitution); b (n) is left unchanged. */
export function solveLowerTransposed(factor: CholeskyFactor, b: ArrayLike<number>): Float64Array {
  const { n, lower } = factor;
  const x = Float64Array.from(b as ArrayLike<number>);
  for (let i = n - 1; i >= 0; i--) {
    const xi = (x[i] as number) / (lower[i * n + i] as number);
    x[i] = xi;
    // Subtract column i of Lᵀ (row i of L) from the entries above.
    const row = i * n;
    for (let k = 0; k < i; k++) x[k] = (x[k] as number) - (lower[row + k] as number) * xi;
  }
  return x;
}

/** x = A⁻¹ b = L⁻ᵀ L⁻¹ b. */
export function solveCholesky(factor: CholeskyFactor, b: ArrayLike<number>): Float64Array {
  return solveLowerTransposed(factor, solveLower(factor, b));
}

/**
 * X = L⁻¹ B for a block of right-hand sides given as rows: `bt` is Bᵀ, (m, n), and the result is
 * Xᵀ, (m, n) — each row solved on its own, which keeps the inner loop contiguous.
 */
export function solveLowerRows(factor: CholeskyFactor, bt: Float64Array, m: number): Float64Array {
  const { n, lower } = factor;
  const xt = new Float64Array(m * n);
  for (let r = 0; r < m; r++) {
    const base = r * n;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      let s = bt[base + i] as number;
      for (let k = 0; k < i; k++) s -= (lower[row + k] as number) * (xt[base + k] as number);
      xt[base + i] = s / (lower[row + i] as number);
    }
  }
  return xt;
}

/** A⁻¹ (n, n) from its factor: A⁻¹ = L⁻ᵀ L⁻¹, with L⁻¹ by forward substitution. */
export function inverseFromCholesky(factor: CholeskyFactor): Float64Array {
  const { n, lower } = factor;
  // M = L⁻¹, lower triangular: column j solves L·m = e_j.
  const m = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    m[j * n + j] = 1 / (lower[j * n + j] as number);
    for (let i = j + 1; i < n; i++) {
      const row = i * n;
      let s = 0;
      for (let k = j; k < i; k++) s -= (lower[row + k] as number) * (m[k * n + j] as number);
      m[row + j] = s / (lower[row + i] as number);
    }
  }
  // A⁻¹_ij = Σ_{k ≥ max(i,j)} M_ki M_kj, filled symmetrically.
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += (m[k * n + i] as number) * (m[k * n + j] as number);
      inv[i * n + j] = s;
      inv[j * n + i] = s;
    }
  }
  return inv;
}

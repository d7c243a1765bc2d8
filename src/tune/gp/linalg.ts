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
 * Why not ml-matrix here: these routines run in every likelihood evaluation of every fit (dozens
 * per suggestion) and for every candidate point, and the GP has hard time goals (≤ 35 ms of own
 * time per trial at 40 trials, < 0.5 s per suggestion at 500). ml-matrix's CholeskyDecomposition
 * (JAMA-style, element `get`/`set`, a full symmetry check, array-of-rows storage and conversions)
 * measured 3× (n = 500) to 10× (n = 40) slower than the loops below, and its `solve` ten times
 * slower. The tests check these routines against ml-matrix (its Cholesky factor, products, LU
 * determinant).
 */

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
  const lower = new Float64Array(n * n);
  for (const relativeJitter of [0, 1e-10, 1e-8, 1e-6, 1e-4]) {
    const jitter = relativeJitter * meanDiagonal;
    if (factorInto(a, n, jitter, lower)) return { n, lower, jitter };
  }
  throw new NotPositiveDefiniteError(
    `cholesky: the ${n}×${n} matrix is not positive definite even with a jitter of 1e-4 × its mean diagonal (${meanDiagonal})`,
  );
}

/**
 * The Cholesky–Banachiewicz recurrence on the lower triangle of A + jitter·I, written into
 * `lower` (row by row: L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj, L_ii = √(A_ii − Σ_{k<i} L_ik²)).
 * False as soon as a pivot is not positive and finite.
 */
function factorInto(a: Float64Array, n: number, jitter: number, lower: Float64Array): boolean {
  lower.fill(0);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      let s = a[rowI + j] as number;
      for (let k = 0; k < j; k++) s -= (lower[rowI + k] as number) * (lower[rowJ + k] as number);
      if (j < i) {
        lower[rowI + j] = s / (lower[rowJ + j] as number);
      } else {
        const pivot = s + jitter;
        if (!(pivot > 0) || !Number.isFinite(pivot)) return false;
        lower[rowI + i] = Math.sqrt(pivot);
      }
    }
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
  // Four right-hand sides at a time, so each row of L is read once per four solves.
  let r = 0;
  for (; r + 4 <= m; r += 4) {
    const b0 = r * n;
    const b1 = b0 + n;
    const b2 = b1 + n;
    const b3 = b2 + n;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      let s0 = bt[b0 + i] as number;
      let s1 = bt[b1 + i] as number;
      let s2 = bt[b2 + i] as number;
      let s3 = bt[b3 + i] as number;
      for (let k = 0; k < i; k++) {
        const l = lower[row + k] as number;
        s0 -= l * (xt[b0 + k] as number);
        s1 -= l * (xt[b1 + k] as number);
        s2 -= l * (xt[b2 + k] as number);
        s3 -= l * (xt[b3 + k] as number);
      }
      const d = lower[row + i] as number;
      xt[b0 + i] = s0 / d;
      xt[b1 + i] = s1 / d;
      xt[b2 + i] = s2 / d;
      xt[b3 + i] = s3 / d;
    }
  }
  for (; r < m; r++) {
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

/** A⁻¹ (n, n) from its factor: A⁻¹ = L⁻ᵀ L⁻¹ = U·Uᵀ with U = L⁻ᵀ (upper triangular). */
export function inverseFromCholesky(factor: CholeskyFactor): Float64Array {
  const { n, lower } = factor;
  // U = (L⁻¹)ᵀ, upper triangular, row-major: row j of U is column j of L⁻¹, from L·m = e_j.
  const u = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    u[rowJ + j] = 1 / (lower[rowJ + j] as number);
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let s = 0;
      for (let k = j; k < i; k++) s -= (lower[rowI + k] as number) * (u[rowJ + k] as number);
      u[rowJ + i] = s / (lower[rowI + i] as number);
    }
  }
  // A⁻¹_ij = Σ_{k ≥ max(i,j)} U_ik U_jk: contiguous rows of U, filled symmetrically.
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      let s = 0;
      for (let k = i; k < n; k++) s += (u[rowI + k] as number) * (u[rowJ + k] as number);
      inv[rowI + j] = s;
      inv[rowJ + i] = s;
    }
  }
  return inv;
}

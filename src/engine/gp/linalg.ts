/**
 * Dense symmetric positive-definite algebra for the GP, on ml-matrix: the Cholesky factor (with
 * jitter when needed) and the solves, inverse and log-determinant built on it.
 *
 * Notation and shapes (all matrices are ml-matrix `Matrix` objects):
 *   n        the order of the matrix (number of observations)
 *   A        (n, n) symmetric positive definite, e.g. K + σ_n²·I
 *   L        (n, n) lower triangular with A = L·Lᵀ (ml-matrix's `lowerTriangularMatrix`)
 *   B        (n, m) a block of m right-hand sides as columns (for `solveCholesky`)
 *   R        (m, n) a block of m right-hand sides as rows, row-major (for {@link LowerTriangularSolver})
 *
 * ml-matrix does the factorisation (`CholeskyDecomposition`), A⁻¹·B (`solve`) and the diagonal
 * of L. Written here, on row-major `Float64Array`s: forward substitution L⁻¹·b for many
 * right-hand sides at once, and A⁻¹ from it ({@link LowerTriangularSolver}); see its comment for why.
 */
import { CholeskyDecomposition, Matrix } from "ml-matrix";

/** A Cholesky factor with the jitter that was needed to make the matrix positive definite. */
export interface CholeskyFactor {
  /** The order n. */
  readonly n: number;
  /** ml-matrix's decomposition of A + jitter·I: `solve` gives (A + jitter·I)⁻¹·B. */
  readonly decomposition: CholeskyDecomposition;
  /** (n, n) lower-triangular L (upper triangle zero). */
  readonly lower: Matrix;
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

/** Relative jitters tried in turn (times the mean diagonal). */
const RELATIVE_JITTERS = [0, 1e-10, 1e-8, 1e-6, 1e-4] as const;

/**
 * The Cholesky factor of the symmetric matrix `a` (n, n), by ml-matrix's `CholeskyDecomposition`.
 * If `a` is not numerically positive definite, an increasing jitter (1e-10 … 1e-4 times the mean
 * diagonal) is added to its diagonal; throws {@link NotPositiveDefiniteError} if even that fails.
 * `a` itself is never modified.
 */
export function cholesky(a: Matrix): CholeskyFactor {
  const n = a.rows;
  if (a.columns !== n) throw new RangeError(`cholesky: needs a square matrix, but got ${a.rows}×${a.columns}`);
  if (!a.isSymmetric()) {
    // NaN ≠ NaN, so a matrix with NaN entries is never symmetric: it is degenerate rather than misshapen.
    if (a.to1DArray().some(Number.isNaN)) throw new NotPositiveDefiniteError(`cholesky: the ${n}×${n} matrix has NaN entries`);
    throw new RangeError(`cholesky: needs a symmetric matrix, but the ${n}×${n} matrix is not (A ≠ Aᵀ)`);
  }
  const meanDiagonal = n > 0 ? a.diag().reduce((sum, v) => sum + v, 0) / n : 1;
  if (!(meanDiagonal > 0) || !Number.isFinite(meanDiagonal)) {
    throw new NotPositiveDefiniteError(`cholesky: the mean diagonal must be positive and finite, but got ${meanDiagonal}`);
  }
  for (const relativeJitter of RELATIVE_JITTERS) {
    const jitter = relativeJitter * meanDiagonal;
    const decomposition = new CholeskyDecomposition(jitter === 0 ? a : Matrix.eye(n, n, jitter).add(a));
    const lower = decomposition.lowerTriangularMatrix;
    // ml-matrix flags a non-positive pivot; NaN or ∞ entries show up as non-finite pivots.
    if (decomposition.isPositiveDefinite() && lower.diag().every(Number.isFinite)) return { n, decomposition, lower, jitter };
  }
  throw new NotPositiveDefiniteError(
    `cholesky: the ${n}×${n} matrix is not positive definite even with a jitter of 1e-4 × its mean diagonal (${meanDiagonal})`,
  );
}

/** log det A = 2 Σ log L_ii. */
export function logDeterminant(factor: CholeskyFactor): number {
  return 2 * factor.lower.diag().reduce((sum, d) => sum + Math.log(d), 0);
}

/** X = A⁻¹ B (n, m) for right-hand sides B (n, m) as columns: ml-matrix's `CholeskyDecomposition.solve`. */
export function solveCholesky(factor: CholeskyFactor, b: Matrix): Matrix {
  if (b.rows !== factor.n) {
    throw new RangeError(`solveCholesky: right-hand sides need n=${factor.n} rows, but got ${b.rows}×${b.columns}`);
  }
  return factor.decomposition.solve(b);
}

/**
 * Forward substitution with L for many right-hand sides at once, and A⁻¹ from it — the
 * operations of this module not done by ml-matrix, on row-major `Float64Array`s.
 *
 * Why: every suggestion needs v = L⁻¹ k_* for hundreds of candidates (the posterior variance
 * σ_f² − vᵀv) and, in each of ~30–90 gradient steps of the acquisition polish, for k_* and its
 * derivative in each numeric column (a block of 1 + Q rows); every likelihood evaluation of a
 * hyperparameter fit (~40 per suggestion) needs A⁻¹. ml-matrix has no triangular solve: the
 * nearest is `CholeskyDecomposition.solve(B)`, which solves both triangles for each column of B
 * with element `get`/`set` down the columns, and its matrices hold one `Float64Array` per row, so
 * a block of candidates costs an allocation per candidate. Measured (Node 20, 2 shared cores,
 * the same inputs, interleaved runs): n = 40, m = 600: `solve` 9.0 ms, row solve 2.1 ms;
 * n = 500, m = 7 (one polish step): 12.1 ms vs 0.84 ms; n = 500, m = 100: 161 ms vs 9.4 ms;
 * A⁻¹ at n = 15 (a fit early in a search): `solve(I)` 46 µs, this solver 12 µs, out of ~90 µs
 * for the whole likelihood evaluation with ml-matrix's inverse.
 * L is copied once (O(n²)), so build one solver per factor and reuse it.
 */
export class LowerTriangularSolver {
  /** The order n. */
  readonly n: number;
  /** (n, n) L, row-major, upper triangle zero. */
  private readonly lower: Float64Array;

  constructor(factor: CholeskyFactor) {
    const { n, lower } = factor;
    this.n = n;
    this.lower = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k <= i; k++) this.lower[i * n + k] = lower.get(i, k);
    }
  }

  /**
   * X (m, n) row-major with row q = L⁻¹ r_q, for R (m, n) row-major (`r`, m = r.length / n).
   * Four right-hand sides at a time, so each row of L is read once per four solves; each row sees
   * the same operations in the same order as when solved alone, so its result does not depend on
   * the block it falls in.
   */
  solve(r: Float64Array): Float64Array {
    const { n, lower } = this;
    if (r.length % n !== 0) throw new RangeError(`LowerTriangularSolver: right-hand sides need n=${n} columns, but got ${r.length} values`);
    const m = r.length / n;
    const x = new Float64Array(m * n);
    for (let q = 0; q < m; q += 4) {
      // Rows past the end are read as the last row and not kept.
      const o0 = q * n;
      const o1 = Math.min(q + 1, m - 1) * n;
      const o2 = Math.min(q + 2, m - 1) * n;
      const o3 = Math.min(q + 3, m - 1) * n;
      for (let i = 0; i < n; i++) {
        const li = i * n;
        let s0 = r[o0 + i] as number;
        let s1 = r[o1 + i] as number;
        let s2 = r[o2 + i] as number;
        let s3 = r[o3 + i] as number;
        for (let k = 0; k < i; k++) {
          const l = lower[li + k] as number;
          s0 -= l * (x[o0 + k] as number);
          s1 -= l * (x[o1 + k] as number);
          s2 -= l * (x[o2 + k] as number);
          s3 -= l * (x[o3 + k] as number);
        }
        const d = lower[li + i] as number;
        x[o0 + i] = s0 / d;
        x[o1 + i] = s1 / d;
        x[o2 + i] = s2 / d;
        x[o3 + i] = s3 / d;
      }
    }
    return x;
  }

  /**
   * A⁻¹ (n, n) row-major, exactly symmetric: A⁻¹ = L⁻ᵀ·L⁻¹. With X = L⁻ᵀ (row q of X is
   * L⁻¹ e_q, a forward solve of the identity), (A⁻¹)_ij = Σ_{k ≥ max(i, j)} X_ik·X_jk, since
   * (L⁻¹)_ki = 0 for k < i.
   */
  inverse(): Float64Array {
    const n = this.n;
    const identity = new Float64Array(n * n);
    for (let i = 0; i < n; i++) identity[i * n + i] = 1;
    const x = this.solve(identity);
    const inverse = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = i; k < n; k++) s += (x[i * n + k] as number) * (x[j * n + k] as number);
        inverse[i * n + j] = s;
        inverse[j * n + i] = s;
      }
    }
    return inverse;
  }
}

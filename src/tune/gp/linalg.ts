/**
 * Dense symmetric positive-definite algebra for the GP, on ml-matrix: the Cholesky factor (with
 * jitter when needed) and the solves, inverse and log-determinant built on it.
 *
 * Notation and shapes (all matrices are ml-matrix `Matrix` objects):
 *   n        the order of the matrix (number of observations)
 *   A        (n, n) symmetric positive definite, e.g. K + σ_n²·I
 *   L        (n, n) lower triangular with A = L·Lᵀ (ml-matrix's `lowerTriangularMatrix`)
 *   B        (n, m) a block of m right-hand sides as columns (for `solveCholesky`)
 *   R        (m, n) a block of m right-hand sides as rows (for {@link LowerTriangularSolver})
 *
 * ml-matrix does the factorisation (`CholeskyDecomposition`), A⁻¹·B (`solve`), the diagonal of L
 * and the products. One operation is written here: forward substitution L⁻¹·b for many
 * right-hand sides at once ({@link LowerTriangularSolver}); see its comment for why.
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
 * A⁻¹ (n, n) from its factor: ml-matrix's `solve` with B = I. (Measured at n = 64, the largest
 * fit set: 2.2 ms, against 1.0 ms via {@link LowerTriangularSolver} and `mmulByTranspose`; the
 * time goals hold with ml-matrix's, so it stays.)
 */
export function inverseFromCholesky(factor: CholeskyFactor): Matrix {
  return factor.decomposition.solve(Matrix.eye(factor.n));
}

/**
 * Forward substitution X = R·L⁻ᵀ, i.e. row q of X is L⁻¹ r_q, for a block R (m, n) of
 * right-hand sides given as rows — the one operation of this module not done by ml-matrix.
 *
 * Why: every suggestion needs v = L⁻¹ k_* for hundreds of candidates (the posterior variance
 * σ_f² − vᵀv) and, in each of ~30–90 gradient steps of the acquisition polish, for k_* and its
 * derivative in each numeric column (a block of 1 + Q rows). ml-matrix has no triangular solve:
 * the nearest is `CholeskyDecomposition.solve(B)`, which solves both triangles for each column
 * of B with element `get`/`set` down the columns. Measured (Node 20, 2 shared cores, load average
 * ~2.5, the same inputs, interleaved runs): n = 40, m = 600: `solve` 9.0 ms, `solveRows` 2.1 ms;
 * n = 500, m = 7 (one polish step): 12.1 ms vs 0.84 ms; n = 500, m = 100: 161 ms vs 9.4 ms.
 * At 500 observed trials a suggestion predicts at ~270 points and takes ~65 polish steps, so
 * with `solve` these alone would take about 1.2 s against the 0.5 s budget per suggestion; with
 * this solver the whole suggestion takes 0.3–0.35 s.
 * The rows of L are copied once into typed arrays (O(n²)), so build one solver per factor and
 * reuse it.
 */
export class LowerTriangularSolver {
  /** The order n. */
  readonly n: number;
  /** Row i of L up to and including its diagonal (i + 1 entries). */
  private readonly rows: Float64Array[];

  constructor(factor: CholeskyFactor) {
    const { n, lower } = factor;
    this.n = n;
    this.rows = Array.from({ length: n }, (_, i) => Float64Array.from({ length: i + 1 }, (_, k) => lower.get(i, k)));
  }

  /** X (m, n) with row q = L⁻¹ (row q of `r`), for `r` (m, n). */
  solveRows(r: Matrix): Matrix {
    const { n, rows } = this;
    if (r.columns !== n) throw new RangeError(`LowerTriangularSolver: right-hand-side rows need n=${n} columns, but got ${r.rows}×${r.columns}`);
    const m = r.rows;
    const out = new Matrix(m, n);
    const block = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)] as const;
    const [x0, x1, x2, x3] = block;
    // Four right-hand sides at a time, so each row of L is read once per four solves; a last block
    // of fewer is padded with zero rows. Each row sees the same operations in the same order as
    // when solved alone, so the results do not depend on the block a row falls in.
    for (let q = 0; q < m; q += 4) {
      const rhs = (t: number, i: number): number => (q + t < m ? r.get(q + t, i) : 0);
      for (let i = 0; i < n; i++) {
        const li = rows[i] as Float64Array;
        let s0 = rhs(0, i);
        let s1 = rhs(1, i);
        let s2 = rhs(2, i);
        let s3 = rhs(3, i);
        for (let k = 0; k < i; k++) {
          const l = li[k] as number;
          s0 -= l * (x0[k] as number);
          s1 -= l * (x1[k] as number);
          s2 -= l * (x2[k] as number);
          s3 -= l * (x3[k] as number);
        }
        const d = li[i] as number;
        x0[i] = s0 / d;
        x1[i] = s1 / d;
        x2[i] = s2 / d;
        x3[i] = s3 / d;
      }
      for (let t = 0; t < 4 && q + t < m; t++) out.setRow(q + t, block[t]);
    }
    return out;
  }
}

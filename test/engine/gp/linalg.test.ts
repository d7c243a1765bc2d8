import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LuDecomposition, Matrix, solve } from "ml-matrix";
import {
  cholesky,
  logDeterminant,
  LowerTriangularSolver,
  NotPositiveDefiniteError,
  solveCholesky,
} from "../../../src/engine/gp/linalg";
import { assertClose, testRng } from "./helpers";

/** A random symmetric positive-definite (n, n) matrix B·Bᵀ + n·I. */
function randomSpd(n: number, name: string): Matrix {
  const rng = testRng(name);
  const b = Matrix.from1DArray(n, n, Array.from({ length: n * n }, () => rng.next() - 0.5));
  return b.mmulByTranspose().add(Matrix.eye(n, n, n));
}

function randomMatrix(rows: number, columns: number, name: string): Matrix {
  const rng = testRng(name);
  return Matrix.from1DArray(rows, columns, Array.from({ length: rows * columns }, () => rng.next() - 0.5));
}

describe("cholesky", () => {
  it("gives a lower-triangular L with a positive diagonal, L·Lᵀ ≈ A and no jitter for a well-conditioned matrix", () => {
    const n = 12;
    const a = randomSpd(n, "llt");
    const before = a.to1DArray();
    const factor = cholesky(a);
    assert.equal(factor.jitter, 0);
    assert.equal(factor.n, n);
    const l = factor.lower;
    for (let i = 0; i < n; i++) {
      assert.ok(l.get(i, i) > 0, `L_${i}${i} = ${l.get(i, i)}`);
      for (let j = i + 1; j < n; j++) assert.equal(l.get(i, j), 0);
    }
    assertClose(l.mmul(l.transpose()).to1DArray(), a.to1DArray(), 1e-12, "L·Lᵀ");
    assert.deepEqual(a.to1DArray(), before, "A is left unchanged");
  });

  it("solves A·X = B, inverts A and gives log det A like an LU decomposition", () => {
    const n = 9;
    const a = randomSpd(n, "solve");
    const factor = cholesky(a);
    const b = randomMatrix(n, 3, "rhs");
    const x = solveCholesky(factor, b);
    assertClose(a.mmul(x).to1DArray(), b.to1DArray(), 1e-12, "A·X");
    assertClose(a.mmul(Matrix.from1DArray(n, n, new LowerTriangularSolver(factor).inverse())).to1DArray(), Matrix.eye(n).to1DArray(), 1e-12, "A·A⁻¹");
    assert.ok(Math.abs(logDeterminant(factor) - Math.log(new LuDecomposition(a).determinant)) < 1e-10);
  });

  it("adds a small jitter to a singular positive semi-definite matrix, and factorises A + jitter·I", () => {
    // Rank one: v·vᵀ.
    const a = Matrix.columnVector([1, 2, 3]).mmulByTranspose();
    const factor = cholesky(a);
    assert.ok(factor.jitter > 0 && factor.jitter < 1e-3, `jitter ${factor.jitter}`);
    const jittered = Matrix.eye(3, 3, factor.jitter).add(a);
    assertClose(factor.lower.mmul(factor.lower.transpose()).to1DArray(), jittered.to1DArray(), 1e-12, "L·Lᵀ = A + jitter·I");
  });

  it("rejects indefinite, non-square, non-symmetric and non-finite matrices with clear errors", () => {
    assert.throws(() => cholesky(new Matrix([[1, 2], [2, 1]])), NotPositiveDefiniteError);
    assert.throws(() => cholesky(new Matrix([[1, NaN], [NaN, 1]])), NotPositiveDefiniteError);
    assert.throws(() => cholesky(new Matrix([[Infinity, 0], [0, 1]])), /mean diagonal must be positive and finite, but got Infinity/);
    assert.throws(() => cholesky(new Matrix(2, 3)), /square matrix, but got 2×3/);
    assert.throws(() => cholesky(new Matrix([[2, 1], [0, 2]])), /symmetric matrix/);
    assert.throws(() => solveCholesky(cholesky(randomSpd(3, "size")), new Matrix(4, 1)), /n=3 rows, but got 4×1/);
  });
});

describe("LowerTriangularSolver", () => {
  it("solves L·x = r for each row r of a row-major block like ml-matrix's general solve, and each row like alone", () => {
    const n = 11;
    const m = 7; // one block of four rows and three rows padded with copies of the last
    const factor = cholesky(randomSpd(n, "rows"));
    const solver = new LowerTriangularSolver(factor);
    const r = randomMatrix(m, n, "rows-rhs");
    const x = Matrix.from1DArray(m, n, solver.solve(Float64Array.from(r.to1DArray())));
    // L·Xᵀ = Rᵀ, and the same as LU's solve of L·Xᵀ = Rᵀ.
    assertClose(factor.lower.mmul(x.transpose()).to1DArray(), r.transpose().to1DArray(), 1e-12, "L·Xᵀ");
    assertClose(x.transpose().to1DArray(), solve(factor.lower, r.transpose()).to1DArray(), 1e-12, "vs solve(L, Rᵀ)");
    for (let q = 0; q < m; q++) {
      assert.deepEqual(Array.from(solver.solve(Float64Array.from(r.getRow(q)))), x.getRow(q), `row ${q} alone`);
    }
  });

  it("gives vᵀv = bᵀA⁻¹b", () => {
    const n = 8;
    const factor = cholesky(randomSpd(n, "quadratic"));
    const b = randomMatrix(1, n, "quadratic-rhs");
    const v = new LowerTriangularSolver(factor).solve(Float64Array.from(b.to1DArray()));
    const expected = b.mmul(solveCholesky(factor, b.transpose())).get(0, 0);
    const vv = v.reduce((sum, e) => sum + e * e, 0);
    assert.ok(Math.abs(vv - expected) < 1e-12 * expected);
  });

  it("inverts A exactly symmetrically, agreeing with ml-matrix's solve of A·X = I", () => {
    const n = 13;
    const a = randomSpd(n, "inverse");
    const factor = cholesky(a);
    const inverse = new LowerTriangularSolver(factor).inverse();
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) assert.equal(inverse[i * n + j], inverse[j * n + i], `(${i}, ${j})`);
    }
    assertClose(inverse, solveCholesky(factor, Matrix.eye(n)).to1DArray(), 1e-10, "vs solve(A, I)");
  });

  it("names the expected width when the rows do not match L", () => {
    const solver = new LowerTriangularSolver(cholesky(randomSpd(4, "width")));
    assert.throws(() => solver.solve(new Float64Array(10)), /n=4 columns, but got 10 values/);
  });
});

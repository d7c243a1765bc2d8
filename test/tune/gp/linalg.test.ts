import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CholeskyDecomposition, LuDecomposition, Matrix } from "ml-matrix";
import {
  cholesky,
  inverseFromCholesky,
  logDeterminant,
  NotPositiveDefiniteError,
  solveCholesky,
  solveLowerRows,
  solveLower,
} from "../../../src/tune/gp/linalg";
import { assertClose, testRng } from "./helpers";

/** A random symmetric positive-definite (n, n) matrix B·Bᵀ + n·I. */
function randomSpd(n: number, name: string): Float64Array {
  const rng = testRng(name);
  const b = Matrix.from1DArray(n, n, Array.from({ length: n * n }, () => rng.next() - 0.5));
  return Float64Array.from(b.mmul(b.transpose()).add(Matrix.eye(n).mul(n)).to1DArray());
}

describe("cholesky", () => {
  it("gives a lower-triangular L with L·Lᵀ ≈ A and no jitter for a well-conditioned matrix", () => {
    const n = 12;
    const a = randomSpd(n, "llt");
    const factor = cholesky(a, n);
    assert.equal(factor.jitter, 0);
    const l = Matrix.from1DArray(n, n, factor.lower);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(l.get(i, j), 0);
    assertClose(l.mmul(l.transpose()).to1DArray(), a, 1e-12, "L·Lᵀ");
    // The factor is unique: it agrees with ml-matrix's.
    const reference = new CholeskyDecomposition(Matrix.from1DArray(n, n, a)).lowerTriangularMatrix;
    assertClose(factor.lower, reference.to1DArray(), 1e-12, "L vs ml-matrix");
  });

  it("solves A·x = b, inverts A and gives log det A like an LU decomposition", () => {
    const n = 9;
    const a = randomSpd(n, "solve");
    const factor = cholesky(a, n);
    const rng = testRng("rhs");
    const b = Float64Array.from({ length: n }, () => rng.next());
    const x = solveCholesky(factor, b);
    const am = Matrix.from1DArray(n, n, a);
    assertClose(am.mmul(Matrix.columnVector(Array.from(x))).to1DArray(), b, 1e-12, "A·x");
    const inverse = Matrix.from1DArray(n, n, inverseFromCholesky(factor));
    assertClose(am.mmul(inverse).to1DArray(), Matrix.eye(n).to1DArray(), 1e-12, "A·A⁻¹");
    assert.ok(Math.abs(logDeterminant(factor) - Math.log(new LuDecomposition(am).determinant)) < 1e-10);
  });

  it("solves many right-hand sides given as rows like one at a time", () => {
    const n = 7;
    const m = 3;
    const factor = cholesky(randomSpd(n, "rows"), n);
    const rng = testRng("rows-rhs");
    const bt = Float64Array.from({ length: m * n }, () => rng.next());
    const xt = solveLowerRows(factor, bt, m);
    for (let r = 0; r < m; r++) {
      assertClose(xt.subarray(r * n, (r + 1) * n), solveLower(factor, bt.subarray(r * n, (r + 1) * n)), 1e-14, `row ${r}`);
    }
  });

  it("adds a small jitter to a singular positive semi-definite matrix", () => {
    // Rank one: v·vᵀ.
    const v = [1, 2, 3];
    const a = Float64Array.from({ length: 9 }, (_, k) => (v[Math.floor(k / 3)] as number) * (v[k % 3] as number));
    const factor = cholesky(a, 3);
    assert.ok(factor.jitter > 0 && factor.jitter < 1e-3, `jitter ${factor.jitter}`);
  });

  it("rejects an indefinite matrix and a wrongly sized one with clear errors", () => {
    assert.throws(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2), NotPositiveDefiniteError);
    assert.throws(() => cholesky(new Float64Array(5), 2), /n·n=4 entries, but got 5/);
  });
});

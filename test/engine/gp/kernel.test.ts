import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  crossKernel,
  kernelInputGradient,
  kernelMatrix,
  kernelParamsFromLog,
  kernelWithGradient,
  maternCorrelation,
  maternCorrelationSlope,
  pairwiseGroupDistances,
} from "../../../src/engine/gp/kernel";
import { SpaceTransform } from "../../../src/engine/gp/transform";
import { assertClose, finiteDifferenceGradient, testRng } from "./helpers";

// Two numeric parameters and one categorical with three choices: D = 5, G = 3.
const transform = new SpaceTransform({
  a: { kind: "float", low: 0, high: 1, log: false },
  b: { kind: "int", low: 1, high: 100, log: true, step: 1 },
  c: { kind: "categorical", choices: ["x", "y", "z"] },
});
const layout = transform.layout;
const theta = Float64Array.from([Math.log(0.3), Math.log(0.7), Math.log(1.5), Math.log(2)]);
const params = kernelParamsFromLog(theta, 3);

function point(a: number, b: number, choice: number): Float64Array {
  const x = Float64Array.from([a, b, 0, 0, 0]);
  x[2 + choice] = 1;
  return x;
}

describe("Matérn-5/2 kernel", () => {
  it("has m(0) = 1, dm/ds matching finite differences, and k(x, x) = σ_f²", () => {
    assert.equal(maternCorrelation(0), 1);
    for (const s of [1e-3, 0.3, 2, 9]) {
      const fd = (maternCorrelation(s + 1e-7) - maternCorrelation(s - 1e-7)) / 2e-7;
      assert.ok(Math.abs(maternCorrelationSlope(s) - fd) < 1e-6, `s=${s}`);
    }
    const x = point(0.2, 0.4, 1);
    assert.ok(Math.abs(kernelWithGradient(layout, x, x, params).value - 2) < 1e-14);
  });

  it("treats categorical choices as unordered: every pair of different choices is equally far", () => {
    const k01 = kernelWithGradient(layout, point(0.5, 0.5, 0), point(0.5, 0.5, 1), params).value;
    const k02 = kernelWithGradient(layout, point(0.5, 0.5, 0), point(0.5, 0.5, 2), params).value;
    const k12 = kernelWithGradient(layout, point(0.5, 0.5, 1), point(0.5, 0.5, 2), params).value;
    assert.ok(Math.abs(k01 - k02) < 1e-15 && Math.abs(k01 - k12) < 1e-15);
    // …and the term is exactly 1/ℓ_c²: the same as a numeric distance of ℓ_c in that group.
    assert.ok(Math.abs(k01 - 2 * maternCorrelation(1 / 1.5 ** 2)) < 1e-14);
  });

  it("has a θ-gradient matching finite differences", () => {
    const x = point(0.1, 0.9, 0);
    const y = point(0.35, 0.6, 2);
    const analytic = kernelWithGradient(layout, x, y, params).gradient;
    const numeric = finiteDifferenceGradient((t) => kernelWithGradient(layout, x, y, kernelParamsFromLog(t, 3)).value, theta);
    assertClose(analytic, numeric, 1e-7, "∂k/∂θ");
  });

  it("has an input gradient matching finite differences in numeric columns and zero in one-hot columns", () => {
    const x = point(0.1, 0.9, 0);
    const y = point(0.35, 0.6, 2);
    const analytic = kernelInputGradient(layout, x, y, params);
    const numeric = finiteDifferenceGradient((z) => kernelWithGradient(layout, z, y, params).value, x);
    assertClose(analytic.subarray(0, 2), numeric.subarray(0, 2), 1e-7, "∂k/∂x");
    assert.deepEqual(Array.from(analytic.subarray(2)), [0, 0, 0]);
  });

  it("builds K and K(A, B) whose entries are the pairwise kernel values", () => {
    const rng = testRng("kernel-matrix");
    const n = 6;
    const x = new Float64Array(n * 5);
    for (let i = 0; i < n; i++) x.set(point(rng.next(), rng.next(), rng.int(3)), i * 5);
    const k = kernelMatrix(pairwiseGroupDistances(layout, x, n), n, params, 0.1);
    const cross = crossKernel(layout, x, n, x, n, params);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const expected = kernelWithGradient(layout, x.subarray(i * 5, i * 5 + 5), x.subarray(j * 5, j * 5 + 5), params).value;
        assert.ok(Math.abs(k.get(i, j) - expected - (i === j ? 0.1 : 0)) < 1e-14);
        assert.ok(Math.abs((cross[i * n + j] as number) - expected) < 1e-14);
      }
    }
  });
});

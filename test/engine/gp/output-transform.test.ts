import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { warpOutputs, yeoJohnson } from "../../../src/engine/gp/output-transform";
import { testRng } from "./helpers";

function skewness(values: ArrayLike<number>): number {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i] as number;
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  return m3 / n / (m2 / n) ** 1.5;
}

describe("Yeo–Johnson output warping", () => {
  it("is the identity at λ = 1 and a logarithm at λ = 0 for non-negative values", () => {
    for (const y of [-2, -0.5, 0, 0.7, 3]) assert.ok(Math.abs(yeoJohnson(y, 1) - y) < 1e-12);
    assert.ok(Math.abs(yeoJohnson(2, 0) - Math.log(3)) < 1e-12);
    assert.ok(Math.abs(yeoJohnson(-2, 2) + Math.log(3)) < 1e-12);
  });

  it("removes the skew of log-normal data, keeps the order, and returns standardised values", () => {
    const rng = testRng("warp-lognormal"); // a sample whose skewness exceeds 2 under the Alea generator
    const values = Array.from({ length: 60 }, () => Math.exp(Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next())));
    assert.ok(skewness(values) > 2, `skewness ${skewness(values)}`);
    const warped = warpOutputs(values);
    assert.ok(Math.abs(skewness(warped.values)) < 0.5, `skewness ${skewness(warped.values)} with λ=${warped.lambda}`);
    const order = (v: ArrayLike<number>): number[] => Array.from(v, (_, i) => i).sort((a, b) => (v[a] as number) - (v[b] as number));
    assert.deepEqual(order(warped.values), order(values));
    const mean = warped.values.reduce((a, b) => a + b, 0) / 60;
    const variance = warped.values.reduce((a, b) => a + (b - mean) ** 2, 0) / 60;
    assert.ok(Math.abs(mean) < 1e-12 && Math.abs(variance - 1) < 1e-12);
  });

  it("leaves near-Gaussian data almost unchanged (λ near 1)", () => {
    const rng = testRng("warp-gaussian");
    const values = Array.from({ length: 200 }, () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()));
    const { lambda } = warpOutputs(values);
    assert.ok(Math.abs(lambda - 1) < 0.35, `λ=${lambda}`);
  });

  it("handles tiny and constant data sets", () => {
    assert.deepEqual(Array.from(warpOutputs([4]).values), [0]);
    assert.deepEqual(Array.from(warpOutputs([2, 2, 2]).values), [0, 0, 0]);
  });
});

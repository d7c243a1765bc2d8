import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { logExpectedImprovement, logH, normalCdf, normalDensity } from "../../../src/engine/gp/acquisition";

/** EI = ∫ max(f* − y, 0) N(y; μ, σ²) dy by Simpson's rule over μ ± 12σ (an independent reference). */
function expectedImprovementByQuadrature(mean: number, sigma: number, best: number): number {
  const lo = mean - 12 * sigma;
  const hi = Math.min(best, mean + 12 * sigma);
  if (hi <= lo) return 0;
  const steps = 20000;
  const h = (hi - lo) / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const y = lo + i * h;
    const w = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2;
    sum += w * (best - y) * normalDensity((y - mean) / sigma) / sigma;
  }
  return (sum * h) / 3;
}

describe("normal distribution function", () => {
  it("matches reference values in the body and far in both tails", () => {
    const reference: [number, number][] = [
      [0, 0.5],
      [-1, 0.15865525393145707],
      [1.96, 0.9750021048517795],
      [-5, 2.866515718791939e-7],
      [-10, 7.61985302416047e-24],
      [-30, 4.906713927148187e-198],
    ];
    for (const [z, p] of reference) assert.ok(Math.abs(normalCdf(z) / p - 1) < 1e-12, `Φ(${z}) = ${normalCdf(z)}, expected ${p}`);
  });
});

describe("log expected improvement", () => {
  it("agrees with a direct integration of EI wherever EI is representable", () => {
    for (const [mean, sigma, best] of [
      [0, 1, 0],
      [0.3, 0.5, -0.2],
      [-1, 0.2, 0.5],
      [2, 0.7, -1.5], // z = −5
      [3, 0.4, 0], // z = −7.5
    ] as const) {
      const direct = expectedImprovementByQuadrature(mean, sigma, best);
      const fromLog = Math.exp(logExpectedImprovement(mean, sigma * sigma, best).value);
      assert.ok(Math.abs(fromLog / direct - 1) < 1e-7, `μ=${mean} σ=${sigma} f*=${best}: ${fromLog} vs ${direct}`);
    }
  });

  it("is continuous where the computation switches to the continued fraction (z = −4)", () => {
    const below = logH(-4 - 1e-9).value;
    const above = logH(-4 + 1e-9).value;
    assert.ok(Math.abs(below - above) < 1e-7, `${below} vs ${above}`);
  });

  it("stays finite, decreasing and on its asymptote −z²/2 − log√(2π) − 2 log|z| far into the tail", () => {
    let previous = Infinity;
    for (const z of [-10, -40, -100, -1e3, -1e5]) {
      const { value, slope } = logH(z);
      assert.ok(Number.isFinite(value) && value < previous, `log h(${z}) = ${value}`);
      previous = value;
      const asymptote = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(-z);
      assert.ok(Math.abs(value - asymptote) < 4 / (z * z) + 1e-15 * Math.abs(asymptote), `z=${z}: ${value} vs ${asymptote}`);
      assert.ok(slope > 0 && Number.isFinite(slope));
    }
    // EI itself underflows there, log EI does not.
    assert.equal(Math.exp(logExpectedImprovement(100, 1, 0).value), 0);
    assert.ok(Number.isFinite(logExpectedImprovement(100, 1, 0).value));
  });

  it("has derivatives in μ and σ² matching finite differences, in the body and in the tail", () => {
    for (const [mean, variance, best] of [
      [0.2, 0.3, 0],
      [1, 0.01, 0], // z = −10
    ] as const) {
      const lei = logExpectedImprovement(mean, variance, best);
      const h = 1e-7;
      const dMean = (logExpectedImprovement(mean + h, variance, best).value - logExpectedImprovement(mean - h, variance, best).value) / (2 * h);
      const dVar = (logExpectedImprovement(mean, variance + h * variance, best).value - logExpectedImprovement(mean, variance - h * variance, best).value) / (2 * h * variance);
      assert.ok(Math.abs(lei.dMean - dMean) < 1e-5 * Math.max(1, Math.abs(dMean)), `dμ ${lei.dMean} vs ${dMean}`);
      assert.ok(Math.abs(lei.dVariance - dVar) < 1e-5 * Math.max(1, Math.abs(dVar)), `dσ² ${lei.dVariance} vs ${dVar}`);
    }
  });

  it("rejects a non-positive variance", () => {
    assert.throws(() => logExpectedImprovement(0, 0, 0), /variance must be positive, but got 0/);
  });
});

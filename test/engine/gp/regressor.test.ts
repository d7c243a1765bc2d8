import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { kernelParamsFromLog } from "../../../src/engine/gp/kernel";
import { GaussianProcess, standardize } from "../../../src/engine/gp/regressor";
import { SpaceTransform } from "../../../src/engine/gp/transform";
import { assertClose, finiteDifferenceGradient, randomPoints, testRng } from "./helpers";

const transform = new SpaceTransform({
  a: { kind: "float", low: 0, high: 1, log: false },
  b: { kind: "float", low: 0, high: 1, log: false },
  c: { kind: "categorical", choices: [true, false] },
});
const D = transform.layout.width; // 4

function trainingSet(n: number): { x: Float64Array; y: Float64Array } {
  const rng = testRng(`regressor-${n}`);
  const x = new Float64Array(n * D);
  for (let i = 0; i < n; i++) x.set(transform.fromUnitPoint([rng.next(), rng.next(), rng.next()]), i * D);
  const raw = Array.from({ length: n }, (_, i) => Math.cos(5 * (x[i * D] as number)) * 10 + 3 * (x[i * D + 1] as number) + 4 * (x[i * D + 2] as number));
  return { x, y: standardize(raw).values };
}

describe("GaussianProcess", () => {
  const kernel = kernelParamsFromLog([Math.log(0.3), Math.log(0.5), Math.log(1), 0], 3);

  it("interpolates a noiseless training point: mean ≈ its value, variance ≈ 0", () => {
    const { x, y } = trainingSet(20);
    const gp = new GaussianProcess(transform.layout, x, y, kernel, 1e-10);
    const { mean, variance } = gp.predict(x, 20);
    assertClose(mean, y, 1e-5, "posterior mean at training points");
    for (const v of variance) assert.ok(v < 1e-6, `variance ${v}`);
  });

  it("reverts to the prior far from the data: mean 0, variance σ_f²", () => {
    const x = Float64Array.from([0, 0, 1, 0]);
    const gp = new GaussianProcess(transform.layout, x, [1.5], kernelParamsFromLog([Math.log(0.01), Math.log(0.01), Math.log(0.01), 0], 3), 1e-6);
    const far = gp.predict(Float64Array.from([1, 1, 0, 1]), 1);
    assert.ok(Math.abs(far.mean[0] as number) < 1e-12);
    assert.ok(Math.abs((far.variance[0] as number) - 1) < 1e-12);
  });

  it("gives the same mean and variance one point at a time, with gradients matching finite differences", () => {
    const { x, y } = trainingSet(15);
    const gp = new GaussianProcess(transform.layout, x, y, kernel, 1e-4);
    const rng = testRng("regressor-query");
    const queries = randomPoints(rng, 3, D);
    const batch = gp.predict(queries, 3);
    for (let r = 0; r < 3; r++) {
      const q = queries.slice(r * D, (r + 1) * D);
      const single = gp.predictWithGradient(q);
      assert.ok(Math.abs(single.mean - (batch.mean[r] as number)) < 1e-12);
      assert.ok(Math.abs(single.variance - (batch.variance[r] as number)) < 1e-12);
      const fdMean = finiteDifferenceGradient((z) => gp.predictWithGradient(z).mean, q);
      const fdVar = finiteDifferenceGradient((z) => gp.predictWithGradient(z).variance, q);
      assertClose(single.meanGradient.subarray(0, 2), fdMean.subarray(0, 2), 1e-6, "∇μ");
      assertClose(single.varianceGradient.subarray(0, 2), fdVar.subarray(0, 2), 1e-6, "∇σ²");
    }
  });

  it("standardises to mean 0 and deviation 1, and leaves constant data at scale 1", () => {
    const s = standardize([1, 2, 3, 4]);
    assert.equal(s.mean, 2.5);
    assert.ok(Math.abs(s.values.reduce((a, b) => a + b * b, 0) / 4 - 1) < 1e-14);
    assert.deepEqual(Array.from(standardize([5, 5]).values), [0, 0]);
    // Values near the float range do not overflow.
    const huge = standardize([1e300, -1e300, 1e300, -1e300]);
    assert.deepEqual(Array.from(huge.values), [1, -1, 1, -1]);
    assert.equal(huge.scale, 1e300);
    assert.throws(() => standardize([1, Infinity]), /must be finite/);
    assert.throws(() => standardize([]), /at least one value/);
  });

  it("rejects inputs whose size does not match the observations", () => {
    assert.throws(() => new GaussianProcess(transform.layout, new Float64Array(7), [1, 2], kernel, 1e-6), /\(n=2, D=4\) = 8 entries, but got 7/);
  });
});

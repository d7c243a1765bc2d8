import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LuDecomposition, Matrix } from "ml-matrix";
import { kernelMatrix, kernelParamsFromLog, pairwiseGroupDistances } from "../../../src/engine/gp/kernel";
import { logMarginalLikelihood, type LikelihoodData } from "../../../src/engine/gp/likelihood";
import { logPosterior } from "../../../src/engine/gp/fit";
import { SpaceTransform } from "../../../src/engine/gp/transform";
import { assertClose, finiteDifferenceGradient, randomPoints, testRng } from "./helpers";

const transform = new SpaceTransform({
  a: { kind: "float", low: 0, high: 1, log: false },
  b: { kind: "float", low: 0, high: 1, log: false },
});

function dataSet(n: number): { data: LikelihoodData; x: Float64Array } {
  const rng = testRng(`likelihood-${n}`);
  const x = randomPoints(rng, n, 2);
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(6 * (x[2 * i] as number)) + (x[2 * i + 1] as number) ** 2);
  return { data: { n, groupCount: 2, pairDistances: pairwiseGroupDistances(transform.layout, x, n), y }, x };
}

describe("log marginal likelihood", () => {
  const theta = Float64Array.from([Math.log(0.4), Math.log(0.8), Math.log(1.3), Math.log(0.01)]);

  it("equals −½ yᵀK⁻¹y − ½ log|K| − n/2 log 2π computed with ml-matrix", () => {
    const { data } = dataSet(8);
    const k = kernelMatrix(data.pairDistances, 8, kernelParamsFromLog(theta, 2), 0.01);
    const y = Matrix.columnVector(Array.from(data.y));
    const fit = y.transpose().mmul(new LuDecomposition(k).solve(y)).get(0, 0);
    const expected = -0.5 * fit - 0.5 * Math.log(new LuDecomposition(k).determinant) - 4 * Math.log(2 * Math.PI);
    assert.ok(Math.abs(logMarginalLikelihood(data, theta).value - expected) < 1e-9);
  });

  it("has a gradient matching finite differences (likelihood and penalised posterior)", () => {
    const { data } = dataSet(15);
    const numeric = finiteDifferenceGradient((t) => logMarginalLikelihood(data, t).value, theta, 1e-5);
    assertClose(logMarginalLikelihood(data, theta).gradient, numeric, 1e-5, "∂ log p/∂θ");
    const numericPosterior = finiteDifferenceGradient((t) => logPosterior(data, t).value, theta, 1e-5);
    assertClose(logPosterior(data, theta).gradient, numericPosterior, 1e-5, "∂ log posterior/∂θ");
  });

  it("names the expected size of θ when it is wrong", () => {
    assert.throws(() => logMarginalLikelihood(dataSet(3).data, [0, 0]), /G \+ 2 = 4 entries, but got 2/);
  });
});

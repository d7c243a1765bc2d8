import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fitHyperparameters, hyperparameterBounds, logPosterior, firstStart } from "../../../src/engine/gp/fit";
import { pairwiseGroupDistances } from "../../../src/engine/gp/kernel";
import { minimizeBounded } from "../../../src/engine/gp/lbfgs";
import { standardize } from "../../../src/engine/gp/regressor";
import { SpaceTransform } from "../../../src/engine/gp/transform";
import { randomPoints, testRng } from "./helpers";

describe("minimizeBounded (L-BFGS in a box)", () => {
  const rosenbrock = (x: Float64Array): { value: number; gradient: Float64Array } => {
    const [a, b] = [x[0] as number, x[1] as number];
    return {
      value: (1 - a) ** 2 + 100 * (b - a * a) ** 2,
      gradient: Float64Array.from([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)]),
    };
  };

  it("finds the minimum of the Rosenbrock function inside the box", () => {
    const result = minimizeBounded(rosenbrock, [-1.2, 1], [-2, -2], [2, 2], { maxIterations: 200, gradientTolerance: 1e-8, relativeTolerance: 0 });
    assert.ok(Math.abs((result.x[0] as number) - 1) < 1e-4 && Math.abs((result.x[1] as number) - 1) < 1e-4, `${result.x}`);
  });

  it("stops on the boundary when the minimum lies outside the box", () => {
    const result = minimizeBounded(rosenbrock, [0, 0], [-2, -2], [0.5, 2], { maxIterations: 200, gradientTolerance: 1e-8, relativeTolerance: 0 });
    assert.equal(result.x[0], 0.5);
    assert.ok(Math.abs((result.x[1] as number) - 0.25) < 1e-4, `${result.x}`);
  });
});

describe("fitHyperparameters", () => {
  const transform = new SpaceTransform({
    a: { kind: "float", low: 0, high: 1, log: false },
    b: { kind: "float", low: 0, high: 1, log: false },
  });

  it("finds a local maximum of the penalised likelihood better than its start, within the bounds", () => {
    const n = 30;
    const x = randomPoints(testRng("fit-data"), n, 2);
    // The function varies fast along a and not at all along b: ℓ_a should come out far smaller.
    const y = standardize(Array.from({ length: n }, (_, i) => Math.sin(12 * (x[2 * i] as number)))).values;
    const data = { n, groupCount: 2, pairDistances: pairwiseGroupDistances(transform.layout, x, n), y };
    const fitted = fitHyperparameters(data, testRng("fit-starts"), { restarts: 2 });
    assert.ok(fitted.logPosterior > logPosterior(data, firstStart(2)).value);
    const { lower, upper } = hyperparameterBounds(2);
    fitted.theta.forEach((t, i) => assert.ok(t >= (lower[i] as number) && t <= (upper[i] as number)));
    assert.ok((fitted.kernel.lengthScales[0] as number) * 3 < (fitted.kernel.lengthScales[1] as number), `${fitted.kernel.lengthScales}`);
    // A local maximum: the gradient vanishes in the free coordinates.
    const { gradient } = logPosterior(data, fitted.theta);
    gradient.forEach((g, i) => {
      const atBound = fitted.theta[i] === lower[i] || fitted.theta[i] === upper[i];
      assert.ok(atBound || Math.abs(g) < 1e-2, `∂/∂θ_${i} = ${g}`);
    });
  });

  it("depends only on its inputs: the same data and seed give the same fit", () => {
    const n = 12;
    const x = randomPoints(testRng("fit-repeat"), n, 2);
    const y = standardize(Array.from({ length: n }, (_, i) => (x[2 * i] as number) + (x[2 * i + 1] as number) ** 3)).values;
    const data = { n, groupCount: 2, pairDistances: pairwiseGroupDistances(transform.layout, x, n), y };
    const first = fitHyperparameters(data, testRng("same"));
    const second = fitHyperparameters(data, testRng("same"));
    assert.deepEqual(Array.from(first.theta), Array.from(second.theta));
  });
});

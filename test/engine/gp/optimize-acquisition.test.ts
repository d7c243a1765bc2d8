import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { logExpectedImprovement } from "../../../src/engine/gp/acquisition";
import { kernelParamsFromLog } from "../../../src/engine/gp/kernel";
import { maximizeLogExpectedImprovement } from "../../../src/engine/gp/optimize-acquisition";
import { GaussianProcess, standardize } from "../../../src/engine/gp/regressor";
import { SpaceTransform } from "../../../src/engine/gp/transform";
import { SobolSequence } from "../../../src/engine/sobol";
import type { SearchSpace } from "../../../src/engine/types";
import { testRng } from "./helpers";

function conditionedGp(transform: SpaceTransform, points: number[][], f: (u: number[]) => number): { gp: GaussianProcess; best: number; x: Float64Array[] } {
  const D = transform.layout.width;
  const xs = points.map((u) => transform.snap(transform.fromUnitPoint(u)));
  const packed = new Float64Array(xs.length * D);
  xs.forEach((x, i) => packed.set(x, i * D));
  const y = standardize(points.map(f)).values;
  const G = transform.layout.groups.length;
  const gp = new GaussianProcess(transform.layout, packed, y, kernelParamsFromLog([...Array(G).fill(Math.log(0.2)), 0], G), 1e-6);
  return { gp, best: Math.min(...y), x: xs };
}

describe("maximizeLogExpectedImprovement", () => {
  it("proposes a point near the minimum of a smooth 1-D function, better than any base point", () => {
    const space: SearchSpace = { a: { kind: "float", low: 0, high: 1, log: false } };
    const transform = new SpaceTransform(space);
    const f = (u: number[]): number => ((u[0] as number) - 0.62) ** 2;
    const { gp, best } = conditionedGp(transform, [[0.1], [0.3], [0.5], [0.7], [0.9]], f);
    const base = new SobolSequence(1, { seed: 1 }).take(64);
    const result = maximizeLogExpectedImprovement(gp, transform, best, { basePoints: base, incumbents: [], rng: testRng("opt-1d"), exclude: new Set() });
    assert.ok(result !== undefined);
    assert.ok(Math.abs((result.point[0] as number) - 0.62) < 0.1, `proposed ${result.point[0]}`);
    const baseBest = Math.max(
      ...base.map((u) => {
        const p = gp.predict(transform.fromUnitPoint(u), 1);
        return logExpectedImprovement(p.mean[0] as number, p.variance[0] as number, best).value;
      }),
    );
    assert.ok(result.logExpectedImprovement >= baseBest, `${result.logExpectedImprovement} < ${baseBest}`);
  });

  it("returns only grid points of a discrete space and never one that is excluded", () => {
    const space: SearchSpace = {
      n: { kind: "int", low: 0, high: 4, log: false, step: 1 },
      c: { kind: "categorical", choices: ["a", "b"] },
    };
    const transform = new SpaceTransform(space);
    const { gp, best, x } = conditionedGp(transform, [[0.1, 0.2], [0.5, 0.7], [0.9, 0.2]], (u) => (u[0] as number) + (u[1] as number));
    const exclude = new Set(x.map((p) => transform.key(p)));
    const rng = testRng("opt-discrete");
    const base = new SobolSequence(2, { seed: 2 }).take(32);
    // Ask until the 10 configurations are used up: each answer is new, and then there is none.
    for (let k = 0; k < 7; k++) {
      const result = maximizeLogExpectedImprovement(gp, transform, best, { basePoints: base, incumbents: x, rng, exclude });
      assert.ok(result !== undefined, `configuration ${k + 4} of 10 not found`);
      const key = transform.key(result.point);
      assert.ok(!exclude.has(key), `proposed an excluded configuration ${key}`);
      assert.deepEqual(Array.from(transform.snap(result.point)), Array.from(result.point));
      exclude.add(key);
    }
    assert.equal(maximizeLogExpectedImprovement(gp, transform, best, { basePoints: base, incumbents: x, rng, exclude }), undefined);
  });
});

/** Pareto dominance, non-dominated sorting, crowding distance and hypervolume on hand-computed fronts. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { createRng } from "../../src/common/random";
import { crowdingDistance, dominates, hypervolume, nonDominatedSort, paretoFrontIndices, toMinimization } from "../../src/engine/pareto";

// A(1,5) B(2,3) C(3,4) D(4,1) E(2,3)=B F(5,5): B ≺ C ≺ F, and A, B, D, E are non-dominated.
const POINTS = [
  [1, 5],
  [2, 3],
  [3, 4],
  [4, 1],
  [2, 3],
  [5, 5],
];

describe("dominance", () => {
  test("a point dominates another when no worse everywhere and better somewhere; equal points dominate neither", () => {
    assert.equal(dominates([2, 3], [3, 4]), true);
    assert.equal(dominates([2, 4], [3, 4]), true);
    assert.equal(dominates([3, 4], [2, 3]), false);
    assert.equal(dominates([1, 5], [4, 1]), false);
    assert.equal(dominates([2, 3], [2, 3]), false);
  });

  test("maximised objectives are negated for minimisation, and a wrong count is refused", () => {
    assert.deepEqual(toMinimization([0.9, 12], ["maximize", "minimize"]), [-0.9, 12]);
    assert.throws(() => toMinimization([1], ["maximize", "minimize"]), /expected 2 values \(one per direction\), but got 1/);
  });
});

describe("non-dominated sorting", () => {
  test("sorts into fronts, duplicates sharing a front", () => {
    assert.deepEqual(nonDominatedSort(POINTS), [[0, 1, 3, 4], [2], [5]]);
    assert.deepEqual(paretoFrontIndices(POINTS), [0, 1, 3, 4]);
  });

  test("empty input gives no fronts; mutually non-dominated points give one", () => {
    assert.deepEqual(nonDominatedSort([]), []);
    assert.deepEqual(nonDominatedSort([[1, 3], [2, 2], [3, 1]]), [[0, 1, 2]]);
  });

  test("three objectives: a chain of dominance gives one front per point", () => {
    assert.deepEqual(nonDominatedSort([[3, 3, 3], [1, 1, 1], [2, 2, 2], [1, 2, 0]]), [[1, 3], [2], [0]]);
  });
});

describe("crowding distance", () => {
  test("extremes are infinite; the middle point sums its neighbours' normalised gaps", () => {
    // objective 0: (4 − 1) / 3 = 1; objective 1: (5 − 1) / 4 = 1.
    assert.deepEqual(crowdingDistance([[1, 5], [2, 3], [4, 1]]), [Infinity, 2, Infinity]);
  });

  test("duplicates get distances from their sorted neighbours (ties by position)", () => {
    // objective 0 order 0,1,2,3: (2−1)/3 and (4−2)/3; objective 1 order 3,1,2,0: (3−1)/4 and (5−3)/4.
    const d = crowdingDistance([[1, 5], [2, 3], [2, 3], [4, 1]]);
    assert.equal(d[0], Infinity);
    assert.equal(d[3], Infinity);
    assert.ok(Math.abs((d[1] as number) - (1 / 3 + 1 / 2)) < 1e-12);
    assert.ok(Math.abs((d[2] as number) - (2 / 3 + 1 / 2)) < 1e-12);
  });

  test("a flat objective adds nothing, and two points are both extremes", () => {
    assert.deepEqual(crowdingDistance([[1, 2], [2, 2], [3, 2]]), [Infinity, 1, Infinity]);
    assert.deepEqual(crowdingDistance([[1, 2], [2, 1]]), [Infinity, Infinity]);
    assert.deepEqual(crowdingDistance([]), []);
  });
});

/** HV by inclusion–exclusion over every subset: Σ_{S≠∅} (−1)^{|S|+1} Π_k (r_k − max_{y∈S} y_k). */
function inclusionExclusion(points: readonly (readonly number[])[], reference: readonly number[]): number {
  let total = 0;
  for (let mask = 1; mask < 1 << points.length; mask++) {
    const members = points.filter((_, i) => (mask >> i) & 1);
    let volume = 1;
    for (let k = 0; k < reference.length; k++) volume *= Math.max(0, (reference[k] as number) - Math.max(...members.map((p) => p[k] as number)));
    total += (members.length % 2 === 1 ? 1 : -1) * volume;
  }
  return total;
}

describe("hypervolume", () => {
  test("2-d: the union of the boxes to the reference (5 + 8 + 4 = 17)", () => {
    assert.equal(hypervolume([[1, 5], [2, 3], [4, 1]], [6, 6]), 17);
  });

  test("2-d: dominated, duplicate and outside points add nothing", () => {
    assert.equal(hypervolume(POINTS, [6, 6]), 17);
    assert.equal(hypervolume([...POINTS, [7, 0], [6, 0], [0, 6]], [6, 6]), 17);
    assert.equal(hypervolume([], [6, 6]), 0);
    assert.equal(hypervolume([[7, 7]], [6, 6]), 0);
  });

  test("1-d: the distance from the best point to the reference", () => {
    assert.equal(hypervolume([[3], [1], [2]], [5]), 4);
  });

  test("3-d: two and three boxes by hand (6 + 12 − 4 = 14; then 15)", () => {
    assert.equal(hypervolume([[1, 1, 1]], [4, 4, 4]), 27);
    assert.equal(hypervolume([[1, 2, 3], [2, 1, 2]], [4, 4, 4]), 14);
    assert.equal(hypervolume([[1, 2, 3], [2, 1, 2], [3, 3, 1]], [4, 4, 4]), 15);
  });

  test("3-d and 4-d: agrees with inclusion–exclusion on random small sets", () => {
    for (const m of [2, 3, 4]) {
      for (let s = 0; s < 20; s++) {
        const rng = createRng(11, "hv", m, s);
        const points = Array.from({ length: 2 + rng.int(6) }, () => Array.from({ length: m }, () => Math.round(rng.next() * 100) / 10));
        const reference = Array.from({ length: m }, () => 10);
        const exact = inclusionExclusion(points, reference);
        const got = hypervolume(points, reference);
        assert.ok(Math.abs(got - exact) < 1e-9 * Math.max(1, exact), `m=${m} set ${s}: ${got} vs inclusion–exclusion ${exact}`);
      }
    }
  });

  test("points must have the reference's dimension", () => {
    assert.throws(() => hypervolume([[1, 2, 3]], [4, 4]), /every point needs 2 coordinates \(the reference's\), but got 3/);
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { categorical, fixed, floatDistribution, intDistribution } from "../../src/engine/distributions";
import {
  canonicalPoint,
  continuousParameters,
  finiteSpaceSize,
  heldPointKeys,
  intersectionSpace,
  isFiniteSpace,
  MAX_LISTED_POINTS,
  pointKey,
  PointGrid,
  samePoint,
  spaceSize,
  untriedPoints,
} from "../../src/engine/search-space";
import { newTrial } from "../../src/engine/storage/storage";
import type { FrozenTrial, Params, SearchSpace, TrialState } from "../../src/engine/types";

const finite: SearchSpace = {
  units: intDistribution(16, 64, { step: 16 }),
  act: categorical(["relu", "tanh"]),
  rate: floatDistribution(0, 0.3, { step: 0.1 }),
  seed: fixed(7),
};

function trial(number: number, params: Params, state: TrialState = "complete", distributions: SearchSpace = {}): FrozenTrial {
  return { number, ...newTrial(state, { params, distributions }) };
}

describe("search space: size", () => {
  test("is the product of the per-axis counts, without listing", () => {
    assert.equal(spaceSize(finite), 4 * 2 * 4 * 1);
    assert.equal(finiteSpaceSize(finite), 32);
    assert.equal(spaceSize({}), 1);
    assert.equal(spaceSize({ n: intDistribution(0, 1e12) }), 1e12 + 1);
  });

  test("is infinite (undefined) with a continuous float, which is named", () => {
    const space = { ...finite, lr: floatDistribution(1e-4, 1e-1, { log: true }) };
    assert.equal(spaceSize(space), Infinity);
    assert.equal(finiteSpaceSize(space), undefined);
    assert.equal(isFiniteSpace(space), false);
    assert.deepEqual(continuousParameters(space), ["lr"]);
    assert.deepEqual(continuousParameters(finite), []);
  });

  test("reads a step grid with the distributions' tolerance (0.1 steps over 0…0.3 are 4 values)", () => {
    assert.equal(spaceSize({ x: floatDistribution(0, 0.3, { step: 0.1 }) }), 4);
    assert.equal(spaceSize({ x: floatDistribution(0.1, 0.7, { step: 0.2 }) }), 4);
  });
});

describe("search space: enumeration", () => {
  test("lists every point once, in mixed-radix order with the last parameter fastest", () => {
    const grid = new PointGrid(finite);
    assert.equal(grid.size, 32);
    const points = Array.from({ length: grid.size }, (_, i) => grid.pointAt(i));
    assert.deepEqual(points[0], { units: 16, act: "relu", rate: 0, seed: 7 });
    assert.deepEqual(points[1], { units: 16, act: "relu", rate: 0.1, seed: 7 });
    assert.deepEqual(points[4], { units: 16, act: "tanh", rate: 0, seed: 7 });
    assert.equal(new Set(points.map((p) => pointKey(finite, p))).size, 32);
    points.forEach((point, i) => assert.equal(grid.indexOf(point), i));
  });

  test("takes explicit axes, dropping repeats, and finds only its own points", () => {
    const space = { x: intDistribution(0, 10), c: categorical(["a", "b", "c"]) };
    const grid = new PointGrid(space, [[0, 5, 5, 10], ["c", "a"]]);
    assert.deepEqual(grid.axes, [[0, 5, 10], ["c", "a"]]);
    assert.equal(grid.size, 6);
    assert.equal(grid.indexOf({ x: 5, c: "a" }), 3);
    assert.equal(grid.indexOf({ x: 4, c: "a" }), undefined, "4 is in the space but not on the axis");
    assert.equal(grid.indexOf({ x: 5 }), undefined, "a missing parameter is no point");
  });

  test("lists the untried points of a finite space, and refuses one too large to list", () => {
    const space = { x: intDistribution(0, 2), y: categorical([true, false]) };
    const held = heldPointKeys(space, [trial(0, { x: 0, y: true }), trial(1, { y: false, x: 2 }), trial(2, { x: 9, y: true })]);
    assert.equal(held.size, 2, "x = 9 is not a point of the space");
    assert.deepEqual(untriedPoints(space, held), [
      { x: 0, y: false },
      { x: 1, y: true },
      { x: 1, y: false },
      { x: 2, y: true },
    ]);
    assert.equal(untriedPoints({ x: intDistribution(0, MAX_LISTED_POINTS) }, new Set()), undefined);
    assert.equal(untriedPoints({ x: floatDistribution(0, 1) }, new Set()), undefined);
  });
});

describe("search space: point identity", () => {
  test("one tolerance rule: a value within the grid tolerance of a step value is that value", () => {
    const space = { rate: floatDistribution(0, 1, { step: 0.1 }), act: categorical(["relu", "tanh"]) };
    assert.ok(samePoint(space, { rate: 0.1 * 3, act: "relu" }, { act: "relu", rate: 0.3 }));
    assert.deepEqual(canonicalPoint(space, { rate: 0.30000000000000004, act: "relu", extra: 1 }), { rate: 0.3, act: "relu" });
    assert.ok(!samePoint(space, { rate: 0.2, act: "relu" }, { rate: 0.3, act: "relu" }));
  });

  test("continuous floats are compared exactly; keys ignore other parameters and key order", () => {
    const space = { lr: floatDistribution(0, 1) };
    assert.ok(!samePoint(space, { lr: 0.3 }, { lr: 0.1 + 0.2 }));
    assert.equal(pointKey(finite, { seed: 7, rate: 0.1, act: "tanh", units: 32, other: "x" }), pointKey(finite, { units: 32, act: "tanh", rate: 0.1, seed: 7 }));
  });

  test("a record missing a parameter, or with a value outside it, is no point of the space", () => {
    assert.equal(pointKey(finite, { units: 16, act: "relu", rate: 0 }), undefined);
    assert.equal(pointKey(finite, { units: 17, act: "relu", rate: 0, seed: 7 }), undefined);
    assert.ok(!samePoint(finite, { units: 16 }, { units: 16 }));
  });
});

describe("search space: intersection of complete trials", () => {
  test("keeps the parameters every complete trial has with an equal distribution", () => {
    const a = { x: floatDistribution(0, 1), n: intDistribution(1, 3), c: categorical(["a"]) };
    const b = { x: floatDistribution(0, 1), n: intDistribution(1, 4) };
    const trials = [
      trial(0, {}, "complete", a),
      trial(1, {}, "failed", {}),
      trial(2, {}, "running", {}),
      trial(3, {}, "complete", b),
    ];
    assert.deepEqual(intersectionSpace(trials), { x: floatDistribution(0, 1) });
    assert.deepEqual(intersectionSpace([]), {});
  });
});

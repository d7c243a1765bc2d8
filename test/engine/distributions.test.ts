import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  cardinality,
  categorical,
  contains,
  DistributionError,
  distributionFromJSON,
  distributionToJSON,
  enumerateValues,
  fixed,
  floatDistribution,
  fromInternal,
  fromUnit,
  intDistribution,
  sampleUniform,
  snap,
  toInternal,
  toUnit,
} from "../../src/engine/distributions";
import { createRng } from "../../src/common/random";
import type { Distribution } from "../../src/engine/types";

const examples: Distribution[] = [
  floatDistribution(-1, 2),
  floatDistribution(1e-5, 1, { log: true }),
  floatDistribution(0, 1, { step: 0.1 }),
  intDistribution(1, 10),
  intDistribution(1, 1024, { log: true }),
  intDistribution(-10, 20, { step: 5 }),
  categorical(["relu", 1, true, null, 0.5]),
  fixed("adam"),
];

describe("distribution constructors", () => {
  test("state the broken rule and the values", () => {
    const cases: [() => unknown, RegExp][] = [
      [() => floatDistribution(3, 1), /`low <= high` must hold, but got \(low=3, high=1\)/],
      [() => floatDistribution(-1e308, 1e308), /float: `high - low` must be a finite number, but got \(low=-1e\+308, high=1e\+308\), whose difference overflows/],
      [() => floatDistribution(0, 1, { log: true }), /`low > 0` must hold when log=true, but got \(low=0, high=1\)/],
      [() => floatDistribution(1, 2, { log: true, step: 0.5 }), /`step` and `log` cannot be used together/],
      [() => floatDistribution(0, 1, { step: 0 }), /`step > 0` must hold, but got step=0/],
      [() => floatDistribution(0, 1, { step: 0.3 }), /`high - low` must be a multiple of `step`, but got \(low=0, high=1, step=0.3\)/],
      [() => floatDistribution(Number.NaN, 1), /must be finite numbers, but got \(low=NaN, high=1\)/],
      [() => intDistribution(1.5, 3), /must be integers, but got \(low=1.5, high=3\)/],
      [() => intDistribution(0, 8, { log: true }), /`low >= 1` must hold when log=true/],
      [() => intDistribution(1, 8, { log: true, step: 2 }), /`step` must be 1 when log=true/],
      [() => intDistribution(0, 10, { step: 3 }), /multiple of `step`, but got \(low=0, high=10, step=3\)/],
      [() => intDistribution(0, 10, { step: 0 }), /`step` must be a positive integer, but got step=0/],
      [() => categorical([]), /non-empty list/],
      [() => categorical(["a", "b", "a"]), /distinct, but got "a" at indices 0 and 2/],
      [() => categorical([1, Number.POSITIVE_INFINITY]), /choices\[1\]=Infinity/],
      [() => categorical([{ a: 1 } as unknown as string]), /choices\[0\]=\{"a":1\}/],
      [() => fixed(Number.NaN), /finite number, string, boolean or null, but got NaN/],
    ];
    for (const [make, message] of cases) assert.throws(make, (e: unknown) => e instanceof DistributionError && message.test(e.message));
  });

  test("accept the edge cases that are valid", () => {
    assert.equal(cardinality(floatDistribution(2, 2)), 1);
    assert.equal(cardinality(intDistribution(-10, 20, { step: 5 })), 7);
    assert.equal(cardinality(floatDistribution(0, 1, { step: 0.1 })), 11);
    assert.equal(cardinality(floatDistribution(0, 1)), Infinity);
  });
});

describe("JSON form", () => {
  test("round-trips every kind, through text too", () => {
    for (const dist of examples) {
      assert.deepEqual(distributionFromJSON(distributionToJSON(dist)), dist);
      assert.deepEqual(distributionFromJSON(JSON.stringify(distributionToJSON(dist))), dist);
    }
  });

  test("validates what it reads", () => {
    assert.throws(() => distributionFromJSON({ kind: "float", low: 5, high: 1 }), /`low <= high` must hold, but got \(low=5, high=1\)/);
    assert.throws(() => distributionFromJSON({ kind: "normal" }), /`kind` must be one of "float", "int", "categorical", "fixed", but got kind="normal"/);
    assert.throws(() => distributionFromJSON("[1,2]"), /must be a JSON object, but got \[1,2\]/);
    assert.throws(() => distributionFromJSON("{oops"), /valid JSON/);
    assert.deepEqual(distributionFromJSON({ kind: "int", low: 1, high: 3 }), intDistribution(1, 3));
  });
});

describe("membership, internal floats and snapping", () => {
  test("contains checks bounds, integer-ness, the step grid, choices and JSON types", () => {
    assert.ok(contains(floatDistribution(0, 1, { step: 0.1 }), 0.30000000000000004));
    assert.ok(!contains(floatDistribution(0, 1, { step: 0.1 }), 0.35));
    assert.ok(!contains(floatDistribution(0, 1), 1.01));
    assert.ok(!contains(floatDistribution(0, 1), "0.5"));
    assert.ok(!contains(intDistribution(1, 10), 2.5));
    assert.ok(!contains(intDistribution(-10, 20, { step: 5 }), 7));
    assert.ok(contains(intDistribution(-10, 20, { step: 5 }), -5));
    assert.ok(contains(categorical([1, "1", true]), "1"));
    assert.ok(!contains(categorical([1, "1"]), true));
    assert.ok(contains(categorical([null]), null));
    assert.ok(!contains(fixed(3), "3"));
  });

  test("toInternal and fromInternal are inverse (categorical → index)", () => {
    const rng = createRng(1, "internal");
    for (const dist of examples) {
      for (let i = 0; i < 50; i++) {
        const value = sampleUniform(dist, rng);
        assert.deepEqual(fromInternal(dist, toInternal(dist, value)), value);
      }
    }
    assert.equal(toInternal(categorical(["a", "b", "c"]), "c"), 2);
    assert.throws(() => toInternal(intDistribution(1, 3), 4), /value 4 is not in the distribution/);
  });

  test("snap clamps and rounds to the nearest valid value", () => {
    assert.equal(snap(floatDistribution(0, 1, { step: 0.1 }), 0.26), 0.3);
    assert.equal(snap(floatDistribution(0, 1, { step: 0.1 }), 7), 1);
    assert.equal(snap(floatDistribution(0, 1), -2), 0);
    assert.equal(snap(intDistribution(-10, 20, { step: 5 }), 6), 5);
    assert.equal(snap(intDistribution(1, 10), 99), 10);
    assert.equal(snap(categorical(["a", "b", "c"]), 1.4), "b");
    assert.equal(snap(categorical(["a", "b", "c"]), -3), "a");
    assert.equal(snap(fixed(null), 12), null);
  });

  test("fromUnit covers the range and toUnit inverts it", () => {
    for (const dist of examples) {
      assert.ok(contains(dist, fromUnit(dist, 0)));
      assert.ok(contains(dist, fromUnit(dist, 1)));
      for (const value of dist.kind === "float" && dist.step === undefined ? [] : enumerateValues(dist)) {
        const u = toUnit(dist, value);
        assert.ok(u > 0 && u < 1, `toUnit(${String(value)}) = ${u} must be inside (0, 1)`);
        assert.deepEqual(fromUnit(dist, u), value, `${JSON.stringify(dist)}: ${String(value)}`);
      }
    }
    const lr = floatDistribution(1e-4, 1, { log: true });
    assert.ok(Math.abs((fromUnit(lr, 0.5) as number) - 1e-2) < 1e-12);
    assert.ok(Math.abs(toUnit(lr, 1e-3) - 0.25) < 1e-12);
    assert.throws(() => fromUnit(lr, 1.5), /u in \[0, 1\], but got u=1.5/);
  });

  test("enumerateValues lists a finite distribution and refuses a continuous one", () => {
    assert.deepEqual(enumerateValues(floatDistribution(0, 0.3, { step: 0.1 })), [0, 0.1, 0.2, 0.3]);
    assert.deepEqual(enumerateValues(intDistribution(1, 1000, { log: true })).length, 1000);
    assert.throws(() => enumerateValues(floatDistribution(0, 1)), /continuous float has no finite list/);
  });
});

describe("sampleUniform", () => {
  test("stays in the distribution for every kind", () => {
    const rng = createRng(2, "uniform");
    for (const dist of examples) {
      for (let i = 0; i < 500; i++) assert.ok(contains(dist, sampleUniform(dist, rng)), JSON.stringify(dist));
    }
  });

  test("on an int log scale, gives small integers their log share", () => {
    const rng = createRng(3, "intlog");
    const dist = intDistribution(1, 1000, { log: true });
    const draws = Array.from({ length: 4000 }, () => sampleUniform(dist, rng) as number);
    // P(value ≤ 10) = log(10.5/0.5)/log(1000.5/0.5) ≈ 0.400
    const share = draws.filter((v) => v <= 10).length / draws.length;
    assert.ok(Math.abs(share - 0.4) < 0.03, `share of values ≤ 10 is ${share}, expected about 0.40`);
    assert.ok(draws.includes(1) && draws.includes(1000) === draws.some((v) => v === 1000));
  });
});

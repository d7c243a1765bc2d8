/** The benchmarks' paired comparison of two optimisers on the same seeds (bench/paired-seeds.ts). */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { comparePaired, describePaired, signTestP } from "../../bench/paired-seeds";

describe("paired seeds", () => {
  test("the sign test is the exact two-sided binomial tail", () => {
    // 0 of 10: 2 · (½)^10; 1 of 10: 2 · 11 / 1024; a tie of wins and losses: 1.
    assert.ok(Math.abs(signTestP(0, 10) - 2 / 1024) < 1e-15);
    assert.ok(Math.abs(signTestP(9, 1) - 22 / 1024) < 1e-15);
    assert.equal(signTestP(5, 5), 1);
    assert.equal(signTestP(0, 0), 1);
    assert.equal(signTestP(3, 7), signTestP(7, 3), "symmetric");
  });

  test("counts wins, losses and ties seed by seed, and brackets the ratio of medians", () => {
    const ours = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const peer = ours.map((v, i) => (i === 0 ? v : 2 * v));
    const c = comparePaired(ours, peer);
    assert.equal(c.seeds, 10);
    assert.equal(c.wins, 9);
    assert.equal(c.losses, 0, "the tie on the first seed counts in neither");
    assert.ok(c.signTestP < 0.01);
    assert.ok(c.ratioInterval[0] <= c.medianRatio && c.medianRatio <= c.ratioInterval[1], describePaired(c));
    assert.ok(c.ratioInterval[1] <= 1, `every resample's ratio is at most 1: ${describePaired(c)}`);
    assert.deepEqual(comparePaired(ours, peer), c, "the bootstrap is seeded");
  });

  test("refuses seeds that do not pair up", () => {
    assert.throws(() => comparePaired([1, 2], [1]), /same non-zero number of seeds/);
    assert.throws(() => comparePaired([], []), /same non-zero number of seeds/);
  });
});

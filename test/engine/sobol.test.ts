import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { createRng, shuffleInPlace } from "../../src/common/random";
import { directionNumbers, SOBOL_MAX_DIMENSIONS, SobolSequence } from "../../src/engine/sobol";

describe("SobolSequence", () => {
  test("supports at least 40 dimensions and rejects more than it has", () => {
    assert.ok(SOBOL_MAX_DIMENSIONS >= 40);
    assert.throws(() => new SobolSequence(SOBOL_MAX_DIMENSIONS + 1), /`1 <= dimensions <= \d+` must hold, but got dimensions=/);
    assert.throws(() => new SobolSequence(2, { skip: -1 }), /`0 <= skip < 2\^32` must hold, but got skip=-1/);
    assert.throws(() => directionNumbers(SOBOL_MAX_DIMENSIONS), /`0 <= dimension < \d+` must hold, but got dimension=/);
  });

  test("unscrambled, it starts with the textbook points", () => {
    const points = new SobolSequence(3).take(4);
    assert.deepEqual(points, [
      [0, 0, 0],
      [0.5, 0.5, 0.5],
      [0.75, 0.25, 0.25],
      [0.25, 0.75, 0.75],
    ]);
  });

  test("direction numbers are m_j / 2^(j+1) with m_j odd and below 2^(j+1)", () => {
    for (let d = 0; d < SOBOL_MAX_DIMENSIONS; d++) {
      const v = directionNumbers(d);
      for (let j = 0; j < 32; j++) {
        const x = v[j] as number;
        // As a 32-bit fraction, v[j] = m_j · 2^(31−j): no bit below (31 − j), bit (31 − j) set.
        assert.equal(x % 2 ** (31 - j), 0, `dimension ${d}, direction ${j}: no bits below ${31 - j}`);
        assert.equal(Math.floor(x / 2 ** (31 - j)) % 2, 1, `dimension ${d}, direction ${j}: m_j odd`);
      }
    }
  });

  for (const seed of [undefined, 0, 17]) {
    test(`${seed === undefined ? "unscrambled" : `scrambled (seed ${seed})`}: points lie in [0,1) and the first 2^k stratify every dimension`, () => {
      const sequence = new SobolSequence(SOBOL_MAX_DIMENSIONS, seed === undefined ? {} : { seed });
      const points = sequence.take(256);
      for (let d = 0; d < SOBOL_MAX_DIMENSIONS; d++) {
        for (const k of [1, 4, 8]) {
          const n = 2 ** k;
          const cells = new Set(points.slice(0, n).map((p) => Math.floor((p[d] as number) * n)));
          assert.equal(cells.size, n, `dimension ${d}: the first ${n} points must fill all ${n} cells`);
        }
        for (const p of points) assert.ok((p[d] as number) >= 0 && (p[d] as number) < 1);
      }
    });
  }

  test("is a (0, 2)-sequence in its first two dimensions: 2^k points fill every elementary box", () => {
    const points = new SobolSequence(2, { seed: 5 }).take(64);
    // Boxes of width 2^-a and height 2^-(6−a) each hold exactly one of 64 points.
    for (let a = 0; a <= 6; a++) {
      const boxes = new Set(points.map((p) => `${Math.floor((p[0] as number) * 2 ** a)},${Math.floor((p[1] as number) * 2 ** (6 - a))}`));
      assert.equal(boxes.size, 64, `boxes 2^-${a} × 2^-${6 - a}`);
    }
  });

  test("the same seed gives the same points, different seeds differ", () => {
    const a = new SobolSequence(5, { seed: 3 }).take(32);
    assert.deepEqual(new SobolSequence(5, { seed: 3 }).take(32), a);
    assert.notDeepEqual(new SobolSequence(5, { seed: 4 }).take(32), a);
  });

  test("skip and point(i) agree with sequential reading", () => {
    const all = new SobolSequence(4, { seed: 8 }).take(40);
    assert.deepEqual(new SobolSequence(4, { seed: 8, skip: 25 }).take(15), all.slice(25));
    const sequence = new SobolSequence(4, { seed: 8 });
    assert.deepEqual(sequence.point(33), all[33]);
  });

  test("integrates a smooth function far better than pseudo-random points", () => {
    // ∫_{[0,1]^5} Π (1 + (x_i − ½)) dx = 1.
    const f = (x: readonly number[]): number => x.reduce((acc, xi) => acc * (1 + (xi - 0.5)), 1);
    const n = 1024;
    const sobolError = Math.abs(new SobolSequence(5, { seed: 2 }).take(n).reduce((s, p) => s + f(p), 0) / n - 1);
    const rng = createRng(2, "mc");
    const mcError = Math.abs(Array.from({ length: n }, () => f(Array.from({ length: 5 }, () => rng.next()))).reduce((s, v) => s + v, 0) / n - 1);
    assert.ok(sobolError < 1e-3, `Sobol error ${sobolError}`);
    assert.ok(sobolError < mcError, `Sobol error ${sobolError} must beat Monte Carlo's ${mcError}`);
  });
});

describe("rng", () => {
  test("streams depend only on their path", () => {
    const a = createRng(1, "trial", 3, "lr");
    const first = [a.next(), a.next(), a.uint32(), a.int(10)];
    const b = createRng(1, "trial", 3, "lr");
    assert.deepEqual([b.next(), b.next(), b.uint32(), b.int(10)], first);
    assert.notEqual(createRng(1, "trial", 3, "lr2").next(), first[0]);
    assert.notEqual(createRng("1", "trial3", "lr").next(), createRng(1, "trial", 3, "lr").next());
    assert.throws(() => a.int(0), /positive integer n, but got n=0/);
  });

  test("shuffleInPlace yields a permutation", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = shuffleInPlace([...items], createRng(4));
    assert.notDeepEqual(shuffled, items);
    assert.deepEqual([...shuffled].sort((x, y) => x - y), items);
  });
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { deriveSeed, permutation, seededRandom, trialSeed, withSeededMathRandom } from "../../src/common/random";

test("derived seeds are deterministic, distinct per path, and never 0", () => {
  assert.equal(deriveSeed(7, "trial", 3), deriveSeed(7, "trial", 3));
  assert.equal(trialSeed(7, 3), deriveSeed(7, "trial", 3));
  const seeds = new Set(Array.from({ length: 1000 }, (_, n) => trialSeed(7, n)));
  assert.equal(seeds.size, 1000);
  for (const seed of seeds) assert.ok(Number.isInteger(seed) && seed >= 1 && seed < 2 ** 31);
  assert.notEqual(trialSeed(7, 0), trialSeed(8, 0));
});

test("a seeded permutation is a permutation, and the same for the same seed", () => {
  const order = permutation(50, seededRandom(1));
  assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(permutation(50, seededRandom(1)), order);
  assert.notDeepEqual(permutation(50, seededRandom(2)), order);
});

test("withSeededMathRandom seeds Math.random inside and restores it after, also on error", async () => {
  const original = Math.random;
  const first = await withSeededMathRandom(5, async () => [Math.random(), Math.random()]);
  const again = await withSeededMathRandom(5, async () => [Math.random(), Math.random()]);
  assert.deepEqual(first, again);
  assert.equal(Math.random, original);
  await assert.rejects(withSeededMathRandom(5, async () => {
    throw new Error("inside");
  }), /inside/);
  assert.equal(Math.random, original);
});

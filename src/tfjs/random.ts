/**
 * Seeded randomness for training: derived seeds, seeded permutations, and a scope in which
 * `Math.random` is seeded (TensorFlow.js draws the seeds of unseeded initialisers and dropout
 * masks from `Math.random`, so this is what makes a builder that passes no seeds reproducible).
 */
import seedrandom from "seedrandom";

/** A source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

/** A seeded uniform source in [0, 1) (seedrandom's Alea generator). */
export function seededRandom(seed: number | string): RandomSource {
  return seedrandom.alea(String(seed));
}

/**
 * A seed derived from `seed` and a path of labels, e.g. `deriveSeed(7, "trial", 3, "shuffle")`:
 * deterministic, well spread, and never 0 (TensorFlow.js treats seed 0 as "no seed").
 * @returns an integer in [1, 2^31 - 1]
 */
export function deriveSeed(seed: number, ...path: readonly (string | number)[]): number {
  const random = seedrandom.alea([seed, ...path].join("/"));
  return 1 + Math.floor(random() * 0x7ffffffe);
}

/** The seed of trial `trialNumber` of a study seeded with `studySeed` (the trainer's `seed` option). */
export function trialSeed(studySeed: number, trialNumber: number): number {
  return deriveSeed(studySeed, "trial", trialNumber);
}

/** The numbers 0..n-1 in an order shuffled by `random` (Fisher–Yates). */
export function permutation(n: number, random: RandomSource): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const held = order[i]!;
    order[i] = order[j]!;
    order[j] = held;
  }
  return order;
}

/**
 * Runs `body` with `Math.random` replaced by a generator seeded with `seed`, and restores it
 * afterwards (also when `body` throws). Everything that reads `Math.random` meanwhile — unseeded
 * TensorFlow.js initialisers, dropout masks, other code interleaved at an `await` — draws from
 * the seeded stream, so results are reproducible only when nothing else runs concurrently.
 * Scopes must not overlap: an inner scope restores the outer generator when it ends.
 */
export async function withSeededMathRandom<T>(seed: number, body: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = seededRandom(seed);
  try {
    return await body();
  } finally {
    Math.random = original;
  }
}

/**
 * Seeded randomness: the one generator and the one rule for deriving streams and seeds.
 *
 * Every random choice (a sampler's draw, a data split, a training shuffle, a trial's seed) comes
 * from a stream derived from a seed and a short path naming what the randomness is for (a trial
 * number, a purpose, a parameter name), so that a result depends only on (seed, path) and never on
 * how many numbers were drawn before: that is what makes a resumed study draw the same trials.
 * The generator is seedrandom's Alea; the path is keyed as JSON, so ("a", 1) and ("a1") differ.
 */
import seedrandom from "seedrandom";

/** A source of uniform numbers in [0, 1). */
export interface Rng {
  /** The next uniform number in [0, 1). */
  next(): number;
  /** A uniform integer in [0, n) (`n` a positive integer). */
  int(n: number): number;
  /** A uniform unsigned 32-bit integer. */
  uint32(): number;
}

/** A uniform source in [0, 1) as a plain function (the shape of `Math.random`). */
export type RandomSource = () => number;

/** One part of a stream's path: a seed, trial number, purpose or parameter name. */
export type StreamPart = string | number;

/**
 * An independent random stream for `(seed, ...path)`, e.g. `createRng(7, "trial", 12, "lr")`.
 * Two different paths give unrelated streams; the same path always gives the same stream.
 */
export function createRng(seed: StreamPart, ...path: readonly StreamPart[]): Rng {
  const prng = seedrandom.alea(JSON.stringify([seed, ...path]));
  return {
    next: () => prng.double(),
    int(n: number): number {
      if (!Number.isSafeInteger(n) || n <= 0) {
        throw new RangeError(`rng.int(n) needs a positive integer n, but got n=${n}`);
      }
      return Math.min(n - 1, Math.floor(prng.double() * n));
    },
    uint32: () => prng.int32() >>> 0,
  };
}

/** The stream of {@link createRng} as a plain function, e.g. to stand in for `Math.random`. */
export function seededRandom(seed: StreamPart, ...path: readonly StreamPart[]): RandomSource {
  const rng = createRng(seed, ...path);
  return () => rng.next();
}

/**
 * A seed derived from `seed` and a path of labels, e.g. `deriveSeed(7, "trial", 3, "shuffle")`:
 * deterministic, well spread, and never 0 (TensorFlow.js treats seed 0 as "no seed").
 * @returns an integer in [1, 2^31 - 1]
 */
export function deriveSeed(seed: StreamPart, ...path: readonly StreamPart[]): number {
  return 1 + Math.floor(createRng(seed, ...path).next() * 0x7ffffffe);
}

/** The seed of trial `trialNumber` of a study seeded with `studySeed` (the trainer's `seed` option). */
export function trialSeed(studySeed: number, trialNumber: number): number {
  return deriveSeed(studySeed, "trial", trialNumber);
}

/** Shuffles `items` in place with the Fisher–Yates algorithm and returns it. */
export function shuffleInPlace<T>(items: T[], random: Rng | RandomSource): T[] {
  const uniform = typeof random === "function" ? random : () => random.next();
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(uniform() * (i + 1)));
    const held = items[i] as T;
    items[i] = items[j] as T;
    items[j] = held;
  }
  return items;
}

/** The numbers 0..n-1 in an order shuffled by `random` (Fisher–Yates). */
export function permutation(n: number, random: Rng | RandomSource): number[] {
  return shuffleInPlace(Array.from({ length: n }, (_, i) => i), random);
}

/** The seeded scopes now open, oldest first, and the `Math.random` they replaced. */
const openScopes: { readonly random: () => number }[] = [];
let unseededRandom: () => number = Math.random;

/**
 * Runs `body` with `Math.random` replaced by a generator seeded with `seed`, and restores it
 * afterwards (also when `body` throws). Everything that reads `Math.random` meanwhile (unseeded
 * TensorFlow.js initialisers, dropout masks, other code interleaved at an `await`) draws from
 * the seeded stream, so results are reproducible only when nothing else runs concurrently.
 *
 * Scopes may nest or overlap (two trials' async scopes interleaved at their `await`s): when one
 * ends, `Math.random` becomes the generator of the latest scope still open, or the original one
 * when none is. (Restoring "what it was when this scope began" would leave a seeded generator in
 * place for good when an outer-looking scope ends before one opened inside it.)
 */
export async function withSeededMathRandom<T>(seed: number, body: () => Promise<T>): Promise<T> {
  if (openScopes.length === 0) unseededRandom = Math.random;
  const scope = { random: seededRandom(seed) };
  openScopes.push(scope);
  Math.random = scope.random;
  try {
    return await body();
  } finally {
    openScopes.splice(openScopes.indexOf(scope), 1);
    Math.random = openScopes[openScopes.length - 1]?.random ?? unseededRandom;
  }
}

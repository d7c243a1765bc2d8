/**
 * Seeded random streams. Every random choice of the tuning engine comes from a stream derived from
 * the study's seed and a short path naming what the randomness is for (a trial number, a purpose,
 * a parameter name), so that a result depends only on (seed, path) and never on how many numbers
 * were drawn before — which is what makes a resumed study draw the same trials.
 */
import seedrandom from "seedrandom";

/** A source of uniform numbers in [0, 1). */
export interface Rng {
  /** The next uniform number in [0, 1) (53 bits of randomness). */
  next(): number;
  /** A uniform integer in [0, n) (`n` a positive integer). */
  int(n: number): number;
  /** A uniform unsigned 32-bit integer. */
  uint32(): number;
}

/** One part of a stream's path: a seed, trial number, purpose or parameter name. */
export type StreamPart = string | number;

/**
 * An independent random stream for `(seed, ...path)`, e.g. `createRng(7, "trial", 12, "lr")`.
 * Two different paths give unrelated streams; the same path always gives the same stream.
 */
export function createRng(seed: StreamPart, ...path: readonly StreamPart[]): Rng {
  // JSON.stringify keeps ("a", 1) and ("a1") apart.
  const prng = seedrandom(JSON.stringify([seed, ...path]));
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

/** Shuffles `items` in place with the Fisher–Yates algorithm and returns it. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const held = items[i] as T;
    items[i] = items[j] as T;
    items[j] = held;
  }
  return items;
}

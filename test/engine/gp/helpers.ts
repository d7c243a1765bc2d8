/** Shared helpers of the GP maths tests: a seeded source and finite-difference gradients. */
import { createRng, type Rng } from "../../../src/common/random";

/** A seeded RNG for a test. */
export function testRng(name: string): Rng {
  return createRng("gp-test", name);
}

/** Central finite differences of f at x (step h). */
export function finiteDifferenceGradient(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-6): Float64Array {
  const base = Float64Array.from(x);
  return base.map((_, i) => {
    const plus = Float64Array.from(base);
    const minus = Float64Array.from(base);
    plus[i] = (plus[i] as number) + h;
    minus[i] = (minus[i] as number) - h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}

/** Asserts |a_i − b_i| ≤ tol·max(1, |b_i|) for every i, naming the first entry that fails. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: lengths differ (${actual.length} vs ${expected.length})`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const b = expected[i] as number;
    if (!(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)))) {
      throw new Error(`${what}: entry ${i} is ${a}, expected ${b} (tolerance ${tol})`);
    }
  }
}

/** n random points of [0, 1]^D as an (n, D) row-major array. */
export function randomPoints(rng: Rng, n: number, D: number): Float64Array {
  return Float64Array.from({ length: n * D }, () => rng.next());
}

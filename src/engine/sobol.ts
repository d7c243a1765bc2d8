/**
 * Scrambled Sobol low-discrepancy points in [0, 1)^D, for D ≤ {@link SOBOL_MAX_DIMENSIONS}.
 *
 * Notation (all integers are 32-bit fractions, i.e. x means x / 2^32):
 *   v_d[j]      direction number j (j = 0…31) of dimension d; v_d[j] has its top bit at position j.
 *               Dimension 0 is the van der Corput sequence (v[j] = 2^(31−j)); dimension d ≥ 1 comes
 *               from a primitive polynomial of degree s with coefficient bits a and initial odd
 *               numerators m_1…m_s (Joe & Kuo, "new-joe-kuo-6.21201"), extended by the recurrence
 *               v[j] = v[j−s] ⊕ (v[j−s] >> s) ⊕ ⨁_{k=1}^{s−1} a_k · v[j−k].
 *   g(i)        the Gray code i ⊕ (i >> 1); point i is x_d(i) = ⨁_{j : bit j of g(i) set} v_d[j],
 *               computed directly, so any index can be read without the ones before it.
 *   Scrambling  (from a seed) a random linear matrix scramble: v_d[j] ← L_d · v_d[j] over GF(2) with
 *               L_d lower-triangular with unit diagonal (so each digit is xor-ed with random
 *               combinations of the digits above it), then a random digital shift x ← x ⊕ e_d.
 *               Both keep every (t, m, s)-net property of the unscrambled sequence, in particular
 *               each dimension's first 2^k points fall one in each interval [i/2^k, (i+1)/2^k).
 */
import { createRng } from "../common/random";

/**
 * Joe–Kuo direction data for dimensions 2…64 of new-joe-kuo-6.21201: [s (degree), a (inner
 * coefficient bits), m_1…m_s]. Published by S. Joe and F. Y. Kuo,
 * https://web.maths.unsw.edu.au/~fkuo/sobol/ (reference data).
 */
const JOE_KUO: readonly (readonly [number, number, readonly number[]])[] = [
  [1, 0, [1]],
  [2, 1, [1, 3]],
  [3, 1, [1, 3, 1]],
  [3, 2, [1, 1, 1]],
  [4, 1, [1, 1, 3, 3]],
  [4, 4, [1, 3, 5, 13]],
  [5, 2, [1, 1, 5, 5, 17]],
  [5, 4, [1, 1, 5, 5, 5]],
  [5, 7, [1, 1, 7, 11, 19]],
  [5, 11, [1, 1, 5, 1, 1]],
  [5, 13, [1, 1, 1, 3, 11]],
  [5, 14, [1, 3, 5, 5, 31]],
  [6, 1, [1, 3, 3, 9, 7, 49]],
  [6, 13, [1, 1, 1, 15, 21, 21]],
  [6, 16, [1, 3, 1, 13, 27, 49]],
  [6, 19, [1, 1, 1, 15, 7, 5]],
  [6, 22, [1, 3, 1, 15, 13, 25]],
  [6, 25, [1, 1, 5, 5, 19, 61]],
  [7, 1, [1, 3, 7, 11, 23, 15, 103]],
  [7, 4, [1, 3, 7, 13, 13, 15, 69]],
  [7, 7, [1, 1, 3, 13, 7, 35, 63]],
  [7, 8, [1, 3, 5, 9, 1, 25, 53]],
  [7, 14, [1, 3, 1, 13, 9, 35, 107]],
  [7, 19, [1, 3, 1, 5, 27, 61, 31]],
  [7, 21, [1, 1, 5, 11, 19, 41, 61]],
  [7, 28, [1, 3, 5, 3, 3, 13, 69]],
  [7, 31, [1, 1, 7, 13, 1, 19, 1]],
  [7, 32, [1, 3, 7, 5, 13, 19, 59]],
  [7, 37, [1, 1, 3, 9, 25, 29, 41]],
  [7, 41, [1, 3, 5, 13, 23, 1, 55]],
  [7, 42, [1, 3, 7, 3, 13, 59, 17]],
  [7, 50, [1, 3, 1, 3, 5, 53, 69]],
  [7, 55, [1, 1, 5, 5, 23, 33, 13]],
  [7, 56, [1, 1, 7, 7, 1, 61, 123]],
  [7, 59, [1, 1, 7, 9, 13, 61, 49]],
  [7, 62, [1, 3, 3, 5, 3, 55, 33]],
  [8, 14, [1, 3, 1, 15, 31, 13, 49, 245]],
  [8, 21, [1, 3, 5, 15, 31, 59, 63, 97]],
  [8, 22, [1, 3, 1, 11, 11, 11, 77, 249]],
  [8, 38, [1, 3, 1, 11, 27, 43, 71, 9]],
  [8, 47, [1, 1, 7, 15, 21, 11, 81, 45]],
  [8, 49, [1, 3, 7, 3, 25, 31, 65, 79]],
  [8, 50, [1, 3, 1, 1, 19, 11, 3, 205]],
  [8, 52, [1, 1, 5, 9, 19, 21, 29, 157]],
  [8, 56, [1, 3, 7, 11, 1, 33, 89, 185]],
  [8, 67, [1, 3, 3, 3, 15, 9, 79, 71]],
  [8, 70, [1, 3, 7, 11, 15, 39, 119, 27]],
  [8, 84, [1, 1, 3, 1, 11, 31, 97, 225]],
  [8, 97, [1, 1, 1, 3, 23, 43, 57, 177]],
  [8, 103, [1, 3, 7, 7, 17, 17, 37, 71]],
  [8, 115, [1, 3, 1, 5, 27, 63, 123, 213]],
  [8, 122, [1, 1, 3, 5, 11, 43, 53, 133]],
  [9, 8, [1, 3, 5, 5, 29, 17, 47, 173, 479]],
  [9, 13, [1, 3, 3, 11, 3, 1, 109, 9, 69]],
  [9, 16, [1, 1, 1, 5, 17, 39, 23, 5, 343]],
  [9, 22, [1, 3, 1, 5, 25, 15, 31, 103, 499]],
  [9, 25, [1, 1, 1, 11, 11, 17, 63, 105, 183]],
  [9, 44, [1, 1, 5, 11, 9, 29, 97, 231, 363]],
  [9, 47, [1, 1, 5, 15, 19, 45, 41, 7, 383]],
  [9, 52, [1, 3, 7, 7, 31, 19, 83, 137, 221]],
  [9, 55, [1, 1, 1, 3, 23, 15, 111, 223, 83]],
  [9, 59, [1, 1, 5, 13, 31, 15, 55, 25, 161]],
  [9, 62, [1, 1, 3, 13, 25, 47, 39, 87, 257]],
];

/** The number of dimensions this generator supports. */
export const SOBOL_MAX_DIMENSIONS = JOE_KUO.length + 1;

/** Bits per coordinate; a sequence holds at most 2^32 points. */
const BITS = 32;
const TWO_TO_32 = 4294967296;

/** The 32 unscrambled direction numbers of dimension `d` (0-based), as unsigned 32-bit fractions. */
export function directionNumbers(d: number): Uint32Array {
  if (!Number.isInteger(d) || d < 0 || d >= SOBOL_MAX_DIMENSIONS) {
    throw new RangeError(`Sobol: \`0 <= dimension < ${SOBOL_MAX_DIMENSIONS}\` must hold, but got dimension=${d}`);
  }
  const v = new Uint32Array(BITS);
  if (d === 0) {
    for (let j = 0; j < BITS; j++) v[j] = 2 ** (BITS - 1 - j);
    return v;
  }
  const [s, a, m] = JOE_KUO[d - 1] as readonly [number, number, readonly number[]];
  for (let j = 0; j < s && j < BITS; j++) v[j] = ((m[j] as number) * 2 ** (BITS - 1 - j)) >>> 0;
  for (let j = s; j < BITS; j++) {
    let x = (v[j - s] as number) ^ ((v[j - s] as number) >>> s);
    for (let k = 1; k < s; k++) {
      if ((a >>> (s - 1 - k)) & 1) x ^= v[j - k] as number;
    }
    v[j] = x >>> 0;
  }
  return v;
}

/** Options of {@link SobolSequence}. */
export interface SobolOptions {
  /** Scramble from this seed (linear matrix scramble + digital shift). Omit for the plain sequence. */
  readonly seed?: number | string;
  /** Start at this index: the first `skip` points are never returned by `next`. */
  readonly skip?: number;
}

/**
 * A (scrambled) Sobol sequence in [0, 1)^dimensions. Points are read by index with
 * {@link SobolSequence.point} or in order with {@link SobolSequence.next}; the first 2^k points
 * (from index 0) are stratified in every dimension.
 */
export class SobolSequence {
  readonly dimensions: number;
  /** (dimensions, 32): scrambled direction numbers. */
  private readonly directions: Uint32Array[];
  /** (dimensions): digital shift of each dimension. */
  private readonly shifts: Uint32Array;
  private index: number;

  constructor(dimensions: number, options: SobolOptions = {}) {
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > SOBOL_MAX_DIMENSIONS) {
      throw new RangeError(
        `Sobol: \`1 <= dimensions <= ${SOBOL_MAX_DIMENSIONS}\` must hold, but got dimensions=${dimensions}`,
      );
    }
    const skip = options.skip ?? 0;
    if (!Number.isSafeInteger(skip) || skip < 0 || skip >= TWO_TO_32) {
      throw new RangeError(`Sobol: \`0 <= skip < 2^32\` must hold, but got skip=${skip}`);
    }
    this.dimensions = dimensions;
    this.index = skip;
    this.shifts = new Uint32Array(dimensions);
    this.directions = [];
    for (let d = 0; d < dimensions; d++) {
      const v = directionNumbers(d);
      if (options.seed !== undefined) {
        const rng = createRng(options.seed, "sobol", d);
        scrambleLinear(v, rng.uint32);
        this.shifts[d] = rng.uint32();
      }
      this.directions.push(v);
    }
  }

  /** Point number `i` (0 ≤ i < 2^32), without moving the cursor. */
  point(i: number): number[] {
    if (!Number.isSafeInteger(i) || i < 0 || i >= TWO_TO_32) {
      throw new RangeError(`Sobol: \`0 <= index < 2^32\` must hold, but got index=${i}`);
    }
    const gray = (i ^ Math.floor(i / 2)) >>> 0;
    const out = new Array<number>(this.dimensions);
    for (let d = 0; d < this.dimensions; d++) {
      const v = this.directions[d] as Uint32Array;
      let x = this.shifts[d] as number;
      for (let j = 0, bits = gray; bits !== 0; j++, bits >>>= 1) {
        if (bits & 1) x ^= v[j] as number;
      }
      out[d] = (x >>> 0) / TWO_TO_32;
    }
    return out;
  }

  /** The point at the cursor; moves the cursor on by one. */
  next(): number[] {
    const p = this.point(this.index);
    this.index += 1;
    return p;
  }

  /** The next `n` points, (n, dimensions). */
  take(n: number): number[][] {
    return Array.from({ length: n }, () => this.next());
  }
}

/**
 * Multiplies every direction number by a random lower-triangular GF(2) matrix L with unit
 * diagonal: output bit r (counted from the top) = bit r ⊕ ⨁_{c<r} L[r][c]·bit c.
 */
function scrambleLinear(v: Uint32Array, randomWord: () => number): void {
  // rows[r]: the bits above the diagonal of row r, as a mask over top-bit positions 0…r−1.
  const rows = new Uint32Array(BITS);
  for (let r = 1; r < BITS; r++) {
    const aboveMask = (~0 << (BITS - r)) >>> 0; // the r top bits
    rows[r] = (randomWord() & aboveMask) >>> 0;
  }
  for (let j = 0; j < v.length; j++) {
    const x = v[j] as number;
    let y = x;
    for (let r = 1; r < BITS; r++) {
      if (parity(x & (rows[r] as number))) y ^= 1 << (BITS - 1 - r);
    }
    v[j] = y >>> 0;
  }
}

function parity(x: number): number {
  let p = x >>> 0;
  p ^= p >>> 16;
  p ^= p >>> 8;
  p ^= p >>> 4;
  p ^= p >>> 2;
  p ^= p >>> 1;
  return p & 1;
}

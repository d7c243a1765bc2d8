/**
 * How sure a benchmark can be that one optimiser's median regret beats another's, when both ran
 * the same seeds: a paired comparison seed by seed.
 *
 * Notation:
 *   a_i, b_i   the two optimisers' regrets on seed i (i = 1…n; lower is better)
 *   W, L       seeds where a_i < b_i (wins of a) and a_i > b_i (losses); ties count in neither
 *   p_sign     two-sided exact sign test: 2 · P(Bin(W + L, ½) ≤ min(W, L)), at most 1
 *   r          median(a) / median(b); its interval comes from B bootstrap resamples of the seeds
 *              (pairs kept together), the 5th and 95th percentiles of r over the resamples.
 */
import { createRng } from "../src/common/random";
import { median } from "../src/common/stats";
import { formatNumber } from "./text-table";

/** The paired comparison of two optimisers' regrets on the same seeds. */
export interface PairedComparison {
  /** n: the seeds compared. */
  readonly seeds: number;
  /** W: seeds where the first had the lower regret. */
  readonly wins: number;
  /** L: seeds where the first had the higher regret. */
  readonly losses: number;
  /** p_sign: the two-sided exact sign test's p-value. */
  readonly signTestP: number;
  /** r = median(a) / median(b). */
  readonly medianRatio: number;
  /** The bootstrap's 90 % interval of r: [5th, 95th] percentile. */
  readonly ratioInterval: readonly [number, number];
}

/** Bootstrap resamples of the seeds. */
const BOOTSTRAP_RESAMPLES = 4000;

/** log C(n, k), summed in logs so n in the thousands stays finite. */
function logChoose(n: number, k: number): number {
  let total = 0;
  for (let i = 1; i <= k; i++) total += Math.log(n - k + i) - Math.log(i);
  return total;
}

/** The two-sided exact sign test of W wins against L losses: 2 · P(Bin(W + L, ½) ≤ min(W, L)), at most 1. */
export function signTestP(wins: number, losses: number): number {
  const m = wins + losses;
  if (m === 0) return 1;
  let tail = 0;
  for (let k = 0; k <= Math.min(wins, losses); k++) tail += Math.exp(logChoose(m, k) - m * Math.LN2);
  return Math.min(1, 2 * tail);
}

/**
 * Compares `a` with `b`, regrets of the same seeds in the same order (lower is better); the
 * bootstrap draws from `createRng(seed, "paired-seeds")`, so the interval is repeatable.
 */
export function comparePaired(a: readonly number[], b: readonly number[], seed = 0): PairedComparison {
  if (a.length !== b.length || a.length === 0) throw new RangeError(`comparePaired: needs the same non-zero number of seeds, but got ${a.length} and ${b.length}`);
  const n = a.length;
  let wins = 0;
  let losses = 0;
  for (let i = 0; i < n; i++) {
    if ((a[i] as number) < (b[i] as number)) wins++;
    else if ((a[i] as number) > (b[i] as number)) losses++;
  }
  const rng = createRng(seed, "paired-seeds");
  const ratios = new Float64Array(BOOTSTRAP_RESAMPLES);
  const sampleA = new Array<number>(n);
  const sampleB = new Array<number>(n);
  for (let r = 0; r < BOOTSTRAP_RESAMPLES; r++) {
    for (let i = 0; i < n; i++) {
      const j = rng.int(n);
      sampleA[i] = a[j] as number;
      sampleB[i] = b[j] as number;
    }
    ratios[r] = median(sampleA) / median(sampleB);
  }
  ratios.sort();
  const percentile = (q: number): number => ratios[Math.min(BOOTSTRAP_RESAMPLES - 1, Math.floor(q * BOOTSTRAP_RESAMPLES))] as number;
  return {
    seeds: n,
    wins,
    losses,
    signTestP: signTestP(wins, losses),
    medianRatio: median(a) / median(b),
    ratioInterval: [percentile(0.05), percentile(0.95)],
  };
}

/** One line for a table or a verdict: "ours/peer 0.438 [0.329, 0.726], wins 41–19, sign p = 0.006". */
export function describePaired(c: PairedComparison): string {
  const ratio = (v: number): string => (Number.isFinite(v) ? formatNumber(v) : String(v));
  return `ours/peer ${ratio(c.medianRatio)} [${ratio(c.ratioInterval[0])}, ${ratio(c.ratioInterval[1])}], wins ${c.wins}–${c.losses}, sign p = ${c.signTestP < 0.001 ? c.signTestP.toExponential(1) : c.signTestP.toFixed(3)}`;
}

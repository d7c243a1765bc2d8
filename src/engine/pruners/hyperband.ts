/**
 * Hyperband (Li et al., 2018) on top of asynchronous successive halving, as Optuna's
 * HyperbandPruner: several brackets of ASHA, each with its own minimum resource, and every trial
 * in exactly one bracket, compared only with the trials of that bracket.
 *
 * Notation (the paper's, resources in units of `minResource`):
 *   η       reduction factor;   R = maxResource / minResource;   s_max = ⌊log_η R⌋
 *   bracket s ∈ {s_max, …, 0}:  n = ⌈(s_max + 1)/(s + 1) · η^s⌉ trials start at r = R·η^(−s);
 *   round i ∈ {0, …, s}:        n_i = ⌊n·η^(−i)⌋ trials run to r_i = r·η^i.
 * Bracket id k = s_max − s is the ASHA early-stopping rate: bracket k's rungs are at
 * r_i = minResource·η^(k+i) for i < s, and its last round runs to maxResource (the paper's
 * r_i = R·η^(i−s) exactly when R = η^s_max; otherwise the rungs stay on powers of η, as ASHA's).
 * Only the rounds' rungs are judged: bracket k's rungs below minResource·η^s_max; the paper's last
 * round runs every survivor to R unjudged, so bracket s = 0 never prunes, whether or not R is a
 * power of η.
 *
 * Bracket assignment depends on the trial number alone (so a study reopened from storage puts
 * every trial in the same bracket), in the paper's order: Hyperband's outer loop runs bracket
 * s = s_max (the most exploratory) with its n trials, then s_max − 1 with its n, …, down to s = 0
 * (Algorithm 1, `for s ∈ {s_max, …, 0}`), and a longer search repeats that loop, as the authors'
 * infinite-horizon use and BOHB (Falkner et al., 2018) do.
 * So one cycle has length Σ n_s, bracket s takes n_s consecutive trial numbers in it, and trial t
 * is in the bracket at position t mod Σ n_s. Running the most exploratory bracket first gives its
 * rungs many peers from the start: a poor early trial meets better ones at the first rung and is
 * stopped after minResource steps, where brackets taking turns left each early trial almost alone
 * in its bracket, and ASHA promotes a trial that has fewer than η peers at a rung when it is the
 * best of them (the pruner cannot pause a trial to wait for more).
 */
import type { FrozenTrial, Params, Pruner, PruningContext } from "../types";
import { SuccessiveHalvingPruner } from "./asha";

/** Options of {@link HyperbandPruner} and {@link hyperbandBrackets}. */
export interface HyperbandOptions {
  /** The resource (step) of the most aggressive bracket's first rung (default 1). */
  readonly minResource?: number;
  /** The full resource of a trial, e.g. epochs × folds steps (required). */
  readonly maxResource: number;
  /** η: a rung keeps the best 1/η of its trials (default 3). */
  readonly reductionFactor?: number;
  /**
   * c: a step's cost for a trial with these parameters relative to the costliest trial's, in (0, 1]
   * (default 1): its resource after s + 1 steps is (s + 1)·c − 1 (asha.ts), so the brackets' rungs
   * compare trials after the same work. The bracket arithmetic is unchanged.
   */
  readonly stepCost?: (params: Params) => number;
}

/** One round of successive halving in a bracket. */
export interface HyperbandRound {
  /** n_i: the trials that run this round. */
  readonly trials: number;
  /** r_i: the resource each of them runs to. */
  readonly resource: number;
}

/** One bracket of Hyperband. */
export interface HyperbandBracket {
  /** k = s_max − s: the bracket id, ASHA's minimum early-stopping rate. */
  readonly id: number;
  /** s: the paper's bracket index (s_max is the most aggressive). */
  readonly s: number;
  /** Rounds i = 0 … s. */
  readonly rounds: readonly HyperbandRound[];
}

/**
 * The brackets of Hyperband for the resource range and η, most aggressive first (the paper's
 * table: R = 81, η = 3 gives s = 4 … 0 with n_0 = 81, 34, 15, 8, 5).
 */
export function hyperbandBrackets(options: HyperbandOptions): HyperbandBracket[] {
  const { minResource, maxResource, reductionFactor: eta } = checkedOptions(options);
  // s_max = ⌊log_η(R)⌋, counted by multiplying so that R = η^k gives exactly k.
  let sMax = 0;
  while (minResource * eta ** (sMax + 1) <= maxResource) sMax++;
  const brackets: HyperbandBracket[] = [];
  for (let s = sMax; s >= 0; s--) {
    const k = sMax - s;
    // n = ⌈(s_max + 1)/(s + 1) · η^s⌉ as an integer ceiling division.
    const n = Math.ceil(((sMax + 1) * eta ** s) / (s + 1));
    const rounds = Array.from({ length: s + 1 }, (_, i) => ({
      // n_i = ⌊n / η^i⌋; r_i = minResource·η^(k+i), the last round running to maxResource.
      trials: Math.floor(n / eta ** i),
      resource: i === s ? maxResource : minResource * eta ** (k + i),
    }));
    brackets.push({ id: k, s, rounds });
  }
  return brackets;
}

/**
 * The bracket ids of one cycle of trials, in the paper's order: bracket k = 0 (s = s_max) for its
 * first round's n trials, then bracket 1 for its n, and so on to the last bracket.
 */
export function bracketCycle(brackets: readonly HyperbandBracket[]): number[] {
  return brackets.flatMap((bracket) => new Array<number>(bracket.rounds[0]!.trials).fill(bracket.id));
}

/** Hyperband: brackets of ASHA with different minimum resources (see the module comment). */
export class HyperbandPruner implements Pruner {
  readonly name = "hyperband";
  readonly minResource: number;
  readonly maxResource: number;
  readonly reductionFactor: number;
  /** The brackets, most aggressive (id 0) first. */
  readonly brackets: readonly HyperbandBracket[];
  private readonly cycle: readonly number[];
  private readonly halving: readonly SuccessiveHalvingPruner[];

  constructor(options: HyperbandOptions) {
    const checked = checkedOptions(options);
    const { stepCost } = options;
    this.minResource = checked.minResource;
    this.maxResource = checked.maxResource;
    this.reductionFactor = checked.reductionFactor;
    this.brackets = hyperbandBrackets(checked);
    this.cycle = bracketCycle(this.brackets);
    // Bracket k judges rungs minResource·η^(k+i) for i < s only: below minResource·η^(k+s) =
    // minResource·η^s_max (≤ maxResource), so its last round runs to maxResource unjudged even when
    // R is not a power of η (an ASHA bounded by maxResource alone would add a rung there).
    const lastRungBound = this.minResource * this.reductionFactor ** (this.brackets[0]!.s);
    this.halving = this.brackets.map(
      (bracket) =>
        new SuccessiveHalvingPruner({
          minResource: this.minResource,
          reductionFactor: this.reductionFactor,
          minEarlyStoppingRate: bracket.id,
          maxResource: lastRungBound,
          ...(stepCost === undefined ? {} : { stepCost }),
        }),
    );
  }

  /** The bracket id of trial `trialNumber` (depends on the number alone). */
  bracketOf(trialNumber: number): number {
    if (!Number.isSafeInteger(trialNumber) || trialNumber < 0) {
      throw new RangeError(`HyperbandPruner.bracketOf: expected a trial number (a non-negative integer), but got ${trialNumber}`);
    }
    return this.cycle[trialNumber % this.cycle.length]!;
  }

  /**
   * The steps where `trial`'s bracket judges it: minResource·η^(k+i), i < s (none for the last
   * bracket), or with `stepCost` the first steps whose resource reaches them.
   */
  rungSteps(trial: { readonly number: number; readonly params: Params }): number[] {
    return this.halving[this.bracketOf(trial.number)]!.rungSteps(trial.params);
  }

  /** ASHA's promotion rule (`SuccessiveHalvingPruner.isPromotable`) among the trials of `trial`'s bracket, at its rung `r`. */
  isPromotable(trial: FrozenTrial, trials: readonly FrozenTrial[], r: number, direction: "minimize" | "maximize"): boolean {
    const bracket = this.bracketOf(trial.number);
    const peers = trials.filter((t) => this.bracketOf(t.number) === bracket);
    return this.halving[bracket]!.isPromotable(trial, peers, r, direction);
  }

  shouldPrune({ trial, trials, direction }: PruningContext): boolean {
    const bracket = this.bracketOf(trial.number);
    const peers = trials.filter((t) => this.bracketOf(t.number) === bracket);
    return this.halving[bracket]!.shouldPrune({ trial, trials: peers, direction });
  }
}

function checkedOptions(options: HyperbandOptions): Required<Omit<HyperbandOptions, "stepCost">> {
  const minResource = options.minResource ?? 1;
  const { maxResource } = options;
  const reductionFactor = options.reductionFactor ?? 3;
  if (!(minResource > 0) || !Number.isFinite(minResource)) {
    throw new RangeError(`HyperbandPruner: \`minResource > 0\` must hold, but got minResource=${minResource}`);
  }
  if (!(maxResource >= minResource) || !Number.isFinite(maxResource)) {
    throw new RangeError(`HyperbandPruner: \`maxResource >= minResource\` must hold, but got (minResource=${minResource}, maxResource=${maxResource})`);
  }
  if (!Number.isSafeInteger(reductionFactor) || reductionFactor < 2) {
    throw new RangeError(`HyperbandPruner: \`reductionFactor\` must be an integer >= 2, but got reductionFactor=${reductionFactor}`);
  }
  return { minResource, maxResource, reductionFactor };
}

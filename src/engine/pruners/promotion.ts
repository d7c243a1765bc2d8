/**
 * Successive halving with paused trials: instead of pruning a trial that is not (yet) among the
 * best at a rung, a scheduler stops it there with its weights kept and resumes it if it becomes
 * promotable as more trials reach the rung (ASHA as Li et al., 2020, Algorithm 2 describe it:
 * a free worker first promotes a trial waiting at the highest rung where one is among the top
 * ⌊n/η⌋, else starts a new trial at the bottom rung). The pruners that can be run that way say
 * where a trial stops and when it may go on; the scheduler lives with the trainer
 * (`magic/tune/paused-halving.ts`).
 */
import type { FrozenTrial, Params, Pruner } from "../types";
import { SuccessiveHalvingPruner } from "./asha";
import { HyperbandPruner } from "./hyperband";

/** Where a trial stops to be judged and whether it may go on (ASHA and Hyperband). */
export interface RungPromotion {
  /** The steps of the rungs where `trial` stops, ascending (each below the full resource). */
  rungSteps(trial: { readonly number: number; readonly params: Params }): readonly number[];
  /** Whether `trial`, stopped at its rung `r` (index into `rungSteps`), is among the best ⌊n/η⌋ of the n trials there. */
  isPromotable(trial: FrozenTrial, trials: readonly FrozenTrial[], r: number, direction: "minimize" | "maximize"): boolean;
}

/** The pruner's promotion rule when it has one (Hyperband; ASHA with a finite `maxResource`); undefined for the others. */
export function rungPromotionOf(pruner: Pruner | undefined): RungPromotion | undefined {
  if (pruner instanceof HyperbandPruner) return pruner;
  if (pruner instanceof SuccessiveHalvingPruner && Number.isFinite(pruner.maxResource)) return { rungSteps: (trial) => pruner.rungSteps(trial.params), isPromotable: (trial, trials, r, direction) => pruner.isPromotable(trial, trials, r, direction) };
  return undefined;
}

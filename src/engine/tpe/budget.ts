/**
 * The budget BOHB fits its densities at (Falkner et al., 2018, §4.1): among the budgets at which
 * trials were observed, the largest one with at least N_min + 2 observations, N_min = d + 1 for d
 * searched parameters; TPE then splits those observations (and only those) into good and bad.
 *
 * Budgets here are the steps of intermediate values (a pruned trial is observed at every step it
 * reported, and so is a running one: an asynchronous Hyperband has evaluated a configuration at
 * budget b as soon as it reports step b, as BOHB's workers return a result per budget) and, above
 * every step, the full budget "final": the values of complete trials. A trial's observation at
 * step b is the value it reported at step b exactly (our trainer reports every epoch, so each
 * rung's step is seen by every trial that reached it).
 */
import type { FrozenTrial } from "../types";

/** One trial's value at the chosen budget. */
export interface BudgetObservation {
  readonly trial: FrozenTrial;
  readonly value: number;
}

/** The budget TPE fits at and the observations there. */
export interface BudgetChoice {
  /** A step, or "final" for the complete trials' values. */
  readonly budget: number | "final";
  /** (m,) observations, m ≥ minObservations, in trial order. */
  readonly observations: readonly BudgetObservation[];
}

/** BOHB's minimum number of observations to fit at a budget: N_min + 2 with N_min = d + 1. */
export function bohbMinObservations(dimensions: number): number {
  return dimensions + 3;
}

/**
 * The largest budget at which at least `minObservations` of the complete, pruned and running
 * `trials` have a finite value ("final" counts complete trials, a step counts trials that reported
 * that step), with those values; undefined when no budget has enough.
 */
export function chooseBudget(trials: readonly FrozenTrial[], minObservations: number): BudgetChoice | undefined {
  const used = trials.filter((t) => t.state === "complete" || t.state === "pruned" || t.state === "running").sort((a, b) => a.number - b.number);
  const complete = used.filter((t) => t.state === "complete" && t.value !== undefined && Number.isFinite(t.value));
  if (complete.length >= minObservations && complete.length > 0) {
    return { budget: "final", observations: complete.map((trial) => ({ trial, value: trial.value as number })) };
  }
  // step → (trial, value) pairs, one per trial (its last report at that step).
  const byStep = new Map<number, Map<number, BudgetObservation>>();
  for (const trial of used) {
    for (const { step, value } of trial.intermediateValues) {
      if (!Number.isFinite(value)) continue;
      let atStep = byStep.get(step);
      if (atStep === undefined) byStep.set(step, (atStep = new Map()));
      atStep.set(trial.number, { trial, value });
    }
  }
  const steps = [...byStep.keys()].sort((a, b) => b - a);
  for (const step of steps) {
    const observations = [...byStep.get(step)!.values()];
    if (observations.length >= Math.max(1, minObservations)) return { budget: step, observations };
  }
  return undefined;
}

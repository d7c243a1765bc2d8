/**
 * The median stopping rule: stop a trial whose best intermediate value so far is worse than the
 * median of the complete trials' intermediate values at the same step.
 */
import { lastIntermediate, type FrozenTrial, type Pruner, type PruningContext } from "../types";
import { median } from "../../common/stats";

/** Options of {@link MedianPruner}. */
export interface MedianPrunerOptions {
  /** Never prune until this many trials are complete (default 5). */
  readonly startupTrials?: number;
  /** Never prune a trial before it reports this step (default 0). */
  readonly warmupSteps?: number;
  /** Decide only at steps warmupSteps + k·intervalSteps (default 1: every step). */
  readonly intervalSteps?: number;
  /** Decide only when at least this many complete trials reported the step (default 1). */
  readonly minTrialsAtStep?: number;
}

/** Prunes a trial whose best intermediate value is worse than the median of complete trials at the same step. */
export class MedianPruner implements Pruner {
  readonly name = "median";
  readonly startupTrials: number;
  readonly warmupSteps: number;
  readonly intervalSteps: number;
  readonly minTrialsAtStep: number;

  constructor(options: MedianPrunerOptions = {}) {
    this.startupTrials = nonNegativeInteger("startupTrials", options.startupTrials ?? 5);
    this.warmupSteps = nonNegativeInteger("warmupSteps", options.warmupSteps ?? 0);
    this.intervalSteps = nonNegativeInteger("intervalSteps", options.intervalSteps ?? 1);
    this.minTrialsAtStep = nonNegativeInteger("minTrialsAtStep", options.minTrialsAtStep ?? 1);
    if (this.intervalSteps < 1) throw new RangeError(`MedianPruner: \`intervalSteps >= 1\` must hold, but got intervalSteps=${this.intervalSteps}`);
  }

  shouldPrune({ trial, trials, direction }: PruningContext): boolean {
    // The largest step reported (Optuna's last_step), even when steps came out of order.
    const latest = lastIntermediate(trial);
    if (latest === undefined) return false;
    const step = latest.step;
    if (step < this.warmupSteps || (step - this.warmupSteps) % this.intervalSteps !== 0) return false;
    const complete = trials.filter((t) => t.state === "complete" && t.number !== trial.number);
    if (complete.length < this.startupTrials) return false;
    const atStep = complete
      .map((t) => valueAtStep(t, step))
      .filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (atStep.length === 0 || atStep.length < this.minTrialsAtStep) return false;
    // best = min (or max) over every value reported; a loop, not Math.min(...values), which
    // overflows the stack past ~150 000 values.
    let best = direction === "minimize" ? Infinity : -Infinity;
    for (const { value } of trial.intermediateValues) best = direction === "minimize" ? Math.min(best, value) : Math.max(best, value);
    if (!Number.isFinite(best)) return true;
    const m = median(atStep);
    return direction === "minimize" ? best > m : best < m;
  }
}

function valueAtStep(trial: FrozenTrial, step: number): number | undefined {
  return trial.intermediateValues.find((iv) => iv.step === step)?.value;
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`MedianPruner: \`${name}\` must be a non-negative integer, but got ${name}=${value}`);
  }
  return value;
}

/**
 * Asynchronous successive halving (ASHA; Li et al., 2020). Rung r is reached at resource (step)
 *   R_r = minResource · η^(s + r),   η = reductionFactor, s = minEarlyStoppingRate.
 * A trial's value at rung r is its first intermediate value at a step ≥ R_r. When a trial reaches a
 * rung it goes on only if its value is among the best ⌊n/η⌋ of the n values any trial has reached
 * that rung with (the best one when n < η); otherwise it is pruned. No trial waits for another.
 * Each rung is judged once, when the report that reaches it arrives, so call `shouldPrune` after
 * every `report`. With `maxResource` set, rungs at R_r ≥ maxResource are never judged: a trial that
 * has reached the full resource has finished its training (Hyperband's last round runs unpruned).
 *
 * Resource of a step. By default a trial's report at step s has resource s. With `stepCost`, a
 * trial whose steps cost c ∈ (0, 1] of the costliest trial's (e.g. epochs of a larger batch size:
 * fewer optimizer steps per epoch) has resource
 *   ρ(s) = (s + 1)·c − 1   (ρ(s) = s when c = 1)
 * after s + 1 steps, so trials meet at a rung after the same work (Li et al., 2018, measure the
 * resource of neural networks in mini-batch iterations), not after the same number of epochs.
 */
import type { FrozenTrial, Params, Pruner, PruningContext } from "../types";

/** Options of {@link SuccessiveHalvingPruner}. */
export interface SuccessiveHalvingOptions {
  /** The resource (step) of the lowest rung before the early-stopping rate (default 1). */
  readonly minResource?: number;
  /** η: only the best 1/η of the trials at a rung go on (default 4). */
  readonly reductionFactor?: number;
  /** s: the lowest rung is at minResource · η^s (default 0). */
  readonly minEarlyStoppingRate?: number;
  /** Never prune at a rung until this many trials have reached it (default 0). */
  readonly bootstrapCount?: number;
  /** Rungs at or above this resource are not judged (default: none is left out). */
  readonly maxResource?: number;
  /**
   * c: the cost of one step of a trial with these parameters relative to the costliest trial's,
   * in (0, 1] (default 1 for every trial); see the module comment.
   */
  readonly stepCost?: (params: Params) => number;
}

/** Slack for comparing a scaled resource with a rung's (ρ is a product of floats). */
const RESOURCE_SLACK = 1e-9;

/** ASHA: prunes a trial that is not among the best 1/η of the trials at a rung it reaches. */
export class SuccessiveHalvingPruner implements Pruner {
  readonly name = "asha";
  readonly minResource: number;
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;
  readonly bootstrapCount: number;
  readonly maxResource: number;
  private readonly stepCost: ((params: Params) => number) | undefined;

  constructor(options: SuccessiveHalvingOptions = {}) {
    this.minResource = options.minResource ?? 1;
    this.reductionFactor = options.reductionFactor ?? 4;
    this.minEarlyStoppingRate = options.minEarlyStoppingRate ?? 0;
    this.bootstrapCount = options.bootstrapCount ?? 0;
    this.maxResource = options.maxResource ?? Infinity;
    this.stepCost = options.stepCost;
    if (!(this.maxResource > 0)) {
      throw new RangeError(`SuccessiveHalvingPruner: \`maxResource > 0\` must hold, but got maxResource=${this.maxResource}`);
    }
    if (!(this.minResource > 0) || !Number.isFinite(this.minResource)) {
      throw new RangeError(`SuccessiveHalvingPruner: \`minResource > 0\` must hold, but got minResource=${this.minResource}`);
    }
    if (!(this.reductionFactor >= 2) || !Number.isFinite(this.reductionFactor)) {
      throw new RangeError(`SuccessiveHalvingPruner: \`reductionFactor >= 2\` must hold, but got reductionFactor=${this.reductionFactor}`);
    }
    for (const [name, value] of [["minEarlyStoppingRate", this.minEarlyStoppingRate], ["bootstrapCount", this.bootstrapCount]] as const) {
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new RangeError(`SuccessiveHalvingPruner: \`${name}\` must be a non-negative integer, but got ${name}=${value}`);
      }
    }
  }

  /** R_r: the step at which rung `r` is reached. */
  rungResource(r: number): number {
    return this.minResource * this.reductionFactor ** (this.minEarlyStoppingRate + r);
  }

  /**
   * The steps at which a trial with `params` reaches the judged rungs R_0 < R_1 < … below
   * `maxResource` (where a paused trial stops; see `promotion.ts`): R_r itself at cost 1, else the
   * first step s with ρ(s) ≥ R_r.
   */
  rungSteps(params: Params = {}): number[] {
    const cost = this.costOf(params);
    const steps: number[] = [];
    for (let r = 0; this.rungResource(r) < this.maxResource && Number.isFinite(this.maxResource); r++) {
      const resource = this.rungResource(r);
      // ρ(s) ≥ R ⇔ s ≥ (R + 1)/c − 1.
      steps.push(cost === 1 ? resource : Math.max(0, Math.ceil((resource + 1) / cost - 1 - RESOURCE_SLACK)));
    }
    return steps;
  }

  /** ρ(s): the resource of `trial`'s report at `step` (see the module comment). */
  resourceAt(trial: Pick<FrozenTrial, "params">, step: number): number {
    const cost = this.costOf(trial.params);
    return cost === 1 ? step : (step + 1) * cost - 1;
  }

  /** c for `params`: `stepCost`'s, checked, or 1. */
  private costOf(params: Params): number {
    if (this.stepCost === undefined) return 1;
    const cost = this.stepCost(params);
    if (!(cost > 0) || !Number.isFinite(cost)) throw new RangeError(`SuccessiveHalvingPruner: \`stepCost\` must return a finite number > 0, but got ${cost} for ${JSON.stringify(params)}`);
    return cost;
  }

  /**
   * ASHA's promotion rule for a trial stopped at rung `r` (Li et al., 2020, Algorithm 2): its
   * value there is among the best ⌊n/η⌋ of the n values of `trials` (itself included) at rung r,
   * so none is promotable while n < η. Stricter than {@link shouldPrune}, which lets the best of
   * fewer than η go on because a trial it does not stop cannot wait.
   */
  isPromotable(trial: FrozenTrial, trials: readonly FrozenTrial[], r: number, direction: "minimize" | "maximize"): boolean {
    const own = this.rungValue(trial, r);
    if (own === undefined || !Number.isFinite(own)) return false;
    const competing = [own, ...trials.filter((t) => t.number !== trial.number).map((t) => this.rungValue(t, r)).filter((v): v is number => v !== undefined && Number.isFinite(v))];
    const kept = Math.floor(competing.length / this.reductionFactor);
    if (kept === 0) return false;
    const sorted = competing.sort((a, b) => (direction === "minimize" ? a - b : b - a));
    const cutoff = sorted[kept - 1]!;
    return direction === "minimize" ? own <= cutoff : own >= cutoff;
  }

  shouldPrune({ trial, trials, direction }: PruningContext): boolean {
    const latest = trial.intermediateValues[trial.intermediateValues.length - 1];
    if (latest === undefined) return false;
    if (!Number.isFinite(latest.value)) return true;
    // Decide only at the rungs the latest report reached (each rung is judged once, on arrival).
    const previousStep = trial.intermediateValues.slice(0, -1).reduce((max, iv) => Math.max(max, iv.step), -Infinity);
    const [reached, before] = [this.resourceAt(trial, latest.step), previousStep === -Infinity ? -Infinity : this.resourceAt(trial, previousStep)];
    const others = trials.filter((t) => t.number !== trial.number);
    for (let r = 0; this.rungResource(r) <= reached + RESOURCE_SLACK && this.rungResource(r) < this.maxResource; r++) {
      if (this.rungResource(r) <= before + RESOURCE_SLACK) continue;
      const own = this.rungValue(trial, r);
      if (own === undefined) continue;
      const competing = [own, ...others.map((t) => this.rungValue(t, r)).filter((v): v is number => v !== undefined)];
      if (competing.length < this.bootstrapCount) return false;
      if (!isPromotable(own, competing, this.reductionFactor, direction)) return true;
    }
    return false;
  }

  private rungValue(trial: FrozenTrial, r: number): number | undefined {
    const resource = this.rungResource(r);
    let first: { step: number; value: number } | undefined;
    for (const iv of trial.intermediateValues) {
      if (this.resourceAt(trial, iv.step) >= resource - RESOURCE_SLACK && (first === undefined || iv.step < first.step)) first = iv;
    }
    return first?.value;
  }
}

/** Whether `value` is among the best ⌊n/η⌋ (at least 1) of `competing`. */
function isPromotable(value: number, competing: readonly number[], eta: number, direction: "minimize" | "maximize"): boolean {
  const sorted = [...competing].sort((a, b) => (direction === "minimize" ? a - b : b - a));
  const cutoff = sorted[Math.max(0, Math.floor(sorted.length / eta) - 1)] as number;
  return direction === "minimize" ? value <= cutoff : value >= cutoff;
}

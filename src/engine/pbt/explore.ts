/**
 * PBT's explore step: a member that copied another changes its perturbable parameters. For each
 * one, with probability p_resample it is drawn afresh from its distribution; otherwise it is
 * perturbed: a number is multiplied by 0.8 or 1.2 (each with probability ½) and snapped into its
 * distribution (bounds, integer and step grid; an integer that would not move moves one step, inward at a bound),
 * a choice moves to a neighbouring choice (either side with probability ½, inward at an end).
 * Draws come from `rng` in the order of `perturbable`, so the same stream gives the same change.
 */
import type { Rng } from "../../common/random";
import { sampleUniform, snap } from "../distributions";
import type { Distribution, Params, ParamValue, SearchSpace } from "../types";

/** How the explore step changes parameters. */
export interface ExploreSettings {
  /** Probability of drawing a parameter afresh instead of perturbing it (default 0.25). */
  readonly resampleProbability?: number;
  /** The factors a number is multiplied by, one drawn with equal probability (default [0.8, 1.2]). */
  readonly factors?: readonly number[];
}

/** What happened to one parameter: "×0.8", "×1.2", "→ neighbour", "resampled". */
export type ParamChange = string;

/** The explored parameters and, per changed parameter, how it changed. */
export interface Exploration {
  readonly params: Params;
  readonly changes: Readonly<Record<string, ParamChange>>;
}

/**
 * Explores `params`: each name of `perturbable` that `space` searches (not a fixed value) is
 * resampled or perturbed; every other parameter is kept.
 */
export function exploreParams(params: Params, space: SearchSpace, perturbable: readonly string[], rng: Rng, settings: ExploreSettings = {}): Exploration {
  const resampleProbability = settings.resampleProbability ?? 0.25;
  const factors = settings.factors ?? [0.8, 1.2];
  const next: Record<string, ParamValue> = { ...params };
  const changes: Record<string, ParamChange> = {};
  for (const name of perturbable) {
    const dist = space[name];
    if (dist === undefined || dist.kind === "fixed") continue;
    if (rng.next() < resampleProbability) {
      next[name] = sampleUniform(dist, rng);
      changes[name] = "resampled";
    } else {
      const { value, change } = perturb(dist, params[name]!, rng, factors);
      next[name] = value;
      changes[name] = change;
    }
  }
  return { params: next, changes };
}

/** One parameter perturbed within its distribution. */
function perturb(dist: Exclude<Distribution, { kind: "fixed" }>, value: ParamValue, rng: Rng, factors: readonly number[]): { value: ParamValue; change: ParamChange } {
  if (dist.kind === "categorical") {
    const i = dist.choices.indexOf(value);
    const n = dist.choices.length;
    const up = rng.next() < 0.5;
    const j = n === 1 ? 0 : i <= 0 ? 1 : i >= n - 1 ? n - 2 : up ? i + 1 : i - 1;
    return { value: dist.choices[j]!, change: "→ neighbour" };
  }
  const factor = factors[rng.int(factors.length)]!;
  const x = value as number;
  let moved = snap(dist, x * factor) as number;
  // An integer the factor cannot move moves one step that way, or the other way at a bound.
  const towards = factor >= 1 ? 1 : -1;
  if (dist.kind === "int" && moved === x) moved = snap(dist, x + towards * dist.step) as number;
  if (dist.kind === "int" && moved === x) moved = snap(dist, x - towards * dist.step) as number;
  return { value: moved, change: `×${factor}` };
}

/**
 * One PBT round's plan for the next: which members copy which (exploit) and the parameters every
 * member trains with next (explore for the copies, unchanged for the rest). Pure and seeded: the
 * draws of round r come from `createRng(seed, "pbt", r)`, so the same seed and the same values
 * give the same lineage.
 */
import { createRng } from "../../common/random";
import { sampleUniform } from "../distributions";
import type { Params, ParamValue, SearchSpace, StudyDirection } from "../types";
import { truncationSelection, type MemberScore } from "./exploit";
import { exploreParams, type ExploreSettings, type ParamChange } from "./explore";

/** What a member does before the next round. */
export interface MemberPlan {
  readonly member: number;
  /** The member whose weights and optimizer state it copies, or undefined when it goes on as it is. */
  readonly parent?: number;
  /** The parameters it trains with next. */
  readonly params: Params;
  /** How each explored parameter changed (empty when it goes on as it is). */
  readonly changes: Readonly<Record<string, ParamChange>>;
}

/** What the plan of a round needs. */
export interface RoundInput {
  readonly seed: number;
  /** The round just finished (0-based). */
  readonly round: number;
  readonly direction: StudyDirection;
  /** Each member's parameters in the round just finished, by member index. */
  readonly params: readonly Params[];
  /** Each member's value after the round (undefined when it failed), by member index. */
  readonly values: readonly (number | undefined)[];
  readonly space: SearchSpace;
  /** The parameters explore may change. */
  readonly perturbable: readonly string[];
  /** The bottom and top fraction of truncation selection (default 0.25). */
  readonly quantile?: number;
  readonly explore?: ExploreSettings;
}

/** Every member's plan for the next round, by member index. */
export function planNextRound(input: RoundInput): MemberPlan[] {
  const rng = createRng(input.seed, "pbt", input.round);
  const scores: MemberScore[] = input.values.map((value, member) => ({ member, value }));
  const copies = new Map(truncationSelection(scores, input.direction, input.quantile ?? 0.25, rng).map((d) => [d.member, d.parent]));
  return input.params.map((params, member) => {
    const parent = copies.get(member);
    if (parent === undefined) return { member, params, changes: {} };
    const explored = exploreParams(input.params[parent]!, input.space, input.perturbable, rng, input.explore);
    return { member, parent, params: explored.params, changes: explored.changes };
  });
}

/**
 * The first population: member m's parameters drawn uniformly from `space` (log-uniformly for a
 * log scale) with `createRng(seed, "pbt", "member", m)`. Members may share a point of a small
 * discrete space: they still train apart and diverge.
 */
export function initialPopulation(space: SearchSpace, population: number, seed: number): Params[] {
  return Array.from({ length: population }, (_, m) => {
    const rng = createRng(seed, "pbt", "member", m);
    const params: Record<string, ParamValue> = {};
    for (const [name, dist] of Object.entries(space)) params[name] = sampleUniform(dist, rng);
    return params;
  });
}

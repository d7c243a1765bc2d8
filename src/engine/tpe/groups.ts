/**
 * Group decomposition of a conditional search space (Optuna's `_GroupDecomposedSearchSpace`):
 * the parameters that always occur together in the trials form a group, and TPE fits one joint
 * estimator per group over the trials that hold it.
 *
 * Notation:
 *   S            the space's parameter names
 *   T_t ⊆ S      the parameters trial t holds (restricted to S)
 *   groups       the coarsest partition of S that every T_t refines: start from {S}, and for each
 *                trial split every group G into G ∩ T_t and G \ T_t (empty parts dropped)
 * A parameter no trial holds yet stays in a group of such parameters (no trial fits it, so TPE
 * draws it from its start-up sampler).
 */
import type { FrozenTrial, SearchSpace } from "../types";

/**
 * The groups of `space` over `trials` (see the module comment), each in the space's key order,
 * ordered by their first parameter.
 */
export function parameterGroups(space: SearchSpace, trials: Iterable<FrozenTrial>): string[][] {
  const names = Object.keys(space);
  let groups: string[][] = names.length === 0 ? [] : [names];
  for (const trial of trials) {
    const held = new Set(names.filter((name) => Object.hasOwn(trial.params, name)));
    if (held.size === 0) continue;
    const refined: string[][] = [];
    for (const group of groups) {
      const inside = group.filter((name) => held.has(name));
      const outside = group.filter((name) => !held.has(name));
      if (inside.length > 0) refined.push(inside);
      if (outside.length > 0) refined.push(outside);
    }
    groups = refined;
  }
  const position = new Map(names.map((name, i) => [name, i] as const));
  return groups.sort((a, b) => (position.get(a[0] as string) as number) - (position.get(b[0] as string) as number));
}

/**
 * Conditional parameters: when a parameter of a search space is active, and what that does to the
 * space's points. One home for each rule; the grammar, the study, the samplers and the
 * search-space module use these.
 *
 * Notation:
 *   S          a search space, parameters in key order p_1 … p_P
 *   c_p        the condition of p (absent: p is always active), a test on one parent q before p
 *   active(x)  the parameters active in a record x: p is active ⇔ c_p is absent, or q is active in
 *              x and c_p holds for x_q. Computed in key order, so a parent is decided first.
 *   A(x)       x restricted to active(x): what a trial holds
 *   configs(S) the distinct A(x) over all points x of S (the points of a conditional space: two
 *              points that differ only in inactive parameters are one configuration)
 */
import { cardinality, contains, enumerateValues } from "./distributions";
import type { Distribution, ParameterCondition, Params, ParamValue, SearchSpace } from "./types";

/** Whether some parameter of `space` has a condition. */
export function hasConditions(space: SearchSpace): boolean {
  return Object.values(space).some((dist) => dist.condition !== undefined);
}

/** `dist` without its condition (the form a trial stores). */
export function withoutCondition(dist: Distribution): Distribution {
  if (dist.condition === undefined) return dist;
  const { condition: _condition, ...rest } = dist;
  return rest as Distribution;
}

/** The parameters with no condition (present in every trial), in key order, without conditions. */
export function unconditionalSpace(space: SearchSpace): SearchSpace {
  return Object.fromEntries(Object.entries(space).filter(([, dist]) => dist.condition === undefined));
}

/** Whether `condition` holds when its parent has `value` (`undefined`: the parent is inactive, so no). */
export function conditionHolds(condition: ParameterCondition, value: ParamValue | undefined): boolean {
  if (value === undefined) return false;
  switch (condition.operator) {
    case "in":
      return condition.values.some((v) => v === value);
    case "==":
      return value === condition.value;
    case "!=":
      return value !== condition.value;
    default: {
      if (typeof value !== "number" || typeof condition.value !== "number") return false;
      const bound = condition.value;
      if (condition.operator === "<") return value < bound;
      if (condition.operator === "<=") return value <= bound;
      if (condition.operator === ">") return value > bound;
      return value >= bound;
    }
  }
}

/** The names of `space` active in `params` (see active(x) in the module comment), in key order. */
export function activeNames(space: SearchSpace, params: Params): string[] {
  const active = new Set<string>();
  for (const [name, dist] of Object.entries(space)) {
    const condition = dist.condition;
    if (condition === undefined || (active.has(condition.parent) && conditionHolds(condition, params[condition.parent]))) active.add(name);
  }
  return [...active];
}

/** A(x): the values of `params` for the parameters of `space` active in it (others are dropped). */
export function activeParams(space: SearchSpace, params: Params): Record<string, ParamValue> {
  const kept: Record<string, ParamValue> = {};
  for (const name of activeNames(space, params)) if (Object.hasOwn(params, name)) kept[name] = params[name] as ParamValue;
  return kept;
}

/** The distributions of the parameters active in `params`, without conditions (what a trial stores). */
export function activeSpace(space: SearchSpace, params: Params): SearchSpace {
  return Object.fromEntries(activeNames(space, params).map((name) => [name, withoutCondition(space[name] as Distribution)]));
}

/** The condition as the grammar writes it: `layers >= 2`, `kind in ["a", "b"]`. */
export function describeCondition(condition: ParameterCondition): string {
  const shown = condition.operator === "in" ? `[${condition.values.map((v) => JSON.stringify(v)).join(", ")}]` : JSON.stringify(condition.value);
  return `${condition.parent} ${condition.operator} ${shown}`;
}

/**
 * What is wrong with the condition of `name` in `space`, or `undefined` if nothing is: the parent
 * must be declared before `name`; `<`, `<=`, `>`, `>=` need a number and a parent with numeric
 * values; `==`, `!=` and `in` need values the parent can take (for a numeric parent, numbers).
 */
export function conditionProblem(space: SearchSpace, name: string): string | undefined {
  const condition = space[name]?.condition;
  if (condition === undefined) return undefined;
  const names = Object.keys(space);
  const at = names.indexOf(name);
  const parentAt = names.indexOf(condition.parent);
  if (parentAt < 0) return `the condition of "${name}" names "${condition.parent}", which is not a parameter; expected a parameter declared above it (${names.slice(0, at).join(", ") || "none is"})`;
  if (parentAt >= at) return `the condition of "${name}" names "${condition.parent}", which is declared after it (or is itself); a condition can only test a parameter declared above`;
  const parent = space[condition.parent] as Distribution;
  const numericParent = parent.kind === "int" || parent.kind === "float" || parentValues(parent).every((v) => typeof v === "number");
  const values = condition.operator === "in" ? condition.values : [condition.value];
  if (condition.operator === "in" && values.length === 0) return `"${name} if ${describeCondition(condition)}": the list after "in" needs at least one value`;
  if (condition.operator !== "==" && condition.operator !== "!=" && condition.operator !== "in") {
    if (!numericParent) return `"${describeCondition(condition)}" compares with ${condition.operator}, but "${condition.parent}" takes values that are not all numbers (${describeParentValues(parent)}); use ==, != or in`;
    if (typeof condition.value !== "number") return `"${describeCondition(condition)}" compares with ${condition.operator}, which needs a number, got ${JSON.stringify(condition.value)}`;
    return undefined;
  }
  const foreign = values.find((v) => (parent.kind === "int" || parent.kind === "float" ? typeof v !== "number" : !contains(parent, v)));
  if (foreign !== undefined) return `"${describeCondition(condition)}": ${JSON.stringify(foreign)} is not a value "${condition.parent}" can take (${describeParentValues(parent)})`;
  return undefined;
}

/** Throws a RangeError naming the parameter when a condition of `space` breaks a rule of {@link conditionProblem}. */
export function validateConditions(space: SearchSpace): void {
  for (const name of Object.keys(space)) {
    const problem = conditionProblem(space, name);
    if (problem !== undefined) throw new RangeError(problem);
  }
}

function parentValues(dist: Distribution): readonly ParamValue[] {
  if (dist.kind === "categorical") return dist.choices;
  if (dist.kind === "fixed") return [dist.value];
  return [];
}

function describeParentValues(dist: Distribution): string {
  if (dist.kind === "int" || dist.kind === "float") return `numbers in [${dist.low}, ${dist.high}]`;
  return `one of ${parentValues(dist).map((v) => JSON.stringify(v)).join(", ")}`;
}

// ---- configurations -----------------------------------------------------------------------

/** The names that some condition of `space` tests (the parents). */
function parentNames(space: SearchSpace): Set<string> {
  return new Set(Object.values(space).flatMap((dist) => (dist.condition === undefined ? [] : [dist.condition.parent])));
}

/**
 * |configs(S)| over the listed `axes` (default: every value of each distribution): the number of
 * distinct active configurations, ∞ when an active parameter is continuous. Branches only on the
 * parents' values; a parameter no condition tests multiplies the count by its axis length.
 */
export function configurationCount(space: SearchSpace, axes?: readonly (readonly ParamValue[])[]): number {
  const names = Object.keys(space);
  const dists = Object.values(space);
  const parents = parentNames(space);
  const partial: Record<string, ParamValue> = {};
  const active = new Set<string>();
  const count = (p: number): number => {
    if (p === names.length) return 1;
    const name = names[p] as string;
    const dist = dists[p] as Distribution;
    const condition = dist.condition;
    if (condition !== undefined && !(active.has(condition.parent) && conditionHolds(condition, partial[condition.parent]))) return count(p + 1);
    const length = axes === undefined ? cardinality(dist) : (axes[p] as readonly ParamValue[]).length;
    if (!parents.has(name) || !Number.isFinite(length)) {
      const rest = count(p + 1);
      return rest === 0 ? 0 : length * rest;
    }
    active.add(name);
    let total = 0;
    for (const value of axes === undefined ? enumerateValues(dist) : (axes[p] as readonly ParamValue[])) {
      partial[name] = value;
      total += count(p + 1);
    }
    active.delete(name);
    delete partial[name];
    return total;
  };
  return count(0);
}

/**
 * configs(S) over the listed `axes` (one array of values per parameter, key order): every distinct
 * active configuration once, in the mixed-radix order of the search-space module restricted to the
 * active parameters (the last parameter varies fastest). The axes must be finite.
 */
export function listConfigurations(space: SearchSpace, axes: readonly (readonly ParamValue[])[]): Record<string, ParamValue>[] {
  const names = Object.keys(space);
  const dists = Object.values(space);
  const listed: Record<string, ParamValue>[] = [];
  const partial: Record<string, ParamValue> = {};
  const walk = (p: number): void => {
    if (p === names.length) {
      listed.push(Object.fromEntries(names.filter((name) => Object.hasOwn(partial, name)).map((name) => [name, partial[name] as ParamValue])));
      return;
    }
    const name = names[p] as string;
    const condition = (dists[p] as Distribution).condition;
    if (condition !== undefined && !(Object.hasOwn(partial, condition.parent) && conditionHolds(condition, partial[condition.parent]))) {
      walk(p + 1);
      return;
    }
    for (const value of axes[p] as readonly ParamValue[]) {
      partial[name] = value;
      walk(p + 1);
    }
    delete partial[name];
  };
  walk(0);
  return listed;
}

/**
 * Grid search: every combination of each parameter's listed values, visited once, in order or in a
 * seeded shuffled order. Categoricals list their choices, ints and stepped floats their values;
 * a continuous float needs an explicit list (`values`) or `pointsPerDimension`.
 */
import { cardinality, contains, enumerateValues, fromUnit } from "../distributions";
import { SearchSpaceExhaustedError } from "../errors";
import { createRng, shuffleInPlace } from "../../common/random";
import type { Distribution, Params, ParamValue, Sampler, SamplingContext, SearchSpace } from "../types";

export { SearchSpaceExhaustedError } from "../errors";

/** The largest grid this sampler enumerates. */
export const MAX_GRID_SIZE = 1_000_000;

/** Options of {@link GridSampler}. */
export interface GridSamplerOptions {
  /** Visit the combinations in an order shuffled from this seed; omit to visit them in order. */
  readonly seed?: number;
  /**
   * Values per numeric dimension: a continuous float gets this many evenly spaced values (log-spaced
   * on a log scale, ends included); an int or stepped float with more values than this is thinned
   * the same way. Without it, continuous floats are an error and ints list every value.
   */
  readonly pointsPerDimension?: number;
  /** Explicit values of some parameters (each must lie in its distribution). */
  readonly values?: Readonly<Record<string, readonly ParamValue[]>>;
}

interface Grid {
  readonly names: readonly string[];
  /** (nParams, nValues_p): the values of each parameter. */
  readonly axes: readonly (readonly ParamValue[])[];
  /** (nParams): value key → index on that axis. */
  readonly lookup: readonly Map<string, number>[];
  readonly size: number;
  /** The visiting order: a permutation of 0…size−1. */
  readonly order: Uint32Array;
}

/**
 * Grid search over every combination. Combinations already held by a trial of the study (any
 * state, the trial being sampled excepted) are skipped, so a resumed study carries on where it
 * stopped; when none is left, `sample` throws {@link SearchSpaceExhaustedError}.
 */
export class GridSampler implements Sampler {
  readonly name = "grid";
  private readonly options: GridSamplerOptions;
  private readonly grids = new Map<string, Grid>();

  constructor(options: GridSamplerOptions = {}) {
    const ppd = options.pointsPerDimension;
    if (ppd !== undefined && (!Number.isSafeInteger(ppd) || ppd < 1)) {
      throw new RangeError(`GridSampler: \`pointsPerDimension\` must be a positive integer, but got ${ppd}`);
    }
    if (options.seed !== undefined && !Number.isFinite(options.seed)) {
      throw new RangeError(`GridSampler: \`seed\` must be a finite number, but got seed=${options.seed}`);
    }
    this.options = options;
  }

  /** The number of combinations of `space` (throws, naming the parameter, if one cannot be listed). */
  size(space: SearchSpace): number {
    return this.gridFor(space).size;
  }

  sample(context: SamplingContext): Params {
    const grid = this.gridFor(context.space);
    const taken = new Set<number>();
    for (const trial of context.trials) {
      if (trial.number === context.trialNumber) continue;
      const index = combinationIndex(grid, trial.params);
      if (index !== undefined) taken.add(index);
    }
    for (let i = 0; i < grid.size; i++) {
      const combination = grid.order[i] as number;
      if (!taken.has(combination)) return combinationParams(grid, combination);
    }
    throw new SearchSpaceExhaustedError(grid.size, `grid over ${grid.names.join(", ") || "no parameters"}`);
  }

  private gridFor(space: SearchSpace): Grid {
    const key = JSON.stringify(space);
    let grid = this.grids.get(key);
    if (grid === undefined) {
      grid = this.buildGrid(space);
      this.grids.set(key, grid);
    }
    return grid;
  }

  private buildGrid(space: SearchSpace): Grid {
    const names = Object.keys(space);
    const axes = names.map((name) => this.axisValues(name, space[name] as Distribution));
    const size = axes.reduce((product, axis) => product * axis.length, 1);
    if (size > MAX_GRID_SIZE) {
      throw new RangeError(
        `GridSampler: the grid has ${size} combinations (${names.map((n, i) => `${n}: ${axes[i]?.length}`).join(", ")}), ` +
          `more than the ${MAX_GRID_SIZE} supported; list fewer values or use random or Bayesian search`,
      );
    }
    const order = new Uint32Array(size);
    for (let i = 0; i < size; i++) order[i] = i;
    if (this.options.seed !== undefined) {
      const shuffled = shuffleInPlace(Array.from(order), createRng(this.options.seed, "grid", JSON.stringify(names)));
      order.set(shuffled);
    }
    const lookup = axes.map((axis) => new Map(axis.map((value, i) => [valueKey(value), i] as const)));
    return { names, axes, lookup, size, order };
  }

  private axisValues(name: string, dist: Distribution): ParamValue[] {
    const explicit = this.options.values?.[name];
    if (explicit !== undefined) {
      if (explicit.length === 0) throw new RangeError(`GridSampler: \`values.${name}\` must not be empty`);
      for (const value of explicit) {
        if (!contains(dist, value)) {
          throw new RangeError(
            `GridSampler: every value of \`values.${name}\` must lie in its distribution ${JSON.stringify(dist)}, but got ${JSON.stringify(value)}`,
          );
        }
      }
      return dedupe(explicit);
    }
    const ppd = this.options.pointsPerDimension;
    const n = cardinality(dist);
    if (dist.kind === "categorical" || dist.kind === "fixed") return enumerateValues(dist);
    if (ppd === undefined || n <= ppd) {
      if (!Number.isFinite(n)) {
        throw new RangeError(
          `GridSampler: parameter "${name}" is a continuous float (low=${dist.low}, high=${dist.high}); ` +
            `a grid needs its values: give \`values.${name}\`, a \`step\`, or \`pointsPerDimension\``,
        );
      }
      return enumerateValues(dist);
    }
    // Evenly spaced in the unit interval's value cells: u_k = k/(ppd−1), ends included.
    const points = Array.from({ length: ppd }, (_, k) =>
      ppd === 1 ? fromUnit(dist, 0.5) : endpointValue(dist, k / (ppd - 1)),
    );
    return dedupe(points);
  }
}

/** The value at u ∈ [0, 1] with both ends reachable (fromUnit maps u = 1 into the last cell). */
function endpointValue(dist: Distribution, u: number): ParamValue {
  if (dist.kind === "float" && dist.step === undefined) {
    if (u === 0) return dist.low;
    if (u === 1) return dist.high;
  }
  return fromUnit(dist, u);
}

function valueKey(value: ParamValue): string {
  return JSON.stringify(value);
}

function dedupe(values: readonly ParamValue[]): ParamValue[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = valueKey(value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Mixed-radix index of `params` in the grid (first parameter most significant), if it is a grid point. */
function combinationIndex(grid: Grid, params: Params): number | undefined {
  let index = 0;
  for (let p = 0; p < grid.names.length; p++) {
    const name = grid.names[p] as string;
    if (!(name in params)) return undefined;
    const position = grid.lookup[p]?.get(valueKey(params[name] as ParamValue));
    if (position === undefined) return undefined;
    index = index * (grid.axes[p] as readonly ParamValue[]).length + position;
  }
  return index;
}

function combinationParams(grid: Grid, combination: number): Params {
  const params: Record<string, ParamValue> = {};
  let rest = combination;
  for (let p = grid.names.length - 1; p >= 0; p--) {
    const axis = grid.axes[p] as readonly ParamValue[];
    params[grid.names[p] as string] = axis[rest % axis.length] as ParamValue;
    rest = Math.floor(rest / axis.length);
  }
  // Keep the space's key order.
  return Object.fromEntries(grid.names.map((name) => [name, params[name] as ParamValue]));
}

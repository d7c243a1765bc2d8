/**
 * Grid search: every combination of each parameter's listed values, visited once, in order or in a
 * seeded shuffled order. Categoricals list their choices, ints and stepped floats their values;
 * a continuous float needs an explicit list (`values`) or `pointsPerDimension`.
 */
import { cardinality, contains, enumerateValues, fromUnit } from "../distributions";
import { SearchSpaceExhaustedError } from "../errors";
import { createRng, shuffleInPlace } from "../../common/random";
import { PointGrid, productSize } from "../search-space";
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
  /** The combinations and their mixed-radix numbering (see the search-space module). */
  readonly points: PointGrid;
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
  /** The grid ignores the objectives, so any number of them is fine. */
  readonly supportsMultiObjective = true;
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
    return this.gridFor(space).points.size;
  }

  sample(context: SamplingContext): Params {
    const { points, order } = this.gridFor(context.space);
    const taken = new Set<number>();
    for (const trial of context.trials) {
      if (trial.number === context.trialNumber) continue;
      const index = points.indexOf(trial.params);
      if (index !== undefined) taken.add(index);
    }
    for (let i = 0; i < points.size; i++) {
      const combination = order[i] as number;
      if (!taken.has(combination)) return points.pointAt(combination);
    }
    throw new SearchSpaceExhaustedError(points.size, `grid over ${points.names.join(", ") || "no parameters"}`);
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

  /**
   * How many values each parameter's axis gets, in key order, without listing them (an upper
   * bound: equal values are merged when listed). Throws for a continuous float that has neither
   * explicit values nor `pointsPerDimension`.
   */
  axisLengths(space: SearchSpace): number[] {
    return Object.keys(space).map((name) => this.axisLength(name, space[name] as Distribution));
  }

  /**
   * Throws, naming each axis's length and the limit, when the grid of `space` would have more than
   * {@link MAX_GRID_SIZE} points. Computed from the axes' lengths before any axis is listed:
   * `int(0, 2e9)` must fail here, not after two billion values have been put in an array.
   */
  checkSize(space: SearchSpace): void {
    const names = Object.keys(space);
    const lengths = this.axisLengths(space);
    const bound = productSize(lengths);
    if (bound > MAX_GRID_SIZE) {
      throw new RangeError(
        `GridSampler: the grid has ${bound} combinations (${names.map((n, i) => `${n}: ${lengths[i]}`).join(", ")}), ` +
          `more than the ${MAX_GRID_SIZE} supported; list fewer values or use random or Bayesian search`,
      );
    }
  }

  private buildGrid(space: SearchSpace): Grid {
    const names = Object.keys(space);
    this.checkSize(space);
    const points = new PointGrid(space, names.map((name) => this.axisValues(name, space[name] as Distribution)));
    const { size } = points;
    const order = new Uint32Array(size);
    for (let i = 0; i < size; i++) order[i] = i;
    if (this.options.seed !== undefined) {
      const shuffled = shuffleInPlace(Array.from(order), createRng(this.options.seed, "grid", JSON.stringify(names)));
      order.set(shuffled);
    }
    return { points, order };
  }

  /** How many values {@link axisValues} lists for `name`, without listing them (at most; repeats are dropped later). */
  private axisLength(name: string, dist: Distribution): number {
    const explicit = this.options.values?.[name];
    if (explicit !== undefined) return explicit.length;
    const n = cardinality(dist);
    const ppd = this.options.pointsPerDimension;
    if (dist.kind === "categorical" || dist.kind === "fixed") return n;
    if (ppd !== undefined && n > ppd) return ppd;
    if (!Number.isFinite(n)) throw continuousAxisError(name, dist);
    return n;
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
      return [...explicit];
    }
    const ppd = this.options.pointsPerDimension;
    const n = cardinality(dist);
    if (dist.kind === "categorical" || dist.kind === "fixed") return enumerateValues(dist);
    if (ppd === undefined || n <= ppd) {
      if (!Number.isFinite(n)) throw continuousAxisError(name, dist);
      return enumerateValues(dist);
    }
    // Evenly spaced in the unit interval's value cells: u_k = k/(ppd−1), ends included.
    const points = Array.from({ length: ppd }, (_, k) =>
      ppd === 1 ? fromUnit(dist, 0.5) : endpointValue(dist, k / (ppd - 1)),
    );
    // Repeated values (two u_k in one cell) are dropped by the PointGrid.
    return points;
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

/** The error for a continuous float on a grid: it has no list of values to try. */
function continuousAxisError(name: string, dist: Distribution): RangeError {
  const bounds = dist.kind === "float" ? ` (low=${dist.low}, high=${dist.high})` : "";
  return new RangeError(
    `GridSampler: parameter "${name}" is a continuous float${bounds}; ` +
      `a grid needs its values: give \`values.${name}\`, a \`step\`, or \`pointsPerDimension\``,
  );
}

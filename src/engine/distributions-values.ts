/**
 * The values of a distribution: their number and list, membership, the conversion to an internal
 * float (categorical → index) and back, snapping, and maps between a distribution and the unit
 * interval that the samplers draw from.
 *
 * Unit-interval map (`fromUnit(d, u)`, u ∈ [0, 1)):
 * - float:        low + u·(high − low), or exp(log low + u·(log high − log low)) when `log`;
 * - float + step: the k-th of the n = ⌊(high − low)/step⌋ + 1 grid values, k = ⌊u·n⌋;
 * - int:          the k-th of the n = (high − low)/step + 1 values, k = ⌊u·n⌋;
 * - int + log:    round(exp(u-interpolation of log(low − ½) … log(high + ½))), so every integer
 *                 gets the log-width of its own cell;
 * - categorical:  choices[⌊u·n⌋];  fixed: its value.
 * `toUnit` is its inverse (the centre of the cell for discrete values).
 */
import type { Distribution, FloatDistribution, ParamValue } from "./types";
import type { Rng } from "../common/random";
import { describeLiteral } from "../common/describe";
import { DistributionError, describeDistribution } from "./distributions-error";

/** Relative tolerance used when checking that a float lies on its step grid. */
export const GRID_TOLERANCE = 1e-8;

/** The number of grid values of a float with `step`: ⌊(high − low)/step⌋ + 1. */
function floatGridSize(d: FloatDistribution & { step: number }): number {
  return Math.floor((d.high - d.low) / d.step + GRID_TOLERANCE) + 1;
}

/** `low + k·step`, rounded to 15 significant digits so that 0.1·3 reads 0.3. */
function gridValue(low: number, step: number, k: number): number {
  return Number((low + k * step).toPrecision(15));
}

/**
 * The number of distinct values, or `Infinity` for a continuous float.
 * (A float with low = high has one value.)
 */
export function cardinality(dist: Distribution): number {
  switch (dist.kind) {
    case "float":
      if (dist.low === dist.high) return 1;
      return dist.step === undefined ? Infinity : floatGridSize({ ...dist, step: dist.step });
    case "int":
      return (dist.high - dist.low) / dist.step + 1;
    case "categorical":
      return dist.choices.length;
    case "fixed":
      return 1;
  }
}

/**
 * Every value of a finite distribution, in order (ints and stepped floats ascending, choices in
 * their order). Throws for a continuous float.
 */
export function enumerateValues(dist: Distribution): ParamValue[] {
  const n = cardinality(dist);
  if (!Number.isFinite(n)) {
    throw new DistributionError(
      `a continuous float has no finite list of values, but got (low=${(dist as FloatDistribution).low}, high=${(dist as FloatDistribution).high}) without \`step\``,
    );
  }
  switch (dist.kind) {
    case "float":
      if (dist.step === undefined) return [dist.low];
      return Array.from({ length: n }, (_, k) => Math.min(dist.high, gridValue(dist.low, dist.step as number, k)));
    case "int":
      return Array.from({ length: n }, (_, k) => dist.low + k * dist.step);
    case "categorical":
      return [...dist.choices];
    case "fixed":
      return [dist.value];
  }
}

/** Whether `value` is a possible value of `dist` (bounds, integer-ness, step grid, choices). */
export function contains(dist: Distribution, value: unknown): boolean {
  switch (dist.kind) {
    case "float": {
      if (typeof value !== "number" || !Number.isFinite(value) || value < dist.low || value > dist.high) return false;
      if (dist.step === undefined) return true;
      const k = (value - dist.low) / dist.step;
      return Math.abs(k - Math.round(k)) <= GRID_TOLERANCE * Math.max(1, Math.abs(k));
    }
    case "int":
      return (
        typeof value === "number" &&
        Number.isSafeInteger(value) &&
        value >= dist.low &&
        value <= dist.high &&
        (value - dist.low) % dist.step === 0
      );
    case "categorical":
      return dist.choices.some((choice) => choice === value);
    case "fixed":
      return dist.value === value;
  }
}

/**
 * The internal float of a value: the number itself for float and int, the index of the choice for
 * a categorical, 0 for fixed. Throws if `value` is not in `dist`.
 */
export function toInternal(dist: Distribution, value: ParamValue): number {
  if (!contains(dist, value)) {
    throw new DistributionError(`value ${describeLiteral(value)} is not in the distribution ${describeDistribution(dist)}`);
  }
  switch (dist.kind) {
    case "float":
    case "int":
      return value as number;
    case "categorical":
      return dist.choices.indexOf(value);
    case "fixed":
      return 0;
  }
}

/** The value of an internal float: the inverse of {@link toInternal}, snapping to a valid value. */
export function fromInternal(dist: Distribution, internal: number): ParamValue {
  return snap(dist, internal);
}

/**
 * The valid value nearest to `x` (on the distribution's own scale; for a categorical, `x` is an
 * index): clamped into [low, high], rounded to the integer or step grid, choice index rounded.
 */
export function snap(dist: Distribution, x: number): ParamValue {
  if (!Number.isFinite(x)) {
    throw new DistributionError(`snap needs a finite number, but got ${x}`);
  }
  switch (dist.kind) {
    case "float": {
      const clamped = Math.min(dist.high, Math.max(dist.low, x));
      if (dist.step === undefined) return clamped;
      const n = floatGridSize({ ...dist, step: dist.step });
      const k = Math.min(n - 1, Math.max(0, Math.round((clamped - dist.low) / dist.step)));
      return Math.min(dist.high, gridValue(dist.low, dist.step, k));
    }
    case "int": {
      const n = cardinality(dist);
      const k = Math.min(n - 1, Math.max(0, Math.round((x - dist.low) / dist.step)));
      return dist.low + k * dist.step;
    }
    case "categorical":
      return dist.choices[Math.min(dist.choices.length - 1, Math.max(0, Math.round(x)))] as ParamValue;
    case "fixed":
      return dist.value;
  }
}

/** The value at position `u` ∈ [0, 1] of the unit interval (see the module comment). */
export function fromUnit(dist: Distribution, u: number): ParamValue {
  if (!(u >= 0 && u <= 1)) throw new DistributionError(`fromUnit needs u in [0, 1], but got u=${u}`);
  switch (dist.kind) {
    case "float": {
      if (dist.step !== undefined) {
        const n = floatGridSize({ ...dist, step: dist.step });
        return Math.min(dist.high, gridValue(dist.low, dist.step, Math.min(n - 1, Math.floor(u * n))));
      }
      const value = dist.log
        ? Math.exp(Math.log(dist.low) + u * (Math.log(dist.high) - Math.log(dist.low)))
        : dist.low + u * (dist.high - dist.low);
      return Math.min(dist.high, Math.max(dist.low, value));
    }
    case "int": {
      if (dist.log) {
        const lo = Math.log(dist.low - 0.5);
        const hi = Math.log(dist.high + 0.5);
        const value = Math.round(Math.exp(lo + u * (hi - lo)));
        return Math.min(dist.high, Math.max(dist.low, value));
      }
      const n = cardinality(dist);
      return dist.low + Math.min(n - 1, Math.floor(u * n)) * dist.step;
    }
    case "categorical": {
      const n = dist.choices.length;
      return dist.choices[Math.min(n - 1, Math.floor(u * n))] as ParamValue;
    }
    case "fixed":
      return dist.value;
  }
}

/** The position in [0, 1] of `value` (the centre of its cell for discrete values); see the module comment. */
export function toUnit(dist: Distribution, value: ParamValue): number {
  const internal = toInternal(dist, value);
  switch (dist.kind) {
    case "float": {
      if (dist.low === dist.high) return 0.5;
      if (dist.step !== undefined) {
        const n = floatGridSize({ ...dist, step: dist.step });
        return (Math.round((internal - dist.low) / dist.step) + 0.5) / n;
      }
      return dist.log
        ? (Math.log(internal) - Math.log(dist.low)) / (Math.log(dist.high) - Math.log(dist.low))
        : (internal - dist.low) / (dist.high - dist.low);
    }
    case "int": {
      if (dist.log) {
        const lo = Math.log(dist.low - 0.5);
        const hi = Math.log(dist.high + 0.5);
        return (Math.log(internal) - lo) / (hi - lo);
      }
      return ((internal - dist.low) / dist.step + 0.5) / cardinality(dist);
    }
    case "categorical":
      return (internal + 0.5) / dist.choices.length;
    case "fixed":
      return 0.5;
  }
}

/** A value drawn uniformly (log-uniformly for `log`, uniformly over the grid for steps and ints). */
export function sampleUniform(dist: Distribution, rng: Rng): ParamValue {
  return fromUnit(dist, rng.next());
}

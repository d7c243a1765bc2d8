/**
 * Distributions as plain values: constructors that validate, a JSON form, membership, the
 * conversion to an internal float (categorical → index) and back, and maps between a distribution
 * and the unit interval that the samplers draw from.
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
import type {
  CategoricalDistribution,
  Distribution,
  FixedDistribution,
  FloatDistribution,
  IntDistribution,
  ParamValue,
} from "./types";
import type { Rng } from "../common/random";
import { describeLiteral } from "../common/describe";

/** A distribution or a value that breaks a rule; the message states the rule and the values. */
export class DistributionError extends Error {
  override readonly name = "DistributionError";
}

/** Relative tolerance used when checking that a float lies on its step grid. */
const GRID_TOLERANCE = 1e-8;

/** Options of {@link floatDistribution}. */
export interface FloatOptions {
  readonly log?: boolean;
  readonly step?: number;
}

/** Options of {@link intDistribution}. */
export interface IntOptions {
  readonly log?: boolean;
  readonly step?: number;
}

/** A real number in [low, high], uniform, log-uniform (`log`) or on a grid of `step`. */
export function floatDistribution(low: number, high: number, options: FloatOptions = {}): FloatDistribution {
  const log = options.log ?? false;
  const dist: FloatDistribution =
    options.step === undefined ? { kind: "float", low, high, log } : { kind: "float", low, high, log, step: options.step };
  checkFloat(dist);
  return dist;
}

/** An integer in [low, high], optionally log-uniform or on a grid of `step` (default 1). */
export function intDistribution(low: number, high: number, options: IntOptions = {}): IntDistribution {
  const dist: IntDistribution = { kind: "int", low, high, log: options.log ?? false, step: options.step ?? 1 };
  checkInt(dist);
  return dist;
}

/** One of `choices`: distinct JSON scalars (numbers, strings, booleans, null), unordered. */
export function categorical(choices: readonly ParamValue[]): CategoricalDistribution {
  const dist: CategoricalDistribution = { kind: "categorical", choices: [...choices] };
  checkCategorical(dist);
  return dist;
}

/** A parameter held at `value`. */
export function fixed(value: ParamValue): FixedDistribution {
  const dist: FixedDistribution = { kind: "fixed", value };
  checkFixed(dist);
  return dist;
}


function isParamValue(value: unknown): value is ParamValue {
  return (
    value === null ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value))
  );
}

function checkBounds(kind: string, low: unknown, high: unknown): asserts low is number {
  if (typeof low !== "number" || !Number.isFinite(low) || typeof high !== "number" || !Number.isFinite(high)) {
    throw new DistributionError(
      `${kind}: \`low\` and \`high\` must be finite numbers, but got (low=${describeLiteral(low)}, high=${describeLiteral(high)})`,
    );
  }
  if (!(low <= high)) {
    throw new DistributionError(`${kind}: \`low <= high\` must hold, but got (low=${low}, high=${high})`);
  }
}

function checkFloat(d: FloatDistribution): void {
  checkBounds("float", d.low, d.high);
  if (typeof d.log !== "boolean") throw new DistributionError(`float: \`log\` must be a boolean, but got log=${describeLiteral(d.log)}`);
  if (d.log && !(d.low > 0)) {
    throw new DistributionError(`float: \`low > 0\` must hold when log=true, but got (low=${d.low}, high=${d.high})`);
  }
  if (d.step !== undefined) {
    if (d.log) {
      throw new DistributionError(`float: \`step\` and \`log\` cannot be used together, but got (step=${d.step}, log=true)`);
    }
    if (typeof d.step !== "number" || !Number.isFinite(d.step) || !(d.step > 0)) {
      throw new DistributionError(`float: \`step > 0\` must hold, but got step=${describeLiteral(d.step)}`);
    }
    const cells = (d.high - d.low) / d.step;
    if (Math.abs(cells - Math.round(cells)) > GRID_TOLERANCE * Math.max(1, cells)) {
      throw new DistributionError(
        `float: \`high - low\` must be a multiple of \`step\`, but got (low=${d.low}, high=${d.high}, step=${d.step})`,
      );
    }
  }
}

function checkInt(d: IntDistribution): void {
  checkBounds("int", d.low, d.high);
  if (!Number.isSafeInteger(d.low) || !Number.isSafeInteger(d.high)) {
    throw new DistributionError(`int: \`low\` and \`high\` must be integers, but got (low=${d.low}, high=${d.high})`);
  }
  if (typeof d.log !== "boolean") throw new DistributionError(`int: \`log\` must be a boolean, but got log=${describeLiteral(d.log)}`);
  if (!Number.isSafeInteger(d.step) || d.step < 1) {
    throw new DistributionError(`int: \`step\` must be a positive integer, but got step=${describeLiteral(d.step)}`);
  }
  if (d.log && !(d.low >= 1)) {
    throw new DistributionError(`int: \`low >= 1\` must hold when log=true, but got (low=${d.low}, high=${d.high})`);
  }
  if (d.log && d.step !== 1) {
    throw new DistributionError(`int: \`step\` must be 1 when log=true, but got (step=${d.step}, log=true)`);
  }
  if ((d.high - d.low) % d.step !== 0) {
    throw new DistributionError(
      `int: \`high - low\` must be a multiple of \`step\`, but got (low=${d.low}, high=${d.high}, step=${d.step})`,
    );
  }
}

function checkCategorical(d: CategoricalDistribution): void {
  if (!Array.isArray(d.choices) || d.choices.length === 0) {
    throw new DistributionError(`categorical: \`choices\` must be a non-empty list, but got choices=${describeLiteral(d.choices)}`);
  }
  d.choices.forEach((choice, i) => {
    if (!isParamValue(choice)) {
      throw new DistributionError(
        `categorical: every choice must be a finite number, string, boolean or null, but got choices[${i}]=${describeLiteral(choice)}`,
      );
    }
    const first = d.choices.indexOf(choice);
    if (first !== i) {
      throw new DistributionError(
        `categorical: choices must be distinct, but got ${describeLiteral(choice)} at indices ${first} and ${i}`,
      );
    }
  });
}

function checkFixed(d: FixedDistribution): void {
  if (!isParamValue(d.value)) {
    throw new DistributionError(`fixed: the value must be a finite number, string, boolean or null, but got ${describeLiteral(d.value)}`);
  }
}

/** Throws a {@link DistributionError} stating the broken rule if `dist` is not a valid distribution. */
export function validateDistribution(dist: Distribution): void {
  switch (dist.kind) {
    case "float":
      return checkFloat(dist);
    case "int":
      return checkInt(dist);
    case "categorical":
      return checkCategorical(dist);
    case "fixed":
      return checkFixed(dist);
    default:
      throw new DistributionError(
        `\`kind\` must be one of "float", "int", "categorical", "fixed", but got kind=${describeLiteral((dist as { kind?: unknown }).kind)}`,
      );
  }
}

/** The JSON form of a distribution: a plain object with only JSON values. */
export type DistributionJSON = Record<string, unknown>;

/** The distribution as a plain JSON object (`JSON.stringify` it to get text). */
export function distributionToJSON(dist: Distribution): DistributionJSON {
  switch (dist.kind) {
    case "float":
      return dist.step === undefined
        ? { kind: "float", low: dist.low, high: dist.high, log: dist.log }
        : { kind: "float", low: dist.low, high: dist.high, log: dist.log, step: dist.step };
    case "int":
      return { kind: "int", low: dist.low, high: dist.high, log: dist.log, step: dist.step };
    case "categorical":
      return { kind: "categorical", choices: [...dist.choices] };
    case "fixed":
      return { kind: "fixed", value: dist.value };
  }
}

/**
 * Reads a distribution from its JSON form (an object, or the text of one), validating it.
 * Missing `log` means false; a missing int `step` means 1.
 */
export function distributionFromJSON(json: unknown): Distribution {
  const value: unknown = typeof json === "string" ? parseJSON(json) : json;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DistributionError(`a distribution must be a JSON object, but got ${describeLiteral(value)}`);
  }
  const o = value as Record<string, unknown>;
  switch (o["kind"]) {
    case "float": {
      const dist =
        o["step"] === undefined || o["step"] === null
          ? { kind: "float" as const, low: o["low"] as number, high: o["high"] as number, log: (o["log"] ?? false) as boolean }
          : {
              kind: "float" as const,
              low: o["low"] as number,
              high: o["high"] as number,
              log: (o["log"] ?? false) as boolean,
              step: o["step"] as number,
            };
      checkFloat(dist);
      return dist;
    }
    case "int": {
      const dist: IntDistribution = {
        kind: "int",
        low: o["low"] as number,
        high: o["high"] as number,
        log: (o["log"] ?? false) as boolean,
        step: (o["step"] ?? 1) as number,
      };
      checkInt(dist);
      return dist;
    }
    case "categorical": {
      const dist: CategoricalDistribution = { kind: "categorical", choices: o["choices"] as ParamValue[] };
      checkCategorical(dist);
      return { kind: "categorical", choices: [...dist.choices] };
    }
    case "fixed": {
      const dist: FixedDistribution = { kind: "fixed", value: o["value"] as ParamValue };
      checkFixed(dist);
      return dist;
    }
    default:
      throw new DistributionError(
        `\`kind\` must be one of "float", "int", "categorical", "fixed", but got kind=${describeLiteral(o["kind"])}`,
      );
  }
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DistributionError(`a distribution must be valid JSON, but parsing failed: ${(error as Error).message}`);
  }
}

/** Whether two distributions are equal as values (same kind, bounds, options, choices). */
export function distributionsEqual(a: Distribution, b: Distribution): boolean {
  return JSON.stringify(distributionToJSON(a)) === JSON.stringify(distributionToJSON(b));
}

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
    throw new DistributionError(`value ${describeLiteral(value)} is not in the distribution ${JSON.stringify(distributionToJSON(dist))}`);
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

/**
 * Distribution constructors and the rules they check: bounds, `log`, `step` grids, distinct
 * choices. Every check states the broken rule and the values in a {@link DistributionError}.
 */
import type {
  CategoricalDistribution,
  Distribution,
  FixedDistribution,
  FloatDistribution,
  IntDistribution,
  ParamValue,
} from "./types";
import { describeLiteral } from "../common/describe";
import { DistributionError } from "./distributions-error";
import { GRID_TOLERANCE } from "./distributions-values";

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
  // Values are drawn as low + u·(high − low): a width beyond the largest double draws only `high`.
  if (!Number.isFinite(high - low)) {
    throw new DistributionError(`${kind}: \`high - low\` must be a finite number, but got (low=${low}, high=${high}), whose difference overflows`);
  }
}

/** The rules of a float distribution. */
export function checkFloat(d: FloatDistribution): void {
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

/** The rules of an int distribution. */
export function checkInt(d: IntDistribution): void {
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

/** The rules of a categorical distribution. */
export function checkCategorical(d: CategoricalDistribution): void {
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

/** The rule of a fixed distribution. */
export function checkFixed(d: FixedDistribution): void {
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

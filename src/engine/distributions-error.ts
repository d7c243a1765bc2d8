/**
 * What every distribution module shares: the error they throw and the canonical plain form of a
 * distribution (its JSON form, also how messages show one). Kept apart, with no import of the
 * other distribution modules, so the rules, the JSON reader and the value maps can all use it
 * without an import cycle.
 */
import type { Distribution } from "./types";

/** A distribution or a value that breaks a rule; the message states the rule and the values. */
export class DistributionError extends Error {
  override readonly name = "DistributionError";
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

/** A distribution as messages show it: its JSON form as text. */
export function describeDistribution(dist: Distribution): string {
  return JSON.stringify(distributionToJSON(dist));
}

/**
 * Reading distributions from their JSON form (the form itself, `distributionToJSON`, lives in
 * `distributions-error.ts` with the error, since messages show it), and comparing two by it.
 */
import type { CategoricalDistribution, Distribution, FixedDistribution, IntDistribution, ParamValue } from "./types";
import { describeLiteral } from "../common/describe";
import { DistributionError, distributionToJSON } from "./distributions-error";
import { checkCategorical, checkFixed, checkFloat, checkInt } from "./distributions-rules";

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

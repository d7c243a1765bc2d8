/** How long a `--model` trial trains: its epochs and batch size, and what an epoch costs. */
import type { Distribution, ParamValue, Params, SearchSpace } from "../../engine/types";
import { MagicError } from "../types";
import type { TuneOptions } from "./options";

/** A trial's epochs and batch size: searched parameters of those names, else --epochs and --batch-size. */
export function trainingLength(params: Params, options: Pick<TuneOptions, "epochs" | "batchSize">): { epochs: number; batchSize: number } {
  return {
    epochs: typeof params["epochs"] === "number" ? params["epochs"] : options.epochs,
    batchSize: typeof params["batchSize"] === "number" ? params["batchSize"] : options.batchSize,
  };
}

/** The searched parameters that set a trial's training length (see {@link trainingLength}). */
const LENGTH_PARAMETERS = ["epochs", "batchSize"] as const;

/**
 * Refuses a search of `epochs` or `batchSize` that can draw anything but a positive integer
 * (`batchSize: [0, 16]`, `epochs: float(1, 5)`), before any training: found at a trial, each such
 * draw would fail it instead.
 * @throws MagicError on the parameter's line, naming the value that cannot be used
 */
export function checkTrainingLengthSpace(space: SearchSpace, lineOf: Readonly<Record<string, number>>): void {
  for (const name of LENGTH_PARAMETERS) {
    const distribution = space[name];
    if (distribution === undefined) continue;
    const bad = unusableLength(distribution);
    if (bad !== undefined) throw new MagicError(`${name} sets how long a trial trains: every value must be a whole number of at least 1, but ${bad}`, lineOf[name]);
  }
}

/** What makes `distribution` draw a value that is not a positive integer, if anything. */
function unusableLength(distribution: Distribution): string | undefined {
  const usable = (value: ParamValue): boolean => typeof value === "number" && Number.isInteger(value) && value >= 1;
  switch (distribution.kind) {
    case "int":
      return distribution.low >= 1 ? undefined : `the range starts at ${distribution.low}`;
    case "float":
      return "a float draws fractions (use int(low, high) or a list)";
    case "categorical": {
      const value = distribution.choices.find((choice) => !usable(choice));
      return value === undefined ? undefined : `${JSON.stringify(value)} is one of the values`;
    }
    case "fixed":
      return usable(distribution.value) ? undefined : `the value is ${JSON.stringify(distribution.value)}`;
  }
}

/**
 * When the space searches `batchSize`: a trial's epoch cost relative to the costliest trial's, in
 * optimizer steps (mini-batches) per epoch, which go as 1/batch size (the last partial batch left
 * out):
 *   c = b_min / b   ∈ (0, 1],   b = the trial's batch size, b_min = the smallest a trial can have
 * (the space's, or --batch-size when the parameter has a condition, so that a trial may train
 * without it, and --batch-size is smaller).
 * Undefined when every trial trains with one batch size (every epoch costs the same).
 */
export function epochStepCost(space: SearchSpace, options: Pick<TuneOptions, "epochs" | "batchSize">): ((params: Params) => number) | undefined {
  const searched = space["batchSize"];
  if (searched === undefined || searched.kind === "fixed") return undefined;
  const lowest = searched.kind === "categorical" ? Math.min(...searched.choices.filter((c): c is number => typeof c === "number" && c > 0)) : searched.low;
  const smallest = searched.condition === undefined ? lowest : Math.min(lowest, options.batchSize);
  if (!(smallest > 0) || !Number.isFinite(smallest)) return undefined;
  return (params) => smallest / trainingLength(params, options).batchSize;
}

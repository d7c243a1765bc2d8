/** How long a `--model` trial trains: its epochs and batch size, and what an epoch costs. */
import type { Params, SearchSpace } from "../../engine/types";
import type { TuneOptions } from "./options";

/** A trial's epochs and batch size: searched parameters of those names, else --epochs and --batch-size. */
export function trainingLength(params: Params, options: Pick<TuneOptions, "epochs" | "batchSize">): { epochs: number; batchSize: number } {
  return {
    epochs: typeof params["epochs"] === "number" ? params["epochs"] : options.epochs,
    batchSize: typeof params["batchSize"] === "number" ? params["batchSize"] : options.batchSize,
  };
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

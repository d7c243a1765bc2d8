/** How long a `--model` trial trains: its epochs and batch size. */
import type { Params } from "../../engine/types";
import type { TuneOptions } from "./options";

/** A trial's epochs and batch size: searched parameters of those names, else --epochs and --batch-size. */
export function trainingLength(params: Params, options: Pick<TuneOptions, "epochs" | "batchSize">): { epochs: number; batchSize: number } {
  return {
    epochs: typeof params["epochs"] === "number" ? params["epochs"] : options.epochs,
    batchSize: typeof params["batchSize"] === "number" ? params["batchSize"] : options.batchSize,
  };
}

/** A pruner that never prunes (useful to switch pruning off explicitly). */
import type { Pruner } from "../types";

/** Never stops a trial early. */
export class NopPruner implements Pruner {
  readonly name = "none";
  shouldPrune(): boolean {
    return false;
  }
}

/**
 * How many trials a `%%tune` search plans and has left: the size of a finite (grid) space, the
 * check that a grid can list every parameter, and what counts as a finished trial.
 *
 * // engine search-space module: switch when it lands
 * Everything here is finite-space arithmetic and the meaning of "finished", which belong to the
 * engine's search-space module; this file is the magic's one place for them until it exists.
 */
import { MagicError } from "../types";
import { cardinality } from "../../engine/distributions";
import type { Study } from "../../engine/study";
import type { SearchSpace } from "../../engine/types";
import type { TuneOptions } from "./options";

/** Default number of trials when neither `--trials` nor a grid says how many. */
export const DEFAULT_TRIALS = 20;

/** A grid lists every value of every parameter: a float without a step cannot be listed. */
export function checkGridSpace(space: SearchSpace, lineOf: Readonly<Record<string, number>>): void {
  for (const [name, dist] of Object.entries(space)) {
    if (dist.kind === "float" && dist.step === undefined) {
      throw new MagicError(
        `--strategy grid cannot list the values of "${name}" (a continuous float): give them as a list ([0.1, 0.2, 0.3]), add a step (float(${dist.low}, ${dist.high}, step=...)), or pass --grid-points N`,
        lineOf[name],
      );
    }
  }
}

/**
 * How many trials a grid has (the product of the engine's {@link cardinality} of each parameter,
 * so with the grid sampler's own tolerance for stepped floats), or undefined when the space is
 * not finite. With `--grid-points` the sampler thins or fills numeric axes, which this does not
 * count: such a grid ends when the sampler finds it exhausted.
 */
function gridSize(space: SearchSpace): number | undefined {
  const size = Object.values(space).reduce((product, dist) => product * cardinality(dist), 1);
  return Number.isFinite(size) ? size : undefined;
}

/** The number of trials the study should have (`--trials`, the grid's size, or the default). */
export function plannedTrials(options: Pick<TuneOptions, "trials" | "strategy">, space: SearchSpace): number {
  return options.trials ?? (options.strategy === "grid" ? (gridSize(space) ?? DEFAULT_TRIALS) : DEFAULT_TRIALS);
}

/** How many trials are left to run: `--trials` counts the study's finished trials. */
export function remainingTrials(options: Pick<TuneOptions, "trials" | "strategy">, space: SearchSpace, study: Pick<Study, "trials">): number {
  const planned = plannedTrials(options, space);
  const finished = study.trials.filter((t) => t.state === "complete" || t.state === "pruned" || t.state === "failed").length;
  return Math.max(0, planned - finished);
}

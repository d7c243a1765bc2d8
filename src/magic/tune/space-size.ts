/**
 * How many trials a `%%tune` search plans and has left, and the up-front checks of a grid. The
 * arithmetic (sizes, "finished") is the engine's search-space module; this file applies it to the
 * magic's options and turns its answers into MagicErrors on the right line.
 */
import { messageOf } from "../../common/errors";
import { continuousParameters, finiteSpaceSize, remainingTrials } from "../../engine/search-space";
import { GridSampler } from "../../engine/samplers";
import type { FrozenTrial, SearchSpace } from "../../engine/types";
import { MagicError } from "../types";
import type { TuneOptions } from "./options";

/** Default number of trials when neither `--trials` nor a grid says how many. */
export const DEFAULT_TRIALS = 20;

/**
 * A grid lists every value of every parameter: a float without a step cannot be listed (unless
 * `--grid-points` says how many values to take), and the grid must stay within the grid sampler's
 * limit. Both are checked before anything is listed, so a huge axis fails at once.
 */
export function checkGridSpace(space: SearchSpace, lineOf: Readonly<Record<string, number>>, gridPoints?: number): void {
  const continuous = gridPoints === undefined ? continuousParameters(space)[0] : undefined;
  if (continuous !== undefined) {
    const dist = space[continuous]!;
    const bounds = dist.kind === "float" ? `float(${dist.low}, ${dist.high}, step=...)` : "a step";
    throw new MagicError(
      `--strategy grid cannot list the values of "${continuous}" (a continuous float): give them as a list ([0.1, 0.2, 0.3]), add a step (${bounds}), or pass --grid-points N`,
      lineOf[continuous],
    );
  }
  const sampler = new GridSampler(gridPoints === undefined ? {} : { pointsPerDimension: gridPoints });
  try {
    sampler.checkSize(space);
  } catch (error) {
    // Name the line of the longest axis: that is the one to shorten.
    const names = Object.keys(space);
    const lengths = sampler.axisLengths(space);
    const longest = names[lengths.indexOf(Math.max(...lengths))];
    throw new MagicError(`--strategy grid: ${messageOf(error).replace(/^GridSampler: /, "")}`, longest === undefined ? 1 : lineOf[longest]);
  }
}

/**
 * How many points the grid search will try: the grid sampler's own count (with `--grid-points` it
 * thins or fills numeric axes), or undefined when the space cannot be listed.
 */
function gridSize(space: SearchSpace, gridPoints: number | undefined): number | undefined {
  if (gridPoints === undefined) return finiteSpaceSize(space);
  try {
    return new GridSampler({ pointsPerDimension: gridPoints }).size(space);
  } catch {
    return undefined;
  }
}

/** The number of finished trials the study should hold (`--trials`, the grid's size, or the default). */
export function plannedTrials(options: Pick<TuneOptions, "trials" | "strategy" | "gridPoints">, space: SearchSpace): number {
  return options.trials ?? (options.strategy === "grid" ? (gridSize(space, options.gridPoints) ?? DEFAULT_TRIALS) : DEFAULT_TRIALS);
}

/** How many more trials must finish (the engine's rule of "finished": complete or pruned). */
export function trialsLeft(options: Pick<TuneOptions, "trials" | "strategy" | "gridPoints">, space: SearchSpace, trials: readonly FrozenTrial[]): number {
  return remainingTrials(plannedTrials(options, space), trials);
}

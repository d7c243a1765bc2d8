/**
 * `%%tune`: searches the hyperparameters of a model builder (`--model`) or a free objective
 * (`--objective`) defined in earlier cells, shows the search live, and binds the study.
 *
 * Order of work: parse and check everything (space, options, names, data, one model built and
 * checked) before any training, so bad input fails at once with the line and what was expected;
 * then run the study; then bind and show the result, also when interrupted. This file only wires
 * the steps; see README.md in this folder for the files and the data flow.
 */
import { randomInt } from "node:crypto";
import { MagicError, type CellMagic } from "../types";
import type { PlotlyEmbedding } from "../../render";
import { loadTensorFlow, takeBackendNotice, type LoadedTensorFlow } from "../../tfjs/backend";
import { runModelSearch } from "./model-search";
import { runObjectiveSearch } from "./objective-search";
import { lookupFunction, lookupVariable } from "./variables";
import { checkTrainingLengthSpace } from "./training-length";
import { optional, readOptions, TUNE_HELP, TUNE_OPTIONS } from "./options";
import { checkGridSpace, plannedTrials } from "./space-size";
import { chooseStrategy, chooseStrategyForSeveral } from "./auto-strategy";
import { parseSearchSpace } from "./space-grammar";
import { completeSpace } from "./space-completion";

/** What `%%tune` shares across cells of one kernel session. */
export interface TuneSession {
  /** Whether plotly.js is already in the notebook page. */
  readonly embedding: PlotlyEmbedding;
  /** Loads TensorFlow.js once (default: {@link loadTensorFlow}). */
  readonly loadTensorFlow?: () => Promise<LoadedTensorFlow>;
  /** Shortest time between live updates, ms (default 1000). */
  readonly liveIntervalMs?: number;
}

/** Creates the `%%tune` cell magic for one kernel session. */
export function createTuneMagic(session: TuneSession): CellMagic {
  return {
    kind: "cell",
    name: "tune",
    summary: "search hyperparameters of a TensorFlow.js model or an objective (grid, random, Bayesian)",
    help: TUNE_HELP,
    options: TUNE_OPTIONS,
    completeBody: completeSpace,
    async run(args, body, context, bodyLine) {
      const read = readOptions(args, performance.now());
      const { space, lineOf, hypergradient, mutable } = parseSearchSpace(body, bodyLine);
      if (hypergradient !== undefined && read.model === undefined) {
        throw new MagicError(`hypergradient(...) adapts a model's learning rate while it trains: it needs --model (an --objective trains nothing of ours)`, lineOf[hypergradient.name]);
      }
      if (mutable !== undefined && read.strategy !== "pbt") {
        throw new MagicError(`"mutable" marks a parameter that population-based training changes while a model trains: it needs --strategy pbt`, lineOf[mutable[0]!]);
      }
      if (hypergradient !== undefined && read.strategy === "pbt") {
        throw new MagicError(`hypergradient(...) and --strategy pbt both change the learning rate while training: choose one`, lineOf[hypergradient.name]);
      }
      // The function and the data must exist before anything is said about the search it would run.
      if (read.model !== undefined) {
        lookupFunction(context, read.model, "model");
        for (const name of [...(read.data ?? []), ...(read.validationData ?? []), ...(read.test ?? [])]) lookupVariable(context, name, "variable");
        checkTrainingLengthSpace(space, lineOf);
      }
      else if (read.objective !== undefined) lookupFunction(context, read.objective, "objective");
      if (read.from !== undefined) lookupVariable(context, read.from, "study");
      let options = read;
      if (read.strategy === "auto") {
        const planned = plannedTrials({ ...read, strategy: "random" }, space);
        const choice =
          read.gridPoints !== undefined
            ? { strategy: "grid" as const, reason: "--grid-points asks for a grid" }
            : read.objectives !== undefined
              ? chooseStrategyForSeveral(space, planned, read.objectives.metrics.length)
              : chooseStrategy(space, planned, read.pruner);
        options = { ...read, strategy: choice.strategy, ...(choice.switchTo === undefined ? {} : { strategySwitch: choice.switchTo }) };
        context.stdout(`Strategy ${choice.strategy} (auto: ${choice.reason}).\n`);
      }
      if (options.strategy === "grid") checkGridSpace(space, lineOf, options.gridPoints);
      const seed = options.seed ?? randomInt(1, 2 ** 31 - 1);
      if (options.seed === undefined && options.storage === undefined) {
        context.stdout(`Seed ${seed} (pass --seed ${seed} to repeat this search).\n`);
      }
      if (options.model !== undefined) {
        const loaded = await (session.loadTensorFlow ?? loadTensorFlow)();
        const notice = takeBackendNotice(loaded);
        if (notice !== undefined) context.stdout(`${notice}\n`);
        const adapting = hypergradient === undefined ? undefined : { parameter: hypergradient.name, ...optional("rule", hypergradient.rule), ...optional("hyperLearningRate", hypergradient.hyperLearningRate) };
        return runModelSearch(session, options, space, seed, context, loaded, adapting, mutable);
      }
      return runObjectiveSearch(session, options, space, seed, context);
    },
  };
}

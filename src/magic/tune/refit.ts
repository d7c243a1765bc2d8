/**
 * The `--cv` refit: after a k-fold search each kept model is its trial's last-fold model, trained
 * on (k − 1)/k of the rows; the refit trains the same parameters once more on every row of
 * `--data` (as scikit-learn's `refit`) and keeps that model instead. One objective: the best
 * trial's parameters (`study.bestModel`). Several objectives: the parameters of each model kept on
 * the Pareto front (`study.frontModels`), so whichever `pickTrial` chooses learnt from all rows.
 */
import type { MagicContext } from "../types";
import type { LoadedTensorFlow } from "../../tfjs/backend";
import { disposeModel, refitOnAllRows, TrainingAbortedError, type HypergradientTraining, type ModelBuilder } from "../../tfjs/train";
import type { TrainingData } from "../../tfjs/trainingData";
import type { FrozenTrial } from "../../engine/types";
import { deriveSeed } from "../../common/random";
import { messageOf } from "../../common/errors";
import type { BestModelKeeper } from "./best-model";
import type { NotebookStudy } from "./notebook-study";
import type { TuneOptions } from "./options";
import { frontRefitReport, refitReport } from "./report";
import { InterruptedSearch } from "./run-search";
import { trainingLength } from "./training-length";

/** What a refit needs. */
export interface RefitInput {
  readonly loaded: LoadedTensorFlow;
  readonly builder: ModelBuilder;
  readonly data: TrainingData;
  readonly options: TuneOptions;
  readonly seed: number;
  readonly bound: NotebookStudy;
  readonly context: MagicContext;
  readonly hypergradient?: HypergradientTraining;
}

/**
 * One objective: trains the best trial's parameters on every row of --data and keeps that model as
 * `study.bestModel` in place of the trial's last-fold model (its trial, `bestModelTrial`, is then
 * the best trial, also when the best trial came from `--from`). If the refit is interrupted or
 * fails, the last-fold model stays.
 * @returns the numbers of the trials whose kept model is now refitted (none or the best trial)
 */
export async function refitBest(input: RefitInput, keeper: BestModelKeeper): Promise<ReadonlySet<number>> {
  const { options, bound, context } = input;
  const best = bound.bestTrial;
  if (best === undefined || bound.bestModel === undefined) return new Set();
  const started = performance.now();
  try {
    const { model, rows } = await refitTrial(input, best, deriveSeed(input.seed, "refit"));
    keeper.replace(model, best.number);
    context.stdout(`${refitReport({ trialNumber: best.number, rows, data: options.data!.join(","), epochs: trainingLength(best.params, options).epochs, durationMs: performance.now() - started, out: options.out })}\n`);
    return new Set([best.number]);
  } catch (error) {
    if (error instanceof TrainingAbortedError) {
      throw new InterruptedSearch(`refit interrupted; the study and trial #${bound.bestModelTrialNumber ?? best.number}'s last-fold model are kept in \`${options.out}\``);
    }
    context.stderr(`The refit on all rows failed (${messageOf(error)}); ${options.out}.bestModel is trial #${bound.bestModelTrialNumber ?? best.number}'s last-fold model.\n`);
    return new Set();
  }
}

/**
 * Several objectives: trains the parameters of each model kept on the Pareto front on every row
 * of --data, replacing (and disposing) its last-fold model in `study.frontModels`. A refit that
 * fails leaves that trial's last-fold model and says so; an interrupt keeps those done so far.
 * @returns the numbers of the trials whose kept model is now refitted
 */
export async function refitFront(input: RefitInput): Promise<ReadonlySet<number>> {
  const { options, bound, context } = input;
  const refitted = new Set<number>();
  const started = performance.now();
  let rows = 0;
  for (const [number, lastFold] of [...bound.frontModels].sort(([a], [b]) => a - b)) {
    const trial = bound.trials.find((t) => t.number === number);
    if (trial === undefined) continue;
    try {
      const result = await refitTrial(input, trial, deriveSeed(input.seed, "refit", number));
      bound.frontModels.set(number, result.model);
      disposeModel(lastFold);
      refitted.add(number);
      rows = result.rows;
    } catch (error) {
      if (error instanceof TrainingAbortedError) {
        throw new InterruptedSearch(`refit interrupted after ${refitted.size} of ${bound.frontModels.size} front models; the study and the others' last-fold models are kept in \`${options.out}\``);
      }
      context.stderr(`The refit of trial #${number} on all rows failed (${messageOf(error)}); ${options.out}.frontModels keeps its last-fold model.\n`);
    }
  }
  if (refitted.size > 0) {
    context.stdout(`${frontRefitReport({ trialNumbers: [...refitted], rows, data: options.data!.join(","), durationMs: performance.now() - started, out: options.out })}\n`);
  }
  return refitted;
}

/** A fresh model of `trial`'s parameters trained on all rows, for as long as the trial trained. */
function refitTrial({ loaded, builder, data, options, context, hypergradient }: RefitInput, trial: FrozenTrial, seed: number): ReturnType<typeof refitOnAllRows> {
  const [x, y] = options.data!;
  return refitOnAllRows(loaded.tf, builder, trial.params, data, {
    ...trainingLength(trial.params, options),
    seed,
    signal: context.signal,
    dataNames: { x, y },
    ...(hypergradient === undefined ? {} : { hypergradient }),
  });
}

/**
 * Training that goes on from a model's current weights, for population-based training: a member
 * trains E more epochs per round (the trainer's own epoch loop, `trainFold` in train.ts), and a
 * member that exploits another is rebuilt with its new parameters and takes the other's weights
 * and optimizer state (its moments and step count), so it continues where the other stopped.
 *
 * Rebuilding with the builder makes the copy general: any builder, any optimizer, parameters that
 * live in layers (dropout) or in the optimizer (learning rate) alike. The weights must have the same
 * shapes in the same order, which holds when only perturbable parameters changed; otherwise
 * {@link ArchitectureMismatchError} says which weight differs.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "./backend";
import { buildTrialModel, checkModelFitsData, disposeModel } from "./model-setup";
import { trainFold, type FitRows, type TrialProgress } from "./train";
import type { ModelBuilder, TrainOptions, TrialReporter } from "./train-types";
import type { TrainingFold } from "./trainingData";

/** How one round of a member trains. */
export interface RoundOptions extends Omit<TrainOptions, "keepModel" | "reporter"> {
  /** Receives `report(value, firstStep + e)` after epoch e of the round. */
  readonly reporter?: TrialReporter;
  /** The report step of the round's first epoch (the epochs the member trained before). */
  readonly firstStep: number;
}

/** What a round of training produced. */
export interface RoundResult {
  /** The metric after the round's last epoch. */
  readonly value: number;
  /** Every logged metric's value after the last epoch. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Per-epoch values of every metric over the round. */
  readonly history: Readonly<Record<string, readonly number[]>>;
  readonly epochsRun: number;
}

/**
 * Trains `model` for `options.epochs` more epochs on `rows` from its current weights and optimizer
 * state, shuffled by `options.seed` (give each round its own), reporting after every epoch.
 * @throws TrainingAbortedError when the signal aborts (the model keeps the epochs done); Error when
 *   the metric is not finite
 */
export async function trainRound(tf: TensorFlow, model: tfjs.LayersModel, rows: FitRows, options: RoundOptions): Promise<RoundResult> {
  const progress: TrialProgress = { history: {}, epochsRun: 0, batchesRun: 0, lastReported: Number.NaN };
  const { reporter, firstStep, ...rest } = options;
  const shifted: TrialReporter | undefined =
    reporter === undefined ? undefined : { report: (value, step) => reporter.report(value, firstStep + step), shouldPrune: () => false };
  const outcome = await trainFold(tf, model, rows, 0, 1, options.metric, { ...rest, validateEveryEpoch: true, ...(shifted === undefined ? {} : { reporter: shifted }) }, progress);
  return { value: outcome.last[options.metric]!, metrics: outcome.last, history: progress.history, epochsRun: progress.epochsRun };
}

/** The copied model and the new one do not have the same weights (an architecture parameter changed). */
export class ArchitectureMismatchError extends Error {
  override readonly name = "ArchitectureMismatchError";
}

/** How a member's model is rebuilt from its new parameters. */
export interface RebuildOptions {
  /** The build seed (the initial weights are overwritten; it only fixes what the builder draws). */
  readonly seed: number;
  readonly dataNames?: { readonly x: string; readonly y: string };
}

/**
 * Builds `params`'s model with `buildModel` and gives it `parent`'s weights and optimizer state:
 * the new model continues the parent's training with the new parameters. `parent` is unchanged.
 * @throws ArchitectureMismatchError when the weights' count or shapes differ, or the optimizers'
 *   kinds or states do not match (the new model is disposed)
 */
export async function rebuildWithState<P>(
  tf: TensorFlow,
  buildModel: ModelBuilder<P>,
  params: P,
  parent: tfjs.LayersModel,
  fold: TrainingFold,
  options: RebuildOptions,
): Promise<tfjs.LayersModel> {
  const model = await buildTrialModel(buildModel, params, 0, { seed: options.seed });
  try {
    checkModelFitsData(model, fold, options.dataNames ?? { x: "x", y: "y" });
    checkSameWeights(parent, model);
    model.setWeights(parent.getWeights());
    await copyOptimizerState(tf, parent.optimizer, model.optimizer);
    return model;
  } catch (error) {
    disposeModel(model);
    throw error;
  }
}

/** The model weights' shapes must agree position by position. */
function checkSameWeights(parent: tfjs.LayersModel, child: tfjs.LayersModel): void {
  const named = (model: tfjs.LayersModel) => model.weights.map((w) => ({ shape: w.shape, name: w.originalName }));
  checkSameShapes(named(parent), named(child));
}

/** A weight's shape and the name an error message gives it. */
export interface NamedShape {
  readonly shape: readonly (number | null)[];
  readonly name: string;
}

/**
 * The copied member's weights (`parent`) and the rebuilt model's (`child`) must have the same
 * count and shapes, position by position.
 * @throws ArchitectureMismatchError naming the first weight that differs
 */
export function checkSameShapes(parent: readonly NamedShape[], child: readonly NamedShape[]): void {
  if (parent.length !== child.length) {
    throw new ArchitectureMismatchError(`the rebuilt model has ${child.length} weights, but the member it copies has ${parent.length}: only parameters that do not change the architecture can change during training`);
  }
  parent.forEach((weight, i) => {
    const other = child[i]!;
    if (weight.shape.join(",") !== other.shape.join(",")) {
      throw new ArchitectureMismatchError(
        `weight ${i} (${other.name}) of the rebuilt model has shape [${other.shape.join(", ")}], but the member it copies has [${weight.shape.join(", ")}] (${weight.name}): only parameters that do not change the architecture can change during training`,
      );
    }
  });
}

/**
 * Gives `child` (a fresh optimizer that has not stepped) the state of `parent`: its step count and
 * per-variable slots (Adam's moments, momentum's accumulators), matched by position. The parent's
 * slots stay its own: `setWeights` makes new variables from them; the step-count tensor that
 * `getWeights` makes is disposed here.
 */
async function copyOptimizerState(tf: TensorFlow, parent: tfjs.Optimizer, child: tfjs.Optimizer): Promise<void> {
  const kind = (optimizer: tfjs.Optimizer): string => (optimizer.constructor as { className?: string }).className ?? optimizer.constructor.name;
  if (kind(parent) !== kind(child)) {
    throw new ArchitectureMismatchError(`the rebuilt model's optimizer is ${kind(child)}, but the member it copies trains with ${kind(parent)}`);
  }
  const state = await parent.getWeights();
  try {
    await child.setWeights(state);
  } finally {
    tf.dispose(state.map((w) => w.tensor).filter((tensor) => !(tensor instanceof tf.Variable)));
  }
}

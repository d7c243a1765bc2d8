/**
 * One trial through a fused trainer when its model fuses, else through the single trainer: the
 * drop-in for `trainTrial` of a search that trains several trials at once in one thread. The
 * model is built and checked exactly as `trainTrial` builds it (same seeds), so a trial that falls
 * back trains as it always did.
 */
import type { TensorFlow } from "../backend";
import { buildCheckedModel, disposeModel } from "../model-setup";
import { trainTrial } from "../train";
import { TrainingAbortedError, TrainingSetupError, type ModelBuilder, type TrainOptions, type TrialTraining } from "../train-types";
import type { TrainingData } from "../trainingData";
import { fusedLayoutOf } from "./layout";
import type { FusedTrainer } from "./slots";

/** What a trial trained through {@link trainTrialFused} produced, and how. */
export type FusedTrialTraining = TrialTraining & {
  /** Undefined when it trained in a fused slot, else why it did not. */
  readonly fallback?: string;
};

/** The end of the last single-trainer run started here: fallbacks run one at a time (they seed `Math.random`). */
let lastFallback: Promise<unknown> = Promise.resolve();

/** Why a trial with these options and data cannot fuse at all, else undefined. */
export function fusionBlocker(data: TrainingData, options: Pick<TrainOptions, "hypergradient">): string | undefined {
  if (data.folds.length !== 1) return `--cv trains ${data.folds.length} folds per trial`;
  if (options.hypergradient !== undefined) return "a hypergradient learning rate adapts per step";
  return undefined;
}

/**
 * Trains one trial: in a slot of `trainer` when its model fuses and belongs to the trainer's
 * family, else with `trainTrial` (one such trial at a time).
 * @throws as {@link trainTrial}
 */
export async function trainTrialFused<P>(
  tf: TensorFlow,
  trainer: FusedTrainer,
  buildModel: ModelBuilder<P>,
  params: P,
  data: TrainingData,
  options: TrainOptions,
): Promise<FusedTrialTraining> {
  const blocked = fusionBlocker(data, options);
  if (blocked !== undefined) return fallBack(blocked, () => trainTrial(tf, buildModel, params, data, options));
  if (!Number.isInteger(options.epochs) || options.epochs < 1) throw new TrainingSetupError(`epochs must be a positive integer, but got ${options.epochs}`);
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new TrainingSetupError(`batchSize must be a positive integer, but got ${options.batchSize}`);
  if (options.signal?.aborted === true) throw new TrainingAbortedError(0, 0);
  const { model, metric } = await buildCheckedModel(buildModel, params, data, 0, options);
  const layout = fusedLayoutOf(tf, model);
  const reason = !layout.fusable ? layout.reason : trainer.accepts(layout.layout) ? undefined : "its model is of another family than the trials training at once";
  if (reason !== undefined || !layout.fusable) {
    disposeModel(model);
    return fallBack(reason ?? "", () => trainTrial(tf, buildModel, params, data, options));
  }
  return trainer.train(model, layout.layout, { ...options, metric });
}

async function fallBack(reason: string, train: () => Promise<TrialTraining>): Promise<FusedTrialTraining> {
  const run = lastFallback.then(train, train);
  lastFallback = run.catch(() => undefined);
  return { ...(await run), fallback: reason };
}

/**
 * One trial of the model-builder objective, trained on a pool's thread: the builder runs here in
 * the main thread exactly as {@link trainTrial} runs it (same seeds), each fold's model is
 * described as data and disposed, and a worker thread rebuilds and trains it. The result is
 * {@link trainTrial}'s, with the trained model rebuilt here only when the caller wants it.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import { buildTrialModel, disposeModel, type ModelBuilder, type TrainOptions, type TrialTraining } from "../train";
import { describeModel, restoreModel, type ModelDescription } from "./model-transfer";
import type { TrainingPool } from "./pool";
import { threadSpecOf } from "../validation-metrics";

/** The end of the last build started in this thread. */
let lastBuild: Promise<unknown> = Promise.resolve();

/**
 * Runs builds one after another: a build seeds `Math.random` for its whole (async) scope, so two
 * trials of a search that runs several at once must not build at the same time.
 */
function oneBuildAtATime<T>(build: () => Promise<T>): Promise<T> {
  const next = lastBuild.then(build, build);
  lastBuild = next.catch(() => undefined);
  return next;
}

/** What a trial trained on a thread produced: {@link TrialTraining} without the model. */
export interface PooledTraining extends Omit<TrialTraining, "model"> {
  /** Rebuilds the trained model in this thread (when `keepModel` was set; the caller owns it). */
  restoreModel?(): Promise<tfjs.LayersModel>;
}

/**
 * Builds the trial's models here and trains them on one of the pool's threads.
 * @param foldCount the number of folds of the pool's data (one with a validation split)
 * @throws UnserialisableModelError when a model cannot be described as data; otherwise as {@link trainTrial}
 */
export async function trainTrialInPool<P>(
  tf: TensorFlow,
  pool: TrainingPool,
  buildModel: ModelBuilder<P>,
  params: P,
  foldCount: number,
  options: Omit<TrainOptions, "signal" | "seedMathRandom"> & { readonly signal?: AbortSignal },
): Promise<PooledTraining> {
  const models = await oneBuildAtATime(async () => {
    const described: ModelDescription[] = [];
    for (let f = 0; f < foldCount; f++) {
      const model = await buildTrialModel(buildModel, params, f, options);
      try {
        described.push(describeModel(model));
      } finally {
        disposeModel(model);
      }
    }
    return described;
  });
  const { model, ...training } = await pool.train(
    {
      models,
      epochs: options.epochs,
      batchSize: options.batchSize,
      metric: options.metric,
      seed: options.seed,
      keepModel: options.keepModel ?? false,
      dataNames: options.dataNames ?? { x: "x", y: "y" },
      ...(options.validationMetrics === undefined ? {} : { validationMetrics: threadSpecOf(options.validationMetrics) }),
    },
    options.reporter,
    options.signal,
  );
  return model === undefined ? training : { ...training, restoreModel: () => restoreModel(tf, model) };
}

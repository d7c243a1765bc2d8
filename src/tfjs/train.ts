/**
 * Runs one trial of the "model builder" objective form: build a compiled `tf.LayersModel` from the
 * trial's parameters, train it on prepared data (a validation split or k folds), report the chosen
 * metric after every epoch, stop at once when the pruner says so or the user interrupts, and free
 * every tensor it made.
 *
 * Training is our own batch loop (`epoch.ts` over `train-step.ts`), not `model.fit`: the compiled
 * loss, metrics, regularisers and optimizer, with fit's operations, so the weights are those fit
 * would train to the last bit, without fit's per-batch gathers, callbacks and metric ops
 * (`npm run bench:train-step` compares it with fit and a bare `optimizer.minimize` loop). Between batches it reads `options.signal` and gives
 * the event loop a turn every ~25 ms of work (`pacer.ts`), so an interrupt stops it within a batch.
 *
 * Reproducibility (same seed, same backend → same metrics):
 * - each epoch trains on a permutation of the training rows drawn from a generator seeded with
 *   `deriveSeed(seed, "shuffle", fold)`;
 * - model building and each epoch run with `Math.random` seeded (see {@link withSeededMathRandom}),
 *   so unseeded initialisers and dropout masks are reproducible too; builders may also seed
 *   initialisers explicitly with `trialInitializers(tf, context.seed)`.
 *
 * Validation: the validation rows are evaluated after every epoch when a reporter (pruner), a curve
 * (`validateEveryEpoch`) or a `val_` objective reads them, else after each fold's last epoch only;
 * metrics from predictions (`validationMetrics`) every epoch when a reporter, a curve or the
 * objective is one of them, else after the last epoch.
 *
 * Pruning steps: the epoch count over the trial, i.e. fold f, epoch e reports at step
 * `f · epochs + e` (with a validation split, simply the epoch).
 *
 * The epoch loop is here; the options and results are in `train-types.ts`, building and checking
 * a model in `model-setup.ts` (both re-exported from here).
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "./backend";
import { deriveSeed, permutation, seededRandom, withSeededMathRandom } from "../common/random";
import type { TrainingData, TrainingFold } from "./trainingData";
import { isHypergradientOptimizer } from "./hypergradient";
import { buildCheckedModel, buildTrialModel, checkModelFitsData, disposeModel } from "./model-setup";
import { TrainingAbortedError, TrainingSetupError, type ModelBuilder, type TrainOptions, type TrialTraining } from "./train-types";
import type { TrainStep } from "./train-step";
import { chooseTrainStep } from "./lean/choose";
import { evaluateRows, trainEpoch, type EpochResult } from "./epoch";
import { EventLoopPacer } from "./pacer";
import { VALIDATION_PREFIX } from "./metrics";

export * from "./train-types";
export { buildTrialModel, checkBuiltModel, checkTrialSetup, disposeModel } from "./model-setup";

/**
 * Builds, trains and evaluates one trial.
 * @throws TrainingSetupError when the builder returns no compiled model, the model does not fit the
 *   data's shapes, or the metric is unknown (the message lists the history's metrics)
 * @throws TrainingAbortedError when `signal` aborts
 * @throws Error when the builder or training throws, or the metric becomes NaN/±∞
 */
export async function trainTrial<P>(
  tf: TensorFlow,
  buildModel: ModelBuilder<P>,
  params: P,
  data: TrainingData,
  options: TrainOptions,
): Promise<TrialTraining> {
  checkTrainOptions(options);
  if (options.signal?.aborted === true) throw new TrainingAbortedError(0, 0);
  const progress: TrialProgress = { history: {}, epochsRun: 0, batchesRun: 0, lastReported: Number.NaN };
  const finals: Record<string, number>[] = [];
  let metric = "";
  let pruned = false;
  let kept: tfjs.LayersModel | undefined;
  try {
    for (let f = 0; f < data.folds.length && !pruned; f++) {
      const built = await buildCheckedModel(buildModel, params, data, f, options);
      metric = built.metric;
      let outcome: FoldOutcome;
      try {
        outcome = await trainFold(tf, built.model, data.folds[f]!, f, data.folds.length, metric, options, progress);
      } catch (error) {
        disposeModel(built.model);
        throw error;
      }
      finals.push(outcome.last);
      pruned = outcome.pruned;
      if (options.keepModel === true) {
        if (kept !== undefined) disposeModel(kept);
        kept = built.model;
      } else {
        disposeModel(built.model);
      }
    }
  } catch (error) {
    if (kept !== undefined) disposeModel(kept);
    throw error;
  }

  const metrics = meanOfRecords(finals);
  const result: TrialTraining = {
    value: pruned ? progress.lastReported : metrics[metric]!,
    metric,
    metrics,
    history: progress.history,
    epochsRun: progress.epochsRun,
    batchesRun: progress.batchesRun,
    pruned,
    ...(progress.stepFallback === undefined ? {} : { stepFallback: progress.stepFallback }),
  };
  return kept === undefined ? result : { ...result, model: kept };
}

/** How to refit: a trial's training options without the metric, the reporter and keeping. */
export type RefitOptions = Pick<TrainOptions, "epochs" | "batchSize" | "seed" | "signal" | "seedMathRandom" | "dataNames" | "hypergradient">;

/**
 * Builds a fresh model of `params` and trains it on every row of `data` (the training and the
 * validation rows of its first fold, which a validation split or k folds make from all of the
 * data) for `options.epochs`, without validation: after a k-fold search, the best parameters'
 * model that learnt from all the data, as scikit-learn's `refit`. Built and shuffled with seeds
 * derived from `options.seed`, like a trial, so the same seed gives the same model.
 * @throws TrainingAbortedError when `options.signal` aborts (everything made is disposed)
 * @throws Error when the loss becomes NaN/±∞, or as {@link trainTrial} for a bad builder
 */
export async function refitOnAllRows<P>(
  tf: TensorFlow,
  buildModel: ModelBuilder<P>,
  params: P,
  data: TrainingData,
  options: RefitOptions,
): Promise<{ readonly model: tfjs.LayersModel; readonly rows: number }> {
  const fold = data.folds[0]!;
  const model = await buildTrialModel(buildModel, params, 0, options);
  const all = { xTrain: tf.concat([fold.xTrain, fold.xValidation]), yTrain: tf.concat([fold.yTrain, fold.yValidation]) };
  try {
    checkModelFitsData(model, fold, options.dataNames ?? { x: "x", y: "y" });
    const progress: TrialProgress = { history: {}, epochsRun: 0, batchesRun: 0, lastReported: Number.NaN };
    await trainFold(tf, model, all, 0, 1, "loss", { ...options, metric: "loss" }, progress);
    return { model, rows: all.xTrain.shape[0]! };
  } catch (error) {
    disposeModel(model);
    throw error;
  } finally {
    tf.dispose([all.xTrain, all.yTrain]);
  }
}

/** What a trial has done so far, over its folds. */
export interface TrialProgress {
  /** Per-epoch metric values, fold after fold. */
  readonly history: Record<string, number[]>;
  epochsRun: number;
  batchesRun: number;
  lastReported: number;
  /** Why the lean step did not train (the last fold's reason), else undefined. */
  stepFallback?: string | undefined;
}

/** The rows one `fit` trains on, and the validation rows it reports on (none for a refit). */
export type FitRows = Pick<TrainingFold, "xTrain" | "yTrain"> & Partial<Pick<TrainingFold, "xValidation" | "yValidation">>;

/** How one fold's training ended. */
export interface FoldOutcome {
  /** Each metric's value after the fold's last epoch. */
  readonly last: Record<string, number>;
  readonly pruned: boolean;
}

/**
 * Trains `model` on fold `f` of `foldCount` (its rows in `fold`), epoch after epoch on rows
 * shuffled by the trial's seeded generator, reporting `metric` after every epoch. The validation
 * rows are evaluated after every epoch when something reads them then (a reporter, a curve, or a
 * `val_` objective), else after the last epoch only.
 * Exported for training that goes on from a model's current weights (PBT rounds, train-rounds.ts).
 * @throws TrainingAbortedError when the signal aborts; Error when the metric is not finite
 */
export async function trainFold(
  tf: TensorFlow,
  model: tfjs.LayersModel,
  fold: FitRows,
  f: number,
  foldCount: number,
  metric: string,
  options: TrainOptions,
  progress: TrialProgress,
): Promise<FoldOutcome> {
  const seeded = options.seedMathRandom ?? true;
  const shuffle = seededRandom(deriveSeed(options.seed, "shuffle", f));
  const { step, fallback } = chooseTrainStep(tf, model, options.leanStep ?? true, { inPlaceUpdate: options.inPlaceUpdate ?? true });
  progress.stepFallback = fallback;
  const pacer = new EventLoopPacer(() => tf.nextFrame());
  const schedule = validationSchedule(options, metric);
  const last: Record<string, number> = {};
  for (let e = 0; e < options.epochs; e++) {
    const [xEpoch, yEpoch] = shuffledRows(tf, fold, permutation(fold.xTrain.shape[0]!, shuffle));
    const runEpoch = (): Promise<EpochResult> =>
      trainEpoch(tf, step, xEpoch, yEpoch, { batchSize: options.batchSize, signal: options.signal, pacer, onBatchEnd: () => progress.batchesRun++ });
    let epoch: EpochResult;
    try {
      epoch = await (seeded ? withSeededMathRandom(deriveSeed(options.seed, "fit", f, e), runEpoch) : runEpoch());
    } finally {
      tf.dispose([xEpoch, yEpoch]);
    }
    if (epoch.kind === "aborted") throw new TrainingAbortedError(progress.epochsRun, progress.batchesRun);
    const isLast = e === options.epochs - 1;
    const logs: Record<string, number> = { ...epoch.logs, ...validationLogs(tf, step, fold, options, schedule.losses || isLast, schedule.predictions || isLast) };
    // An adapting learning rate's trajectory, one value per epoch (hypergradient.ts).
    if (isHypergradientOptimizer(model.optimizer)) logs["lr"] = model.optimizer.currentLearningRate();
    for (const [key, value] of Object.entries(logs)) {
      (progress.history[key] ??= []).push(value);
      last[key] = value;
    }
    progress.epochsRun++;
    const value = logs[metric];
    if (value === undefined || !Number.isFinite(value)) {
      throw new Error(`the metric ${metric} was ${value ?? Number.NaN} after epoch ${e + 1}${foldCount > 1 ? ` of fold ${f + 1}` : ""}`);
    }
    progress.lastReported = value;
    options.reporter?.report(value, f * options.epochs + e);
    if (options.reporter?.shouldPrune() === true) return { last, pruned: true };
  }
  return { last, pruned: false };
}

/** Which validation logs are needed after every epoch (else only after the last one). */
export interface ValidationSchedule {
  /** The compiled loss and metrics (`val_loss`, `val_acc`, ...). */
  readonly losses: boolean;
  /** The metrics from predictions ({@link TrainOptions.validationMetrics}). */
  readonly predictions: boolean;
}

/** The validation logs needed after every epoch: those something reads per epoch (a reporter, a curve, the metric). Shared with the fused trainer. */
export function validationSchedule(options: Pick<TrainOptions, "reporter" | "validateEveryEpoch" | "validationMetrics">, metric: string): ValidationSchedule {
  const everyEpoch = options.reporter !== undefined || options.validateEveryEpoch === true;
  const fromPredictions = (options.validationMetrics?.names ?? []).map((name) => VALIDATION_PREFIX + name);
  return {
    losses: everyEpoch || metric.startsWith(VALIDATION_PREFIX),
    predictions: everyEpoch || fromPredictions.includes(metric),
  };
}

/**
 * The validation logs of this epoch: `val_<name>` of the compiled loss and metrics when `losses`,
 * and those of {@link TrainOptions.validationMetrics} when `predictions` (none without validation rows).
 */
function validationLogs(tf: TensorFlow, step: TrainStep, fold: FitRows, options: TrainOptions, losses: boolean, predictions: boolean): Record<string, number> {
  const { xValidation, yValidation } = fold;
  if (xValidation === undefined || yValidation === undefined) return {};
  const metrics = predictions ? options.validationMetrics : undefined;
  if (!losses && metrics === undefined) return {};
  const evaluation = evaluateRows(tf, step, xValidation, yValidation, step.evaluationBatchSize ?? options.batchSize, VALIDATION_PREFIX, metrics !== undefined);
  if (metrics === undefined || evaluation.yPred === undefined) return evaluation.logs;
  const yPred = evaluation.yPred;
  try {
    const computed = tf.tidy(() => metrics.compute(yValidation, yPred));
    const fromPredictions = Object.fromEntries(metrics.names.map((name) => {
      const value = computed[name];
      if (typeof value !== "number") throw new Error(`the validation metrics returned no number for "${name}" (they returned ${Object.keys(computed).join(", ") || "nothing"})`);
      return [VALIDATION_PREFIX + name, value];
    }));
    return { ...(losses ? evaluation.logs : {}), ...fromPredictions };
  } finally {
    yPred.dispose();
  }
}

/** The training rows of a fold in the order of `order` (new tensors, disposed by the caller). */
function shuffledRows(tf: TensorFlow, fold: FitRows, order: readonly number[]): [tfjs.Tensor, tfjs.Tensor] {
  return tf.tidy(() => {
    const indices = tf.tensor1d(order as number[], "int32");
    return [tf.gather(fold.xTrain, indices), tf.gather(fold.yTrain, indices)];
  });
}

function checkTrainOptions(options: TrainOptions): void {
  const positiveInteger = (value: number, name: string): void => {
    if (!Number.isInteger(value) || value < 1) throw new TrainingSetupError(`${name} must be a positive integer, but got ${value}`);
  };
  positiveInteger(options.epochs, "epochs");
  positiveInteger(options.batchSize, "batchSize");
  if (!Number.isFinite(options.seed)) throw new TrainingSetupError(`seed must be a finite number, but got ${options.seed}`);
}

/** The mean of each key over the records that have it. */
function meanOfRecords(records: readonly Record<string, number>[]): Record<string, number> {
  const sums: Record<string, { total: number; count: number }> = {};
  for (const record of records) {
    for (const [key, value] of Object.entries(record)) {
      const sum = (sums[key] ??= { total: 0, count: 0 });
      sum.total += value;
      sum.count++;
    }
  }
  return Object.fromEntries(Object.entries(sums).map(([key, { total, count }]) => [key, total / count]));
}

/**
 * Runs one trial of the "model builder" objective form: build a compiled `tf.LayersModel` from the
 * trial's parameters, train it on prepared data (a validation split or k folds), report the chosen
 * metric after every epoch, stop at once when the pruner says so or the user interrupts, and free
 * every tensor it made.
 *
 * Reproducibility (same seed, same backend → same metrics):
 * - each epoch trains on a permutation of the training rows drawn from a generator seeded with
 *   `deriveSeed(seed, "shuffle", fold)`, and fit runs with `shuffle: false` (fit's own shuffle
 *   reads `Math.random`);
 * - model building and each epoch's fit run with `Math.random` seeded (see
 *   {@link withSeededMathRandom}), so unseeded initialisers and dropout masks are reproducible too;
 *   builders may also seed initialisers explicitly with `trialInitializers(tf, context.seed)`.
 *
 * Pruning steps: the epoch count over the trial, i.e. fold f, epoch e reports at step
 * `f · epochs + e` (with a validation split, simply the epoch).
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { Params } from "../engine/types";
import type { TensorFlow } from "./backend";
import { historyKeys, resolveMetricName } from "./metrics";
import { deriveSeed, permutation, seededRandom, withSeededMathRandom } from "../common/random";
import type { TrainingData, TrainingFold } from "./trainingData";
import { messageOf } from "../common/errors";
import { describeKind } from "../common/describe";

/** What the trainer needs of a running trial (the tuning engine's trial satisfies it). */
export interface TrialReporter {
  /** Records an intermediate objective value at `step` (0-based). */
  report(value: number, step: number): void;
  /** Whether the pruner wants this trial stopped, given what was reported so far. */
  shouldPrune(): boolean;
}

/** What the trainer reads of an `AbortSignal`. */
export interface AbortFlag {
  readonly aborted: boolean;
}

/** What a model builder is told besides the parameters. */
export interface BuildContext {
  /** The trial's seed; pass it to `trialInitializers(tf, seed)` to seed initialisers explicitly. */
  readonly seed: number;
  /** The fold the model is built for (0 with a validation split). */
  readonly fold: number;
}

/**
 * The user's function: parameters → a compiled model. It must build a fresh model (and a fresh
 * optimizer) on every call: the trainer disposes both when the trial ends.
 */
export type ModelBuilder<P = Params> = (params: P, context: BuildContext) => tfjs.LayersModel | Promise<tfjs.LayersModel>;

/** How to train a trial. */
export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** The objective metric, e.g. `val_acc`, `val_accuracy`, `val_loss`, `acc`. */
  readonly metric: string;
  /** The trial's seed (derive it from the study seed: `trialSeed(studySeed, trialNumber)`). */
  readonly seed: number;
  /** Receives `report(value, step)` after every epoch and is asked `shouldPrune()`. */
  readonly reporter?: TrialReporter;
  /**
   * When aborted, training stops after the current batch and {@link TrainingAbortedError} is thrown.
   * Read after every batch; any object with `aborted` will do (a worker thread passes a view of a
   * shared flag, since its event loop is busy training).
   */
  readonly signal?: AbortFlag;
  /** Keep the trained model (the last fold's) and return it; default false (it is disposed). */
  readonly keepModel?: boolean;
  /** Seed `Math.random` while building and fitting (see the module comment); default true. */
  readonly seedMathRandom?: boolean;
  /** Names of x and y in error messages; default "x", "y". */
  readonly dataNames?: { readonly x: string; readonly y: string };
}

/** Why an epoch's fit ended early. */
type StopReason = "none" | "pruned" | "aborted" | "nonFinite";

/** What a trained trial produced. */
export interface TrialTraining {
  /** The objective: the metric's last value, averaged over folds; when pruned, its last reported value. */
  readonly value: number;
  /** The history key the metric resolved to (`val_accuracy` → `val_acc`). */
  readonly metric: string;
  /** Every history metric's last value, averaged over the folds trained. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Per-epoch values of every metric, fold after fold (index = report step). */
  readonly history: Readonly<Record<string, readonly number[]>>;
  /** Epochs completed, over all folds. */
  readonly epochsRun: number;
  /** Batches completed, over all folds. */
  readonly batchesRun: number;
  readonly pruned: boolean;
  /** The trained model when `keepModel` was set (dispose it with {@link disposeModel}). */
  readonly model?: tfjs.LayersModel;
}

/** A problem with the user's builder, model or metric: the search should stop, not just the trial. */
export class TrainingSetupError extends Error {
  override readonly name = "TrainingSetupError";
}

/** Thrown when {@link TrainOptions.signal} aborts training; everything made is already disposed. */
export class TrainingAbortedError extends Error {
  override readonly name = "AbortError";
  constructor(readonly epochsRun: number, readonly batchesRun: number) {
    super(`training interrupted after ${epochsRun} epoch(s) and ${batchesRun} batch(es)`);
  }
}

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
  };
  return kept === undefined ? result : { ...result, model: kept };
}

/** How to refit: a trial's training options without the metric, the reporter and keeping. */
export type RefitOptions = Pick<TrainOptions, "epochs" | "batchSize" | "seed" | "signal" | "seedMathRandom" | "dataNames">;

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
interface TrialProgress {
  /** Per-epoch metric values, fold after fold. */
  readonly history: Record<string, number[]>;
  epochsRun: number;
  batchesRun: number;
  lastReported: number;
}

/** The rows one `fit` trains on, and the validation rows it reports on (none for a refit). */
type FitRows = Pick<TrainingFold, "xTrain" | "yTrain"> & Partial<Pick<TrainingFold, "xValidation" | "yValidation">>;

/** How one fold's training ended. */
interface FoldOutcome {
  /** Each metric's value after the fold's last epoch. */
  readonly last: Record<string, number>;
  readonly pruned: boolean;
}

/**
 * Trains `model` on fold `f` of `foldCount` (its rows in `fold`), one `fit` call per epoch on rows
 * shuffled by the trial's seeded generator, reporting `metric` after every epoch.
 * @throws TrainingAbortedError when the signal aborts; Error when the metric is not finite
 */
async function trainFold(
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
  const last: Record<string, number> = {};
  for (let e = 0; e < options.epochs; e++) {
    const stop: { reason: StopReason; value: number } = { reason: "none", value: Number.NaN };
    const step = f * options.epochs + e;
    const [xEpoch, yEpoch] = shuffledRows(tf, fold, permutation(fold.xTrain.shape[0]!, shuffle));
    const fitEpoch = (): Promise<unknown> =>
      model.fit(xEpoch, yEpoch, {
        epochs: e + 1,
        initialEpoch: e,
        batchSize: options.batchSize,
        shuffle: false,
        // Yield to the event loop after every batch, so interrupts, timers and live updates run mid-epoch.
        yieldEvery: "batch",
        ...(fold.xValidation === undefined || fold.yValidation === undefined ? {} : { validationData: [fold.xValidation, fold.yValidation] as [tfjs.Tensor, tfjs.Tensor] }),
        verbose: 0,
        callbacks: {
          onBatchEnd: () => {
            progress.batchesRun++;
            if (options.signal?.aborted === true) {
              stop.reason = "aborted";
              model.stopTraining = true;
            }
          },
          onEpochEnd: (_epoch: number, logs?: tfjs.Logs) => {
            if (stop.reason !== "none" || logs === undefined) return;
            for (const [key, value] of Object.entries(logs)) {
              (progress.history[key] ??= []).push(value);
              last[key] = value;
            }
            progress.epochsRun++;
            const value = logs[metric];
            if (value === undefined || !Number.isFinite(value)) {
              stop.reason = "nonFinite";
              stop.value = value ?? Number.NaN;
              model.stopTraining = true;
              return;
            }
            progress.lastReported = value;
            options.reporter?.report(value, step);
            if (options.reporter?.shouldPrune() === true) {
              stop.reason = "pruned";
              model.stopTraining = true;
            }
          },
        },
      });
    try {
      await (seeded ? withSeededMathRandom(deriveSeed(options.seed, "fit", f, e), fitEpoch) : fitEpoch());
    } finally {
      tf.dispose([xEpoch, yEpoch]);
    }
    switch (stop.reason) {
      case "aborted":
        throw new TrainingAbortedError(progress.epochsRun, progress.batchesRun);
      case "nonFinite":
        throw new Error(`the metric ${metric} was ${stop.value} after epoch ${e + 1}${foldCount > 1 ? ` of fold ${f + 1}` : ""}`);
      case "pruned":
        return { last, pruned: true };
      case "none":
        break;
    }
  }
  return { last, pruned: false };
}

/**
 * Builds the model of fold `f` (in the seeded scope) and checks it: a compiled `tf.LayersModel`
 * whose input and output fit the data, with the requested metric. Disposes it when a check fails.
 */
async function buildCheckedModel<P>(
  buildModel: ModelBuilder<P>,
  params: P,
  data: TrainingData,
  f: number,
  options: Pick<TrainOptions, "metric" | "seed" | "seedMathRandom" | "dataNames">,
): Promise<{ model: tfjs.LayersModel; metric: string }> {
  const model = await buildTrialModel(buildModel, params, f, options);
  try {
    checkModelFitsData(model, data.folds[f]!, options.dataNames ?? { x: "x", y: "y" });
    return { model, metric: resolveMetric(options.metric, model) };
  } catch (error) {
    disposeModel(model);
    throw error;
  }
}

/**
 * Builds the model of fold `f` of a trial exactly as {@link trainTrial} does (with the build seed
 * `deriveSeed(seed, "build", f)`, `Math.random` seeded unless `seedMathRandom` is false) and
 * checks that it is a compiled `tf.LayersModel`. A worker-thread pool builds models this way in
 * the main thread and sends their topology and initial weights, so the seeded initialisation holds.
 * @throws TrainingSetupError when the builder returns no compiled model (which is then disposed)
 */
export async function buildTrialModel<P>(
  buildModel: ModelBuilder<P>,
  params: P,
  f: number,
  options: Pick<TrainOptions, "seed" | "seedMathRandom">,
): Promise<tfjs.LayersModel> {
  const context: BuildContext = { seed: deriveSeed(options.seed, "build", f), fold: f };
  const build = async (): Promise<unknown> => buildModel(params, context);
  const built = await ((options.seedMathRandom ?? true) ? withSeededMathRandom(context.seed, build) : build());
  return checkOrDispose(built);
}

/**
 * Checks a builder before any training: builds one model with `params`, checks that it is a
 * compiled `tf.LayersModel` fitting the data and that the metric exists, and disposes it.
 * @returns the history key the metric resolves to
 * @throws TrainingSetupError (or the builder's own error) as {@link trainTrial} would
 */
export async function checkTrialSetup<P>(
  buildModel: ModelBuilder<P>,
  params: P,
  data: TrainingData,
  options: Pick<TrainOptions, "metric" | "seed" | "seedMathRandom" | "dataNames">,
): Promise<string> {
  const { model, metric } = await buildCheckedModel(buildModel, params, data, 0, options);
  disposeModel(model);
  return metric;
}

/**
 * Checks that a builder's return value is a compiled `tf.LayersModel` and returns it typed.
 * @throws TrainingSetupError "buildModel returned X, expected a compiled tf.LayersModel (call model.compile(...))"
 */
export function checkBuiltModel(value: unknown, builderName = "buildModel"): tfjs.LayersModel {
  const looksLikeModel =
    typeof value === "object" &&
    value !== null &&
    typeof (value as tfjs.LayersModel).fit === "function" &&
    typeof (value as tfjs.LayersModel).compile === "function" &&
    Array.isArray((value as tfjs.LayersModel).layers);
  if (!looksLikeModel) {
    throw new TrainingSetupError(`${builderName} returned ${describeKind(value)}, expected a compiled tf.LayersModel (call model.compile(...))`);
  }
  const model = value as tfjs.LayersModel;
  if (model.optimizer == null || model.loss == null) {
    throw new TrainingSetupError(`${builderName} returned a tf.LayersModel that is not compiled; call model.compile({ optimizer, loss, metrics }) before returning it`);
  }
  return model;
}

/** {@link checkBuiltModel}, disposing a model that fails the check (an uncompiled one, say). */
function checkOrDispose(built: unknown): tfjs.LayersModel {
  try {
    return checkBuiltModel(built);
  } catch (error) {
    const disposable = built as { dispose?: unknown } | null;
    if (typeof disposable === "object" && disposable !== null && typeof disposable.dispose === "function") {
      try {
        (disposable as { dispose(): void }).dispose();
      } catch {
        // not ours to repair: the check's error is the one to report
      }
    }
    throw error;
  }
}

/** Disposes a model and its optimizer (which `model.dispose()` leaves alive when it was passed as an object). */
export function disposeModel(model: tfjs.LayersModel): void {
  const optimizer = model.optimizer;
  model.dispose();
  optimizer?.dispose();
}

/** The history key of `requested` for this model, validated before any training. */
function resolveMetric(requested: string, model: tfjs.LayersModel): string {
  try {
    return resolveMetricName(requested, historyKeys(model.metricsNames, true));
  } catch (error) {
    throw new TrainingSetupError(messageOf(error));
  }
}

/** Checks a single-input, single-output model against the data's row shapes. */
function checkModelFitsData(model: tfjs.LayersModel, fold: TrainingFold, names: { readonly x: string; readonly y: string }): void {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new TrainingSetupError(`the model has ${model.inputs.length} input(s) and ${model.outputs.length} output(s); the trainer supports one of each`);
  }
  const compare = (layerShape: readonly (number | null)[], data: tfjs.Tensor, what: string, name: string): void => {
    const expected = layerShape.slice(1);
    const actual = data.shape.slice(1);
    const fits = expected.length === actual.length && expected.every((size, i) => size === null || size === actual[i]);
    if (!fits) {
      throw new TrainingSetupError(
        `the model's ${what} has shape [${expected.map((s) => s ?? "any").join(", ")}] per row, but ${name} rows have shape [${actual.join(", ")}]`,
      );
    }
  };
  compare(model.inputs[0]!.shape, fold.xTrain, "input", names.x);
  const outputShape = model.outputs[0]!.shape;
  // sparse categorical cross-entropy takes class indices, one per row, against K outputs
  const targetShape = hasSparseLoss(model) ? [...outputShape.slice(0, -1), 1] : outputShape;
  compare(targetShape, fold.yTrain, hasSparseLoss(model) ? "output (with a sparse loss: one class index)" : "output", names.y);
}

function hasSparseLoss(model: tfjs.LayersModel): boolean {
  const losses: unknown[] = Array.isArray(model.loss) ? model.loss : [model.loss];
  return losses.some((loss) => {
    const name = typeof loss === "string" ? loss : typeof loss === "function" ? loss.name : "";
    return /sparse_?categorical_?crossentropy/i.test(name);
  });
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

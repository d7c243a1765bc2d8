/**
 * The trainer's vocabulary (see `train.ts`): what a model builder is and is told, how to train a
 * trial, what training produced, and the two errors that end a trial other than by its metric.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { Params } from "../engine/types";

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

/**
 * Metrics computed from a model's predictions on the validation rows (F1, ROC AUC, R², ...), which a
 * TensorFlow.js history does not have. The trainer predicts on the validation rows and merges
 * `compute`'s record into the epoch's logs as `val_<name>` for each of `names`, in every epoch
 * where the objective metric, a pruner or a curve needs them, and always after the last epoch.
 * Built from metric names by the metrics module; a worker thread rebuilds it from `names`.
 */
export interface ValidationMetrics {
  /** The metrics' names without the `val_` prefix, e.g. `["f1", "auc"]` or `["f1_macro"]`. */
  readonly names: readonly string[];
  /**
   * Each named metric (keys exactly `names`) from the true targets and the model's predictions for
   * the same rows. Must not keep or dispose its arguments.
   */
  compute(yTrue: tfjs.Tensor, yPred: tfjs.Tensor): Record<string, number>;
}

/** Which parameter is the learning rate that adapts, and how (see {@link TrainOptions.hypergradient}). */
export interface HypergradientTraining {
  readonly parameter: string;
  readonly rule?: "multiplicative" | "additive";
  /** β. */
  readonly hyperLearningRate?: number;
}

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
   * shared flag). Training gives the event loop a turn every ~25 ms of work, so an `AbortSignal`
   * aborted by an interrupt handler or a timer is seen within a batch of it.
   */
  readonly signal?: AbortFlag;
  /** Keep the trained model (the last fold's) and return it; default false (it is disposed). */
  readonly keepModel?: boolean;
  /** Seed `Math.random` while building and fitting (see the module comment); default true. */
  readonly seedMathRandom?: boolean;
  /** Names of x and y in error messages; default "x", "y". */
  readonly dataNames?: { readonly x: string; readonly y: string };
  /** Metrics from predictions on the validation rows, merged into the logs as `val_<name>`. */
  readonly validationMetrics?: ValidationMetrics;
  /**
   * Evaluate the validation rows after every epoch (for a learning curve). Without it they are
   * evaluated after every epoch only when a reporter or a `val_` metric needs them, else after the
   * last epoch only. Default false.
   */
  readonly validateEveryEpoch?: boolean;
  /**
   * Adapt the learning rate by hypergradient descent (`name: hypergradient(...)` in `%%tune`): the
   * built model's SGD or Adam optimizer, which must start at `params[parameter]`, is replaced by its
   * hypergradient version (hypergradient.ts); the rate after each epoch is recorded as history `lr`.
   */
  readonly hypergradient?: HypergradientTraining;
  /**
   * Train with the lean step (`lean/`: hand-written backward pass, the optimizer's update without
   * kernels) when the model is one it takes (Dense/Dropout, a known loss, one of tfjs's optimizers), else
   * with today's step, saying why in {@link TrialTraining.stepFallback}. Default true; false
   * always runs today's step (`optimizer.minimize` over the compiled loss).
   */
  readonly leanStep?: boolean;
  /**
   * The lean step's optimizer update in place, without kernels, for tfjs's Adam, SGD, momentum and RMSprop
   * on wasm and cpu (`lean/in-place-update.ts`: bit for bit `applyGradients`'s). Default true;
   * false runs the optimizer's `applyGradients` (benchmarks, equivalence tests).
   */
  readonly inPlaceUpdate?: boolean;
}

/** What a trained trial produced. */
export interface TrialTraining {
  /** The objective: the metric's last value, averaged over folds; when pruned, its last reported value. */
  readonly value: number;
  /** The history key the metric resolved to (`val_accuracy` → `val_acc`). */
  readonly metric: string;
  /** Every history metric's last value, averaged over the folds trained. */
  readonly metrics: Readonly<Record<string, number>>;
  /**
   * Per-epoch values of every metric, fold after fold: the training logs (`loss`, `acc`) of every
   * epoch (index = report step); the `val_` logs of every epoch evaluated (see
   * {@link TrainOptions.validateEveryEpoch}), i.e. every epoch or each fold's last.
   */
  readonly history: Readonly<Record<string, readonly number[]>>;
  /** Epochs completed, over all folds. */
  readonly epochsRun: number;
  /** Batches completed, over all folds. */
  readonly batchesRun: number;
  readonly pruned: boolean;
  /** Why the lean training step did not train this trial (today's step did), one line; absent when it did. */
  readonly stepFallback?: string;
  /** The trained model when `keepModel` was set (dispose it with `disposeModel`, model-setup.ts). */
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

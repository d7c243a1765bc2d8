/**
 * `--metric`, `--metric-fn` and `--positive-class` of a `--model` search turned into the metric
 * name the trainer resolves and the validation metrics it computes from predictions: a
 * prediction metric (`val_f1`, `val_auc`, ...) or a notebook function (`val_<name>`).
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { MagicContext } from "../types";
import type { TensorFlow } from "../../tfjs/backend";
import { buildTrialModel, disposeModel, type ModelBuilder } from "../../tfjs/train";
import type { TrainingData } from "../../tfjs/trainingData";
import type { Params } from "../../engine/types";
import { predictionMetric } from "../../metrics";
import { createValidationMetrics, type PredictionMetrics, type UserMetricFunction } from "../../tfjs/validation-metrics";
import type { TuneOptions } from "./options";
import { lookupFunction } from "./variables";

/** What the trainer is asked for. */
export interface MetricSetup {
  /** The objective metric as the user named it (resolved against the history by the model check); with several objectives, their list as written. */
  readonly requested: string;
  /** Metrics from predictions on the validation rows, when the objective is one (or `--metric-fn` is given). */
  readonly validationMetrics?: PredictionMetrics;
  /** The notebook function's variable name, when `--metric-fn` is given (it keeps training in the notebook's thread). */
  readonly userFunction?: string;
  /** `--positive-class` as a class index, when given. */
  readonly positiveClass?: number;
}

/**
 * The objective metric and the validation metrics a `--model` search needs: `--metric` (default
 * `val_<metric-fn name>` with `--metric-fn`, else `val_loss`), or each of several objectives
 * (`--metric val_f1,size`); every prediction metric among them is computed from predictions, and
 * so is the `--metric-fn` function, under `val_<name>`.
 * @param positiveClass `--positive-class` as a class index (class-names.ts resolves a name)
 * @throws MagicError when `--metric-fn` names no function
 */
export function setUpMetrics(options: TuneOptions, context: MagicContext, positiveClass: number | undefined): MetricSetup {
  const user = options.metricFn === undefined ? undefined : parseMetricFn(options.metricFn);
  const wanted = options.objectives?.metrics ?? [options.metric ?? (user === undefined ? "val_loss" : `val_${user.name}`)];
  const requested = wanted.join(",");
  const names = wanted.flatMap((name) => predictionMetric(name)?.name ?? []);
  const userMetrics: Record<string, UserMetricFunction> =
    user === undefined ? {} : { [user.name]: lookupFunction(context, user.variable, "metric-fn") as unknown as UserMetricFunction };
  const positive = positiveClass === undefined ? {} : { positiveClass };
  if (names.length === 0 && user === undefined) return { requested, ...positive };
  const validationMetrics = createValidationMetrics(
    { names, ...positive },
    userMetrics,
  );
  return { requested, validationMetrics, ...positive, ...(user === undefined ? {} : { userFunction: user.variable }) };
}

/** `FN` → the metric `FN` of function `FN`; `NAME=FN` → the metric `NAME` of function `FN`. */
function parseMetricFn(value: string): { name: string; variable: string } {
  const [name, variable] = value.includes("=") ? value.split("=") : [value, value];
  return { name: name!, variable: variable! };
}

/**
 * Computes the validation metrics once on an untrained model's predictions for the first fold's
 * validation rows, so that a metric that cannot work on this data (a binary F1 of a 3-class
 * model, AUC on one-class targets, a metric function that returns no number) fails before any
 * training.
 * @throws Error from the metric
 */
export async function checkMetricsBeforeTraining(
  tf: TensorFlow,
  builder: ModelBuilder,
  params: Params,
  data: TrainingData,
  seed: number,
  metrics: PredictionMetrics,
): Promise<void> {
  const model = await buildTrialModel(builder, params, 0, { seed });
  const fold = data.folds[0]!;
  try {
    const predictions = tf.tidy(() => model.predict(fold.xValidation) as tfjs.Tensor);
    try {
      metrics.compute(fold.yValidation, predictions);
    } finally {
      predictions.dispose();
    }
  } finally {
    disposeModel(model);
  }
}

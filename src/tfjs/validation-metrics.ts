/**
 * The trainer's {@link ValidationMetrics} built from metric names (the metrics module's
 * prediction metrics) and notebook functions. Tensors become arrays once per evaluation
 * (`dataSync` on the targets and on the predictions), then every metric reads those arrays.
 * A worker thread rebuilds the same object from its {@link ValidationMetricsSpec}.
 */
import type * as tfjs from "@tensorflow/tfjs";
import { computeMetrics, predictionMetric, type MetricOptions, type ShapedValues } from "../metrics";
import { describeKind } from "../common/describe";
import type { ValidationMetrics } from "./train-types";

/**
 * A notebook metric function: the true targets and the predictions of the validation rows, each
 * as rows of numbers (shape (n, w): n rows, w the model's outputs; class indices as one column),
 * → one number.
 */
export type UserMetricFunction = (yTrue: number[][], yPred: number[][]) => number;

/** What crosses to a worker thread: names of prediction metrics (no `val_`) and their settings. */
export interface ValidationMetricsSpec extends MetricOptions {
  readonly names: readonly string[];
}

/** {@link ValidationMetrics} that can also score plain arrays and say how to rebuild themselves. */
export interface PredictionMetrics extends ValidationMetrics {
  /** How a worker thread rebuilds them; undefined when a notebook function is among them (it cannot cross). */
  readonly spec: ValidationMetricsSpec | undefined;
  /** Each metric of already-read targets and predictions. */
  computeValues(yTrue: ShapedValues, yPred: ShapedValues): Record<string, number>;
}

/**
 * Validation metrics from the prediction metrics of `spec.names` and the notebook functions of
 * `userMetrics` (keyed by the name their values take, without `val_`).
 * @throws Error for a name that is neither a prediction metric nor a given function
 */
export function createValidationMetrics(spec: ValidationMetricsSpec, userMetrics: Readonly<Record<string, UserMetricFunction>> = {}): PredictionMetrics {
  for (const name of spec.names) {
    if (predictionMetric(name) === undefined) throw new Error(`"${name}" is not a metric computed from predictions`);
  }
  const userNames = Object.keys(userMetrics);
  const names = [...spec.names, ...userNames];
  const computeValues = (yTrue: ShapedValues, yPred: ShapedValues): Record<string, number> => {
    const record = computeMetrics(spec.names, yTrue, yPred, spec);
    if (userNames.length > 0) {
      const trueRows = toRows(yTrue);
      const predictedRows = toRows(yPred);
      for (const name of userNames) record[name] = callUserMetric(name, userMetrics[name]!, trueRows, predictedRows);
    }
    return record;
  };
  return {
    names,
    spec: userNames.length === 0 ? spec : undefined,
    computeValues,
    compute: (yTrue: tfjs.Tensor, yPred: tfjs.Tensor) => computeValues(readValues(yTrue), readValues(yPred)),
  };
}

/** A tensor's values, read once. */
export function readValues(tensor: tfjs.Tensor): ShapedValues {
  return { values: tensor.dataSync() as Float32Array | Int32Array, shape: tensor.shape };
}

/** Rows (n, w) of flat values. */
function toRows({ values, shape }: ShapedValues): number[][] {
  const width = shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : 1;
  return Array.from({ length: shape[0]! }, (_, i) => Array.from({ length: width }, (_, j) => values[i * width + j]!));
}

function callUserMetric(name: string, metric: UserMetricFunction, yTrue: number[][], yPred: number[][]): number {
  const value: unknown = metric(yTrue, yPred);
  if (typeof value !== "number") throw new Error(`the metric function ${name}(yTrue, yPred) returned ${describeKind(value)}, expected a number`);
  return value;
}

/**
 * The spec that carries `metrics` to a worker thread.
 * @throws Error when they hold a notebook function (train in the notebook's thread instead)
 */
export function threadSpecOf(metrics: ValidationMetrics): ValidationMetricsSpec {
  const spec = (metrics as Partial<PredictionMetrics>).spec;
  if (spec === undefined) throw new Error(`validation metrics ${metrics.names.join(", ")} hold a notebook function, which cannot cross to a worker thread`);
  return spec;
}

/**
 * `%%tune --test X,Y`: the kept models (the best; the best K with `--test-top K`; the Pareto
 * front's with several objectives) evaluated once, after the search, on rows they never saw, their
 * metrics set beside the validation metrics that chose them, each with the spread a difference can
 * have by chance (see `src/metrics/spread.ts`) and a flag when the difference is larger.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../../tfjs/backend";
import { prepareTrainingData, type DataInput, type TrainingData } from "../../tfjs/trainingData";
import { readValues, type PredictionMetrics } from "../../tfjs/validation-metrics";
import {
  classifierReport,
  regressorReport,
  type ModelReportData,
  binomialDifferenceError,
  bootstrapStandardError,
  differsBeyondSpread,
  sampleStandardDeviation,
  takeShapedRows,
  type ShapedValues,
} from "../../metrics";
import { trialValues, type FrozenTrial } from "../../engine/types";
import type { NotebookStudy } from "./notebook-study";
import { seededRandom } from "../../common/random";

/** The user attribute holding, with `--cv`, each validation metric's value after each fold. */
export const FOLD_METRICS_ATTR = "foldMetrics";

/** Where a spread comes from. */
export type SpreadSource = "folds" | "binomial" | "bootstrap";

/** One metric on the validation and the test rows. */
export interface TestMetric {
  /** The metric without `val_` (`f1`, `loss`, `acc`). */
  readonly name: string;
  /** The chosen trial's validation value (mean over folds with --cv); undefined when it was not recorded. */
  readonly validation: number | undefined;
  readonly test: number;
  /** One standard deviation of test − validation expected by chance, when it can be told. */
  readonly spread?: number;
  readonly spreadSource?: SpreadSource;
  /** |test − validation| > 2 × spread. */
  readonly flagged: boolean;
}

/** The result of `--test`, kept as `study.testMetrics`. */
export interface TestEvaluation {
  /** The `--test` names, "X,Y". */
  readonly data: string;
  readonly rows: number;
  /** The trial whose parameters the model has. */
  readonly trialNumber: number;
  /** Whether the model was refitted on all of --data (--cv) rather than the trial's own. */
  readonly refitted: boolean;
  readonly metrics: readonly TestMetric[];
  /** The best-model report's data on the test rows (confusion matrix and curves, or residuals). */
  readonly report: ModelReportData;
}

/** The test rows as tensors, checked against the training data's shapes (made before the search). */
export interface TestData {
  readonly x: tfjs.Tensor;
  readonly y: tfjs.Tensor;
  readonly names: string;
  dispose(): void;
}

/**
 * Reads the `--test` rows into tensors, with the same checks as validation data (row counts,
 * numbers, per-row shapes equal to the training data's).
 * @throws Error naming the variables
 */
export function prepareTestData(tf: TensorFlow, train: { x: DataInput; y: DataInput }, test: { x: DataInput; y: DataInput }, names: { x: string; y: string }): TestData {
  const prepared: TrainingData = prepareTrainingData(tf, train.x, train.y, { validation: { kind: "data", x: test.x, y: test.y } }, names);
  const fold = prepared.folds[0]!;
  return { x: fold.xValidation, y: fold.yValidation, names: `${names.x},${names.y}`, dispose: () => prepared.dispose() };
}

/** A kept model and the trial whose parameters it has. */
export interface ModelToTest {
  readonly trial: FrozenTrial;
  readonly model: tfjs.LayersModel;
}

/**
 * The kept models `--test` evaluates, in the order they are reported: with one objective the best
 * model (`bestModel`, of `bestModelTrial`) then the runner-ups (`--test-top K`), best first; with
 * several objectives the picked model if any, then the front's models by their first objective
 * (best first), at most `top` of them (default all).
 */
export function modelsToTest(bound: Pick<NotebookStudy, "bestModel" | "bestModelTrial" | "runnerUpModels" | "frontModels" | "trials" | "isMultiObjective" | "objectives">, top: number | undefined): ModelToTest[] {
  const trialOf = (number: number): FrozenTrial | undefined => bound.trials.find((t) => t.number === number);
  const models: ModelToTest[] = [];
  if (bound.bestModel !== undefined && bound.bestModelTrial !== undefined) models.push({ trial: bound.bestModelTrial, model: bound.bestModel });
  const others = bound.isMultiObjective ? bound.frontModels : bound.runnerUpModels;
  const rest: ModelToTest[] = [];
  for (const [number, model] of others) {
    const trial = trialOf(number);
    if (trial !== undefined) rest.push({ trial, model });
  }
  if (bound.isMultiObjective) {
    // The front by its first objective, best first (ties by trial number).
    const sign = bound.objectives.directions[0] === "maximize" ? -1 : 1;
    const first = (t: FrozenTrial): number => sign * ((trialValues(t) ?? [])[0] ?? Number.NaN);
    rest.sort((a, b) => first(a.trial) - first(b.trial) || a.trial.number - b.trial.number);
  }
  models.push(...rest);
  return models.slice(0, top ?? (bound.isMultiObjective ? models.length : 1));
}

/** What {@link evaluateOnTest} reads. */
export interface TestInput {
  readonly tf: TensorFlow;
  readonly model: tfjs.LayersModel;
  readonly test: TestData;
  readonly best: FrozenTrial;
  readonly refitted: boolean;
  readonly validationMetrics?: PredictionMetrics;
  /** The validation rows the model was chosen on, with a validation split (not with --cv: the spread comes from the folds). */
  readonly validation?: { readonly x: tfjs.Tensor; readonly y: tfjs.Tensor };
  readonly seed: number;
  /** The class binary reports score (default 1). */
  readonly positiveClass?: number;
  /** The classes' names for the report (`--class-names`). */
  readonly classNames?: readonly string[];
}

/**
 * Evaluates the model on the test rows: the compiled metrics (`model.evaluate`: loss, acc, ...)
 * and the metrics from predictions, each beside the best trial's validation value and spread,
 * and the report data (a classifier when its loss is a cross-entropy, else a regressor).
 */
export function evaluateOnTest(input: TestInput): TestEvaluation {
  const { tf, model, test, best } = input;
  const rows = test.x.shape[0]!;
  const evaluated = tf.tidy(() => {
    const result = model.evaluate(test.x, test.y);
    return (Array.isArray(result) ? result : [result]).map((scalar) => scalar.dataSync()[0]!);
  });
  const compiled = model.metricsNames.map((name, i) => ({ name, test: evaluated[i]! }));
  const fromPredictions = input.validationMetrics === undefined ? [] : predictionRows(input, input.validationMetrics);
  const foldMetrics = best.userAttrs[FOLD_METRICS_ATTR] as Readonly<Record<string, readonly number[]>> | undefined;
  const validationRows = input.validation?.x.shape[0];
  const metrics = [...compiled.map((m) => ({ ...m, bootstrap: undefined })), ...fromPredictions].map(({ name, test: value, bootstrap }): TestMetric => {
    const validation = best.metrics[`val_${name}`];
    const folds = foldMetrics?.[`val_${name}`];
    let spread: { spread: number; spreadSource: SpreadSource } | undefined;
    if (folds !== undefined && folds.length >= 2) spread = { spread: sampleStandardDeviation(folds), spreadSource: "folds" };
    else if (bootstrap !== undefined) spread = { spread: bootstrap, spreadSource: "bootstrap" };
    else if (validation !== undefined && validationRows !== undefined && /acc/i.test(name) && validation >= 0 && validation <= 1 && value >= 0 && value <= 1) {
      spread = { spread: binomialDifferenceError(validation, value, validationRows, rows), spreadSource: "binomial" };
    }
    if (spread !== undefined && !Number.isFinite(spread.spread)) spread = undefined;
    return {
      name,
      validation,
      test: value,
      ...(spread ?? {}),
      flagged: validation !== undefined && spread !== undefined && differsBeyondSpread(validation, value, spread.spread),
    };
  });
  const onTest = predictAndRead(tf, model, test);
  const report = isClassifier(model) ? classifierReport(onTest.yTrue, onTest.yPred, input.positiveClass, input.classNames) : regressorReport(onTest.yTrue, onTest.yPred);
  return { data: test.names, rows, trialNumber: best.number, refitted: input.refitted, metrics, report };
}

/** Each prediction metric on the test rows, with the bootstrap spread when the validation rows are known. */
function predictionRows(input: TestInput, metrics: PredictionMetrics): { name: string; test: number; bootstrap: number | undefined }[] {
  const testTargets = predictAndRead(input.tf, input.model, input.test);
  const onTest = metrics.computeValues(testTargets.yTrue, testTargets.yPred);
  const validationTargets = input.validation === undefined ? undefined : predictAndRead(input.tf, input.model, input.validation);
  const random = seededRandom(input.seed);
  return metrics.names.map((name) => {
    const standardError = (targets: { yTrue: ShapedValues; yPred: ShapedValues }): number =>
      bootstrapStandardError(targets.yTrue.shape[0]!, (rows) => metrics.computeValues(takeShapedRows(targets.yTrue, rows), takeShapedRows(targets.yPred, rows))[name]!, random);
    const bootstrap = validationTargets === undefined ? undefined : Math.hypot(standardError(validationTargets), standardError(testTargets));
    return { name, test: onTest[name]!, bootstrap };
  });
}

/** The targets and the model's predictions for some rows, as arrays (one prediction pass). */
function predictAndRead(tf: TensorFlow, model: tfjs.LayersModel, rows: { readonly x: tfjs.Tensor; readonly y: tfjs.Tensor }): { yTrue: ShapedValues; yPred: ShapedValues } {
  const predictions = tf.tidy(() => model.predict(rows.x) as tfjs.Tensor);
  try {
    return { yTrue: readValues(rows.y), yPred: readValues(predictions) };
  } finally {
    predictions.dispose();
  }
}

/** Whether the model is trained as a classifier: a cross-entropy loss. */
function isClassifier(model: tfjs.LayersModel): boolean {
  const losses: unknown[] = Array.isArray(model.loss) ? model.loss : [model.loss];
  return losses.some((loss) => /crossentropy/i.test(typeof loss === "string" ? loss : typeof loss === "function" ? loss.name : ""));
}

/**
 * Building a trial's model and checking it before training (see `train.ts`): the builder runs in
 * a seeded `Math.random` scope; its return must be a compiled `tf.LayersModel` whose input and
 * output fit the data and which knows the requested metric. Also `disposeModel`, which frees a
 * model with its optimizer.
 */
import type * as tfjs from "@tensorflow/tfjs";
import { historyKeys, resolveMetricName } from "./metrics";
import { deriveSeed, withSeededMathRandom } from "../common/random";
import type { TrainingData, TrainingFold } from "./trainingData";
import { messageOf } from "../common/errors";
import { describeKind } from "../common/describe";
import { TrainingSetupError, type BuildContext, type HypergradientTraining, type ModelBuilder, type TrainOptions } from "./train-types";
import { hypergradientVersionOf } from "./hypergradient";
import { loadTensorFlow } from "./backend";

/**
 * Builds the model of fold `f` (in the seeded scope) and checks it: a compiled `tf.LayersModel`
 * whose input and output fit the data, with the requested metric. Disposes it when a check fails.
 */
export async function buildCheckedModel<P>(
  buildModel: ModelBuilder<P>,
  params: P,
  data: TrainingData,
  f: number,
  options: Pick<TrainOptions, "metric" | "seed" | "seedMathRandom" | "dataNames" | "validationMetrics">,
): Promise<{ model: tfjs.LayersModel; metric: string }> {
  const model = await buildTrialModel(buildModel, params, f, options);
  try {
    checkModelFitsData(model, data.folds[f]!, options.dataNames ?? { x: "x", y: "y" });
    return { model, metric: resolveMetric(options.metric, model, options.validationMetrics?.names ?? []) };
  } catch (error) {
    disposeModel(model);
    throw error;
  }
}

/**
 * Builds the model of fold `f` of a trial exactly as `trainTrial` (train.ts) does (with the build seed
 * `deriveSeed(seed, "build", f)`, `Math.random` seeded unless `seedMathRandom` is false) and
 * checks that it is a compiled `tf.LayersModel`. A worker-thread pool builds models this way in
 * the main thread and sends their topology and initial weights, so the seeded initialisation holds.
 * @throws TrainingSetupError when the builder returns no compiled model (which is then disposed)
 */
export async function buildTrialModel<P>(
  buildModel: ModelBuilder<P>,
  params: P,
  f: number,
  options: Pick<TrainOptions, "seed" | "seedMathRandom" | "hypergradient">,
): Promise<tfjs.LayersModel> {
  const context: BuildContext = { seed: deriveSeed(options.seed, "build", f), fold: f };
  // The builder gets its own copy: one that changes its argument (p.units *= 2) must not rewrite
  // the trial's recorded parameters.
  const own = typeof params === "object" && params !== null ? ({ ...params } as P) : params;
  const build = async (): Promise<unknown> => buildModel(own, context);
  const built = await ((options.seedMathRandom ?? true) ? withSeededMathRandom(context.seed, build) : build());
  const model = checkOrDispose(built, buildModel.name || undefined);
  if (options.hypergradient === undefined) return model;
  try {
    await adoptHypergradient(model, params, options.hypergradient);
  } catch (error) {
    disposeModel(model);
    throw error;
  }
  return model;
}

/**
 * Replaces a built model's SGD or Adam optimizer by its hypergradient version (same settings,
 * α₀ = its learning rate), after checking that it starts at the parameter's value.
 * @throws TrainingSetupError for another optimizer, or a rate that is not the parameter's
 */
async function adoptHypergradient<P>(model: tfjs.LayersModel, params: P, setting: HypergradientTraining): Promise<void> {
  const { tf } = await loadTensorFlow();
  const optimizer = model.optimizer;
  const expected = (params as Record<string, unknown>)[setting.parameter];
  const form = `${setting.parameter}: hypergradient(...)`;
  const adapted = hypergradientVersionOf(tf, optimizer, {
    ...(setting.rule === undefined ? {} : { rule: setting.rule }),
    ...(setting.hyperLearningRate === undefined ? {} : { hyperLearningRate: setting.hyperLearningRate }),
  });
  if (adapted === undefined) {
    const name = (optimizer.constructor as { className?: string }).className ?? optimizer.constructor.name;
    throw new TrainingSetupError(`${form} needs a model compiled with tf.train.sgd or tf.train.adam, but its optimizer is ${name}`);
  }
  if (typeof expected !== "number" || Math.abs(adapted.initialLearningRate - expected) > 1e-9 * Math.abs(expected)) {
    if (adapted !== optimizer) adapted.dispose();
    throw new TrainingSetupError(
      `${form}: the model's optimizer starts at learning rate ${adapted.initialLearningRate}, not at ${setting.parameter} = ${String(expected)}: pass params.${setting.parameter} to the optimizer (tf.train.adam(params.${setting.parameter}))`,
    );
  }
  if (adapted !== optimizer) {
    model.optimizer = adapted;
    optimizer.dispose();
  }
}

/**
 * Checks a builder before any training: builds one model with `params`, checks that it is a
 * compiled `tf.LayersModel` fitting the data and that the metric exists, and disposes it.
 * @returns the history key the metric resolves to
 * @throws TrainingSetupError (or the builder's own error) as `trainTrial` (train.ts) would
 */
export async function checkTrialSetup<P>(
  buildModel: ModelBuilder<P>,
  params: P,
  data: TrainingData,
  options: Pick<TrainOptions, "metric" | "seed" | "seedMathRandom" | "dataNames" | "validationMetrics">,
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

/** {@link checkBuiltModel} (naming the builder as its function is named), disposing a model that fails the check (an uncompiled one, say). */
function checkOrDispose(built: unknown, builderName: string | undefined): tfjs.LayersModel {
  try {
    return checkBuiltModel(built, builderName);
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

/**
 * The history key of `requested` for this model and the metrics computed from its predictions
 * (`val_<name>` for each of `predictionMetrics`), validated before any training.
 */
function resolveMetric(requested: string, model: tfjs.LayersModel, predictionMetrics: readonly string[]): string {
  try {
    return resolveMetricName(requested, historyKeys(model.metricsNames, true, predictionMetrics));
  } catch (error) {
    throw new TrainingSetupError(messageOf(error));
  }
}

/** Checks a single-input, single-output model against the data's row shapes. */
export function checkModelFitsData(model: tfjs.LayersModel, fold: TrainingFold, names: { readonly x: string; readonly y: string }): void {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new TrainingSetupError(`the model has ${model.inputs.length} input(s) and ${model.outputs.length} output(s); the trainer supports one of each`);
  }
  const compare = (layerShape: readonly (number | null)[], data: tfjs.Tensor, what: string, name: string, hint = ""): void => {
    const expected = layerShape.slice(1);
    const actual = data.shape.slice(1);
    const fits = expected.length === actual.length && expected.every((size, i) => size === null || size === actual[i]);
    if (!fits) {
      throw new TrainingSetupError(
        `the model's ${what} has shape [${expected.map((s) => s ?? "any").join(", ")}] per row, but ${name} rows have shape [${actual.join(", ")}]${hint}`,
      );
    }
  };
  compare(model.inputs[0]!.shape, fold.xTrain, "input", names.x);
  const outputShape = model.outputs[0]!.shape;
  // sparse categorical cross-entropy takes class indices, one per row, against K outputs
  const targetShape = hasSparseLoss(model) ? [...outputShape.slice(0, -1), 1] : outputShape;
  compare(targetShape, fold.yTrain, hasSparseLoss(model) ? "output (with a sparse loss: one class index)" : "output", names.y, classIndexHint(outputShape, fold.yTrain, names.y));
  checkBinaryTargets(model, fold.yTrain, names.y);
}

/**
 * Binary cross-entropy takes targets in [0, 1] (labels or probabilities); class indices of more
 * classes (0, 1, 2) train without an error in TensorFlow.js, towards nothing meaningful.
 * @throws TrainingSetupError naming the largest (or smallest) target and what to do instead
 */
function checkBinaryTargets(model: tfjs.LayersModel, targets: tfjs.Tensor, name: string): void {
  const losses: unknown[] = Array.isArray(model.loss) ? model.loss : [model.loss];
  if (!losses.some((loss) => typeof loss === "string" && /^binary_?crossentropy$/i.test(loss))) return;
  const values = targets.dataSync();
  const outside = values.find((v) => !(v >= 0 && v <= 1));
  if (outside === undefined) return;
  const classes = values.every((v) => Number.isInteger(v) && v >= 0) ? `; for ${Math.max(...values) + 1} classes, give the model that many softmax outputs and the loss "sparseCategoricalCrossentropy" (or one-hot targets with "categoricalCrossentropy")` : "";
  throw new TrainingSetupError(`the loss binaryCrossentropy takes targets between 0 and 1, but ${name} holds ${outside}${classes}`);
}

/**
 * For K > 1 outputs against one target per row that holds class indices 0..K-1 (a learner's
 * `loadTable(...).y` with a softmax and categorical cross-entropy): the two ways to make them
 * meet. Empty otherwise.
 */
function classIndexHint(outputShape: readonly (number | null)[], targets: tfjs.Tensor, name: string): string {
  const outputs = outputShape[outputShape.length - 1];
  if (outputShape.length !== 2 || outputs === null || outputs === undefined || outputs < 2 || targets.shape.length > 2 || (targets.shape[1] ?? 1) !== 1) return "";
  const values = targets.dataSync();
  if (!values.every((v) => Number.isInteger(v) && v >= 0 && v < outputs)) return "";
  return `: ${name} holds class indices; one-hot encode them (oneHot from "tunelab"), or compile with the loss "sparseCategoricalCrossentropy", which takes indices`;
}

/** Whether the model's loss is a sparse categorical cross-entropy (class indices as targets). */
function hasSparseLoss(model: tfjs.LayersModel): boolean {
  const losses: unknown[] = Array.isArray(model.loss) ? model.loss : [model.loss];
  return losses.some((loss) => {
    const name = typeof loss === "string" ? loss : typeof loss === "function" ? loss.name : "";
    return /sparse_?categorical_?crossentropy/i.test(name);
  });
}

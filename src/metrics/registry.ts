/**
 * The metrics computed from a model's predictions, by name: `f1`, `precision`, `recall` (binary,
 * or `_macro` / `_micro` / `_weighted` over several classes), `auc`, `pr_auc`, `r2`, `mae`,
 * `rmse`, each with its direction. {@link computeMetrics} turns targets and predictions into the
 * classes or columns once and computes every requested metric from them.
 */
import type { StudyDirection } from "../engine/types";
import { averagedScore, confusionMatrix, type Averaging, type ScoreName } from "./confusion";
import { averagePrecision, rocAuc } from "./ranking";
import { meanAbsoluteError, r2Score, rootMeanSquaredError } from "./regression";
import { classificationTargets, regressionTargets, type ClassificationTargets, type RegressionTargets, type ShapedValues } from "./targets";

/** Settings shared by the metrics of one evaluation. */
export interface MetricOptions {
  /** The class binary metrics score (`f1`, `precision`, `recall`, `auc`, `pr_auc` with two classes); default 1. */
  readonly positiveClass?: number;
}

/** Targets and predictions, converted on first use and then shared by the metrics. */
export interface PreparedTargets {
  classification(): ClassificationTargets;
  regression(): RegressionTargets;
}

/** One metric computed from predictions. */
export interface PredictionMetric {
  /** Its name without the `val_` prefix, e.g. `f1_macro`. */
  readonly name: string;
  readonly direction: StudyDirection;
  readonly description: string;
  compute(targets: PreparedTargets, options: MetricOptions): number;
}

/** The positive class, checked against the number of classes. */
function positiveClassOf(targets: ClassificationTargets, options: MetricOptions, name: string): number {
  const positive = options.positiveClass ?? 1;
  if (targets.classes !== 2) {
    throw new Error(`${name} is a binary metric but the model has ${targets.classes} classes; name ${name}_macro, ${name}_micro or ${name}_weighted`);
  }
  if (positive !== 0 && positive !== 1) throw new Error(`the positive class must be 0 or 1 for a binary classifier, got ${positive}`);
  return positive;
}

function confusionScore(score: ScoreName, averaging: Averaging, name: string): PredictionMetric["compute"] {
  return (prepared, options) => {
    const targets = prepared.classification();
    const positive = averaging === "binary" ? positiveClassOf(targets, options, name) : 1;
    return averagedScore(confusionMatrix(targets.trueLabels, targets.predictedLabels, targets.classes), score, averaging, positive);
  };
}

/**
 * A ranking metric: for two classes, of the positive class's scores; for k > 2, the mean over
 * classes of each class against the rest (scikit-learn's `multi_class="ovr"`, `average="macro"`).
 */
function rankingScore(rank: (isPositive: ArrayLike<boolean>, scores: ArrayLike<number>) => number, name: string): PredictionMetric["compute"] {
  return (prepared, options) => {
    const targets = prepared.classification();
    const k = targets.classes;
    const n = targets.trueLabels.length;
    const classScore = (c: number): number => {
      const isPositive = Array.from(targets.trueLabels, (label) => label === c);
      const scores = Array.from({ length: n }, (_, i) => targets.scores[i * k + c]!);
      return rank(isPositive, scores);
    };
    if (k === 2) return classScore(positiveClassOf(targets, options, name));
    let sum = 0;
    for (let c = 0; c < k; c++) sum += classScore(c);
    return sum / k;
  };
}

const SCORE_WORDS: Readonly<Record<ScoreName, string>> = { precision: "precision", recall: "recall", f1: "F1 score" };
const AVERAGING_WORDS: Readonly<Record<Averaging, string>> = {
  binary: "of the positive class (a binary classifier)",
  macro: "mean over classes",
  micro: "from counts pooled over classes",
  weighted: "mean over classes weighted by their number of rows",
};

const confusionMetrics: PredictionMetric[] = (["f1", "precision", "recall"] as const).flatMap((score) =>
  (["binary", "macro", "micro", "weighted"] as const).map((averaging) => {
    const name = averaging === "binary" ? score : `${score}_${averaging}`;
    return { name, direction: "maximize" as const, description: `${SCORE_WORDS[score]} ${AVERAGING_WORDS[averaging]}`, compute: confusionScore(score, averaging, score) };
  }),
);

/** Every prediction metric, in the order listed to users. */
export const PREDICTION_METRICS: readonly PredictionMetric[] = [
  ...confusionMetrics,
  { name: "auc", direction: "maximize", description: "area under the ROC curve (one class against the rest, averaged, for several classes)", compute: rankingScore(rocAuc, "auc") },
  { name: "pr_auc", direction: "maximize", description: "average precision, the step-wise area under the precision-recall curve (scikit-learn's average_precision_score)", compute: rankingScore(averagePrecision, "pr_auc") },
  { name: "r2", direction: "maximize", description: "coefficient of determination R²", compute: (t) => r2Score(t.regression()) },
  { name: "mae", direction: "minimize", description: "mean absolute error", compute: (t) => meanAbsoluteError(t.regression()) },
  { name: "rmse", direction: "minimize", description: "root mean squared error", compute: (t) => rootMeanSquaredError(t.regression()) },
];

const VALIDATION_PREFIX = "val_";

/** The prediction metric called `name` (with or without `val_`), or undefined. */
export function predictionMetric(name: string): PredictionMetric | undefined {
  const base = name.startsWith(VALIDATION_PREFIX) ? name.slice(VALIDATION_PREFIX.length) : name;
  return PREDICTION_METRICS.find((metric) => metric.name === base.toLowerCase());
}

/** Targets and predictions behind lazily made, cached classification and regression views. */
export function prepareTargets(yTrue: ShapedValues, yPred: ShapedValues): PreparedTargets {
  let classification: ClassificationTargets | undefined;
  let regression: RegressionTargets | undefined;
  return {
    classification: () => (classification ??= classificationTargets(yTrue, yPred)),
    regression: () => (regression ??= regressionTargets(yTrue, yPred)),
  };
}

/**
 * Each named prediction metric (names without `val_`) of one set of targets and predictions.
 * @throws Error for an unknown name, or when the data does not suit a metric (one class for AUC, ...)
 */
export function computeMetrics(names: readonly string[], yTrue: ShapedValues, yPred: ShapedValues, options: MetricOptions = {}): Record<string, number> {
  const prepared = prepareTargets(yTrue, yPred);
  const record: Record<string, number> = {};
  for (const name of names) {
    const metric = predictionMetric(name);
    if (metric === undefined) throw new Error(`unknown prediction metric "${name}": expected one of ${PREDICTION_METRICS.map((m) => m.name).join(", ")}`);
    record[name] = metric.compute(prepared, options);
  }
  return record;
}

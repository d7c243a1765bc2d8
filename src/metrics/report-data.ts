/**
 * The data of a best-model report from targets and predictions: for a classifier the confusion
 * matrix (counts and each true class's row normalised to 1), per-class precision, recall and F1,
 * and ROC and precision-recall curves (of the positive class with two classes, of each class
 * against the rest with more); for a regressor the predicted and true values and the residuals
 * (y − ŷ). Plain numbers, so the study can keep it and the renderers draw it.
 */
import { confusionMatrix, perClassScores, type ClassScores } from "./confusion";
import { precisionRecallCurve, rocCurve, type PrecisionRecallCurve, type RocCurve } from "./ranking";
import { classificationTargets, regressionTargets, type ShapedValues } from "./targets";

/** The curves of one class against the rest. */
export interface ClassCurves {
  readonly label: number;
  readonly auc?: number;
  readonly roc?: RocCurve;
  readonly precisionRecall?: PrecisionRecallCurve;
  /** Why the curves are missing (the class does not occur, or every row is of it). */
  readonly missing?: string;
}

/** A classifier's report data. */
export interface ClassifierReport {
  readonly kind: "classifier";
  readonly rows: number;
  /** (k, k) M[true][predicted]. */
  readonly confusion: number[][];
  /** (k, k) each row of `confusion` divided by its sum (0 for a class with no rows). */
  readonly normalised: number[][];
  readonly perClass: ClassScores[];
  /** One entry with two classes (the positive class), k entries otherwise. */
  readonly curves: ClassCurves[];
  /** The classes' names in index order, when the user gave them (`--class-names`); else they are shown as indices. */
  readonly classNames?: readonly string[];
}

/** A regressor's report data (the first output when there are several). */
export interface RegressorReport {
  readonly kind: "regressor";
  readonly rows: number;
  readonly truth: number[];
  readonly predicted: number[];
  /** y − ŷ */
  readonly residuals: number[];
}

export type ModelReportData = ClassifierReport | RegressorReport;

/**
 * Report data of a classifier; the positive class (default 1) gets the curves when there are two
 * classes. `classNames` (one per class, in index order) label the classes in the figures.
 * @throws Error when `classNames` does not hold one name per class
 */
export function classifierReport(yTrue: ShapedValues, yPred: ShapedValues, positiveClass = 1, classNames?: readonly string[]): ClassifierReport {
  const t = classificationTargets(yTrue, yPred);
  const k = t.classes;
  if (classNames !== undefined && classNames.length !== k) {
    throw new Error(`${classNames.length} class names (${classNames.join(", ")}) for ${k} classes; give one name per class, in class-index order`);
  }
  const confusion = confusionMatrix(t.trueLabels, t.predictedLabels, k);
  const normalised = confusion.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (sum === 0 ? 0 : v / sum));
  });
  const labels = k === 2 ? [positiveClass] : Array.from({ length: k }, (_, c) => c);
  const curves = labels.map((label): ClassCurves => {
    const isPositive = Array.from(t.trueLabels, (truth) => truth === label);
    const scores = Array.from(t.trueLabels, (_, i) => t.scores[i * k + label]!);
    try {
      const roc = rocCurve(isPositive, scores);
      let auc = 0;
      for (let j = 1; j < roc.falsePositiveRate.length; j++) {
        auc += ((roc.falsePositiveRate[j]! - roc.falsePositiveRate[j - 1]!) * (roc.truePositiveRate[j]! + roc.truePositiveRate[j - 1]!)) / 2;
      }
      return { label, auc, roc, precisionRecall: precisionRecallCurve(isPositive, scores) };
    } catch (error) {
      return { label, missing: (error as Error).message };
    }
  });
  return { kind: "classifier", rows: t.trueLabels.length, confusion, normalised, perClass: perClassScores(confusion), curves, ...(classNames === undefined ? {} : { classNames: [...classNames] }) };
}

/** Report data of a regressor (its first output). */
export function regressorReport(yTrue: ShapedValues, yPred: ShapedValues): RegressorReport {
  const t = regressionTargets(yTrue, yPred);
  const truth = Array.from({ length: t.rows }, (_, i) => t.yTrue[i * t.outputs]!);
  const predicted = Array.from({ length: t.rows }, (_, i) => t.yPred[i * t.outputs]!);
  return { kind: "regressor", rows: t.rows, truth, predicted, residuals: truth.map((y, i) => y - predicted[i]!) };
}

/**
 * Class names: the names the best-model report gives the classes (confusion matrix, per-class
 * table, ROC and PR legends) instead of their indices. `--class-names` gives them (the names
 * themselves, `benign,malignant`, or one notebook variable holding an array of them; checked
 * against the targets before training), or the targets are strings (`["benign", …]`): then the
 * labels become class indices in sorted order of the names, and those are the names.
 * `--positive-class` may name a class by either.
 */
import type * as tfjs from "@tensorflow/tfjs";
import { MagicError, type MagicContext } from "../types";
import { describeKind } from "../../common/describe";
import type { DataInput } from "../../tfjs/trainingData";
import type { TuneOptions } from "./options";
import { lookupVariable } from "./variables";

/**
 * The class names `--class-names` gives: two or more names as written, or one variable's array
 * (strings, or numbers shown as written).
 * @throws MagicError naming the variable when it is not an array of names, or names repeat
 */
export function readClassNames(options: Pick<TuneOptions, "classNames">, context: MagicContext): readonly string[] | undefined {
  const given = options.classNames;
  if (given === undefined) return undefined;
  let names: readonly string[] = given;
  if (given.length === 1) {
    const name = given[0]!;
    const value = lookupVariable(context, name, "variable");
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string" || typeof v === "number")) {
      throw new MagicError(`--class-names ${name}: expected an array of the classes' names (strings), but ${name} is ${describeKind(value)}`, 1);
    }
    names = value.map(String);
    if (names.length < 2) throw new MagicError(`--class-names ${name}: expected a name for each of at least 2 classes, but ${name} holds ${names.length}`, 1);
  }
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw new MagicError(`--class-names names "${repeated}" twice; give each class its own name`, 1);
  return names;
}

/**
 * Checks the names against the training targets: one per column of one-hot targets, or at least
 * one per label of integer labels (the highest label + 1; the model may have more outputs).
 * @throws MagicError when they cannot match, or the targets are not class labels
 */
export function checkClassNames(names: readonly string[], y: tfjs.Tensor): void {
  const width = y.rank >= 2 ? y.shape[y.rank - 1]! : 1;
  if (width > 1) {
    if (names.length !== width) throw new MagicError(`--class-names gives ${names.length} names but the one-hot targets have ${width} classes`, 1);
    return;
  }
  const labels = y.dataSync();
  let highest = 0;
  for (const label of labels) {
    if (!Number.isInteger(label) || label < 0) throw new MagicError(`--class-names is for classifiers: the targets hold ${label}, not a class label (0, 1, 2, …)`, 1);
    highest = Math.max(highest, label);
  }
  if (names.length < highest + 1) throw new MagicError(`--class-names gives ${names.length} names but the targets have labels up to ${highest} (${highest + 1} classes)`, 1);
}

/** Targets whose string labels were turned into class indices, and the classes' names by index. */
export interface EncodedLabels {
  readonly y: DataInput;
  /** The classes in index order (sorted), when the labels were strings. */
  readonly classes?: readonly string[];
}

/**
 * Class labels that are strings (`["benign", "malignant", …]`) as class indices, in sorted order
 * of the names (as scikit-learn's LabelEncoder), so that a model with a sparse loss trains on them;
 * other targets are returned as they are. With `classes` (the training labels' classes) the labels
 * of validation or test rows are encoded the same way.
 * @throws MagicError naming the variable when strings mix with other values, or a label is not one of `classes`
 */
export function encodeStringLabels(y: DataInput, name: string, classes?: readonly string[]): EncodedLabels {
  if (!Array.isArray(y) || y.length === 0 || !y.some((label) => typeof label === "string")) return { y };
  if (!y.every((label) => typeof label === "string")) {
    const other = y.find((label) => typeof label !== "string");
    throw new MagicError(`${name} mixes string labels with ${describeKind(other)}; give every row a class name, or every row a number`, 1);
  }
  const names = classes ?? [...new Set(y as readonly string[])].sort();
  const index = new Map(names.map((n, i) => [n, i]));
  const encoded = (y as readonly string[]).map((label) => {
    const i = index.get(label);
    if (i === undefined) throw new MagicError(`${name} holds the label "${label}", which the training targets do not have (${names.join(", ")})`, 1);
    return i;
  });
  return { y: encoded, classes: names };
}

/**
 * The class index `--positive-class` names: one of `classNames` (from `--class-names` or string
 * targets), else a class index as written.
 * @throws MagicError when it is neither, naming the classes there are
 */
export function resolvePositiveClass(given: string | undefined, classNames: readonly string[] | undefined): number | undefined {
  if (given === undefined) return undefined;
  const named = classNames?.indexOf(given) ?? -1;
  if (named >= 0) return named;
  if (/^\d+$/.test(given)) return Number(given);
  const known = classNames === undefined
    ? "a class index (0 or 1 for a binary classifier); a class name only when the targets are class names or --class-names names the classes"
    : `a class index or one of the class names ${classNames.map((name, i) => `${name} (${i})`).join(", ")}`;
  throw new MagicError(`--positive-class ${given}: expected ${known}`, 1);
}

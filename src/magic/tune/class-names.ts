/**
 * `--class-names`: the names the best-model report gives the classes (confusion matrix, per-class
 * table, ROC and PR legends) instead of their indices: the names themselves (`benign,malignant`),
 * or one notebook variable holding an array of them. Checked against the targets before training.
 */
import type * as tfjs from "@tensorflow/tfjs";
import { MagicError, type MagicContext } from "../types";
import { describeKind } from "../../common/describe";
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

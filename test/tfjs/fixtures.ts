/**
 * Shared fixtures of the tfjs tests: the real breast-cancer data (standardised) and a tiny
 * dense classifier builder.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../../src/tfjs/backend";
import { loadTable } from "../../src/tfjs/csv";
import { oneHot, standardize } from "../../src/tfjs/data";
import { prepareTrainingData, type TrainingData } from "../../src/tfjs/trainingData";

/** `notebooks/data`, found upwards from this file (it runs from `test/` and from `dist/test/`). */
export function dataDirectory(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, "notebooks", "data");
    if (existsSync(join(candidate, "breast_cancer.csv"))) return candidate;
  }
  throw new Error(`notebooks/data not found above ${__dirname}`);
}

/** Breast cancer: x standardised, shape (569, 30); y in {0, 1}, shape (569). */
export function breastCancer(): { x: number[][]; y: number[] } {
  const table = loadTable(join(dataDirectory(), "breast_cancer.csv"));
  return { x: standardize(table.x).xTrain, y: table.y };
}

/** Parameters of {@link denseClassifier}. */
/**
 * The breast-cancer rows split 455 / 114 (stratified, seed 1), with targets 0/1 in one column
 * (`binary`) and one-hot in two (`hot`): the equivalence tests' data. 455 training rows: batches
 * of 32 leave a last batch of 7.
 */
export function breastCancerSplits(tf: TensorFlow): { binary: TrainingData; hot: TrainingData } {
  const { x, y } = breastCancer();
  const split = { validation: { kind: "fraction", fraction: 0.2 }, seed: 1, stratify: true } as const;
  return { binary: prepareTrainingData(tf, x, y, split), hot: prepareTrainingData(tf, x, oneHot(y), split) };
}

export interface DenseParams {
  readonly units: number;
  readonly lr: number;
  readonly dropout: number;
}

/** A builder: dense(units, relu) → dropout → dense(1, sigmoid), Adam, binary cross-entropy, accuracy. */
export function denseClassifier(tf: TensorFlow, inputs = 30): (params: DenseParams) => tfjs.LayersModel {
  return (params) => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: params.units, activation: "relu", inputShape: [inputs] }));
    model.add(tf.layers.dropout({ rate: params.dropout }));
    model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
    model.compile({ optimizer: tf.train.adam(params.lr), loss: "binaryCrossentropy", metrics: ["accuracy"] });
    return model;
  };
}

/** A reporter that records what it is told and prunes from a given step on. */
export class RecordingReporter {
  readonly reports: { value: number; step: number }[] = [];
  constructor(private readonly pruneFromStep = Number.POSITIVE_INFINITY) {}
  report(value: number, step: number): void {
    this.reports.push({ value, step });
  }
  shouldPrune(): boolean {
    const last = this.reports[this.reports.length - 1];
    return last !== undefined && last.step >= this.pruneFromStep;
  }
}

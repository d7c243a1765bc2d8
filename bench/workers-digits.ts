/**
 * The digits search that `npm run bench:workers` times: the quickstart-sized dense net on
 * notebooks/data/digits.csv.gz (1797 8×8 images, 10 classes), its search space and per-trial
 * training options. Shared by the benchmark and its database worker processes.
 */
import { join } from "node:path";
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../src/tfjs/backend";
import { loadTable } from "../src/tfjs/csv";
import { oneHot } from "../src/tfjs/data";
import { deriveSeed } from "../src/common/random";
import { prepareTrainingData, type TrainingData } from "../src/tfjs/trainingData";
import { categorical, floatDistribution, intDistribution } from "../src/engine/distributions";
import type { Params, SearchSpace } from "../src/engine/types";

/** Epochs per trial: about 1–2 s of training per trial on this machine's wasm backend. */
export const DIGITS_EPOCHS = 10;
export const DIGITS_BATCH_SIZE = 32;
export const DIGITS_METRIC = "val_acc";

/** units, learning rate, dropout and activation of the dense net. */
export const DIGITS_SPACE: SearchSpace = {
  units: intDistribution(16, 256, { log: true }),
  lr: floatDistribution(1e-4, 3e-2, { log: true }),
  dropout: floatDistribution(0, 0.5),
  activation: categorical(["relu", "tanh"]),
};

/** Digits (pixels scaled to [0, 1], one-hot targets) split 80/20 with the study's data seed. */
export function digitsData(tf: TensorFlow, seed: number): TrainingData {
  const table = loadTable(join(__dirname, "../../notebooks/data/digits.csv.gz"));
  const x = table.x.map((row) => row.map((pixel) => pixel / 16));
  return prepareTrainingData(tf, x, oneHot(table.y, 10), { validation: { kind: "fraction", fraction: 0.2 }, seed: deriveSeed(seed, "data") });
}

/** dense(units, activation) → dropout → dense(10, softmax), Adam(lr), categorical cross-entropy. */
export function digitsModel(tf: TensorFlow): (params: Params) => tfjs.LayersModel {
  return (params) => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [64], units: params["units"] as number, activation: params["activation"] as "relu" }));
    model.add(tf.layers.dropout({ rate: params["dropout"] as number }));
    model.add(tf.layers.dense({ units: 10, activation: "softmax" }));
    model.compile({ optimizer: tf.train.adam(params["lr"] as number), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    return model;
  };
}

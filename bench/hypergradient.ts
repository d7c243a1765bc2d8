/**
 * `npm run bench:hypergradient [-- --epochs 20 --seeds 3 --beta 0.02]`
 *
 * Issue #15's check of hypergradient descent on the digits MLP (64 → 128 relu → 10 softmax, Adam,
 * batch 32, the train/validation rows of ../shared/bench/digits_split.json, inputs standardised on
 * the training rows): the validation accuracy after the last epoch of
 *   - Adam with fixed rates around the best one (a small sweep; the best is "well tuned"), and
 *   - Adam-HD started 10× below and 10× above that best rate,
 * median over seeds, with Adam-HD's final learning rate. Goal: Adam-HD within 1 % (absolute) of the
 * well-tuned fixed rate from both starts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type * as tfjs from "@tensorflow/tfjs";
import { loadTensorFlow, type TensorFlow } from "../src/tfjs/backend";
import { loadTable } from "../src/tfjs/csv";
import { adamHD, isHypergradientOptimizer } from "../src/tfjs/hypergradient";
import { deriveSeed, permutation, seededRandom } from "../src/common/random";
import { median } from "../src/common/stats";

const { values } = parseArgs({
  options: {
    epochs: { type: "string", default: "20" },
    seeds: { type: "string", default: "3" },
    beta: { type: "string", default: "0.02" },
    rates: { type: "string", default: "3e-4,1e-3,3e-3,1e-2" },
  },
});
const EPOCHS = Number(values.epochs);
const SEEDS = Number(values.seeds);
const BETA = Number(values.beta);
const RATES = values.rates!.split(",").map(Number);
const BATCH = 32;

interface Digits {
  readonly xTrain: tfjs.Tensor2D;
  readonly yTrain: tfjs.Tensor2D;
  readonly xValidation: tfjs.Tensor2D;
  readonly yValidation: tfjs.Tensor1D;
}

/** The fixed split, standardised on the training rows as the peer script does. */
function loadDigits(tf: TensorFlow): Digits {
  const table = loadTable(join(__dirname, "../../notebooks/data/digits.csv.gz"));
  const split = JSON.parse(readFileSync(join(__dirname, "../../../shared/bench/digits_split.json"), "utf8")) as { train: number[]; validation: number[] };
  const columns = table.x[0]!.length;
  const mean = new Array<number>(columns).fill(0);
  const sd = new Array<number>(columns).fill(0);
  for (const i of split.train) table.x[i]!.forEach((v, j) => (mean[j]! += v / split.train.length));
  for (const i of split.train) table.x[i]!.forEach((v, j) => (sd[j]! += (v - mean[j]!) ** 2 / split.train.length));
  const scaled = (i: number): number[] => table.x[i]!.map((v, j) => (v - mean[j]!) / (Math.sqrt(sd[j]!) + 1e-6));
  return {
    xTrain: tf.tensor2d(split.train.map(scaled)),
    yTrain: tf.oneHot(tf.tensor1d(split.train.map((i) => table.y[i]!), "int32"), 10).toFloat() as tfjs.Tensor2D,
    xValidation: tf.tensor2d(split.validation.map(scaled)),
    yValidation: tf.tensor1d(split.validation.map((i) => table.y[i]!), "int32"),
  };
}

/** Trains one model; returns the final validation accuracy and the final learning rate. */
async function train(tf: TensorFlow, data: Digits, optimizer: tfjs.Optimizer, seed: number): Promise<{ accuracy: number; finalRate: number }> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [64], units: 128, activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, "l1") }) }),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, "l2") }) }),
    ],
  });
  model.compile({ optimizer, loss: "categoricalCrossentropy" });
  const shuffle = seededRandom(deriveSeed(seed, "shuffle"));
  const rows = data.xTrain.shape[0];
  for (let e = 0; e < EPOCHS; e++) {
    const order = tf.tensor1d(permutation(rows, shuffle), "int32");
    const [x, y] = [tf.gather(data.xTrain, order), tf.gather(data.yTrain, order)];
    await model.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0 });
    tf.dispose([order, x, y]);
  }
  const accuracy = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model.predict(data.xValidation) as tfjs.Tensor, 1), data.yValidation), "float32")).dataSync()[0]!);
  const finalRate = isHypergradientOptimizer(optimizer) ? optimizer.currentLearningRate() : Number.NaN;
  model.dispose();
  optimizer.dispose();
  return { accuracy, finalRate };
}

async function main(): Promise<void> {
  const { tf, description } = await loadTensorFlow();
  const data = loadDigits(tf);
  console.log(`${description}; ${EPOCHS} epochs, batch ${BATCH}, seeds 0–${SEEDS - 1}, validation rows ${data.xValidation.shape[0]}, β = ${BETA}`);
  const seeds = Array.from({ length: SEEDS }, (_, s) => s);
  const fixed: { rate: number; accuracy: number }[] = [];
  for (const rate of RATES) {
    const runs = [];
    for (const seed of seeds) runs.push((await train(tf, data, tf.train.adam(rate), seed)).accuracy);
    fixed.push({ rate, accuracy: median(runs) });
    console.log(`Adam, fixed lr ${rate.toExponential(0)}: median val acc ${median(runs).toFixed(4)}`);
  }
  const best = fixed.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  console.log(`well-tuned fixed rate: ${best.rate.toExponential(0)} (val acc ${best.accuracy.toFixed(4)})`);
  console.log("| start | Adam-HD val acc | final lr | fixed Adam at the same start | Adam-HD − best fixed | goal (≥ −0.01) |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const factor of [0.1, 10]) {
    const start = best.rate * factor;
    const hd = [];
    const plain = [];
    for (const seed of seeds) {
      hd.push(await train(tf, data, adamHD(tf, start, { hyperLearningRate: BETA }), seed));
      plain.push((await train(tf, data, tf.train.adam(start), seed)).accuracy);
    }
    const accuracy = median(hd.map((run) => run.accuracy));
    const gap = accuracy - best.accuracy;
    console.log(
      `| ${start.toExponential(0)} (${factor}× best) | ${accuracy.toFixed(4)} | ${median(hd.map((run) => run.finalRate)).toExponential(2)} | ${median(plain).toFixed(4)} | ${gap >= 0 ? "+" : ""}${gap.toFixed(4)} | ${gap >= -0.01 ? "met" : "missed"} |`,
    );
  }
  tf.dispose([data.xTrain, data.yTrain, data.xValidation, data.yValidation]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

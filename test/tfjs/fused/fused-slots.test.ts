/**
 * The fused trainer's slots on real tfjs training: a slot pruned or failed ends alone while the
 * others go on and its slot takes the next trial (continuous batching) with the same results as
 * that trial alone; an interrupt ends every slot's trial with TrainingAbortedError; models that do
 * not fuse fall back to the single trainer, saying why; no tensor outlives the trainer.
 */
import { before, after, test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { loadTensorFlow, type TensorFlow } from "../../../src/tfjs/backend";
import { watchTensors } from "../../../src/tfjs/memoryGuard";
import { disposeModel, trainTrial, TrainingAbortedError, type ModelBuilder, type TrainOptions } from "../../../src/tfjs/train";
import { prepareTrainingData, type TrainingData } from "../../../src/tfjs/trainingData";
import { FusedTrainer, fusedLayoutOf, trainTrialFused } from "../../../src/tfjs/fused";
import { breastCancer, RecordingReporter } from "../fixtures";

let tf: TensorFlow;
let data: TrainingData;

before(async () => {
  ({ tf } = await loadTensorFlow());
  const { x, y } = breastCancer();
  data = prepareTrainingData(tf, x, y, { validation: { kind: "fraction", fraction: 0.2 }, seed: 3, stratify: true });
});

after(() => data.dispose());

interface Params {
  readonly units: number;
  readonly lr: number;
}

/** dense(units, relu) → dense(1, output); `optimizer` (Adam by default) at p.lr; `loss` (binary cross-entropy by default). */
function classifier(p: Params, { optimizer = "adam", output = "sigmoid", loss = "binaryCrossentropy" } = {}): tfjs.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: p.units, activation: "relu", inputShape: [30] }));
  model.add(tf.layers.dense({ units: 1, activation: output as "sigmoid" }));
  model.compile({ optimizer: optimizer === "adam" ? tf.train.adam(p.lr) : tf.train.rmsprop(p.lr), loss, metrics: ["accuracy"] });
  return model;
}

const build: ModelBuilder<Params> = (p) => classifier(p);

const base = (seed: number): TrainOptions => ({ epochs: 3, batchSize: 32, metric: "val_loss", seed });

test("a pruned slot ends alone, and its slot trains the next trial exactly as it trains alone", async () => {
  const watch = watchTensors(tf);
  const trainer = new FusedTrainer(tf, data.folds[0]!, 2);
  const pruner = new RecordingReporter(0); // prunes after the first epoch
  const keeps = new RecordingReporter();
  const first = trainTrialFused(tf, trainer, build, { units: 6, lr: 0.01 }, data, { ...base(1), reporter: pruner });
  const second = trainTrialFused(tf, trainer, build, { units: 9, lr: 0.005 }, data, { ...base(2), reporter: keeps });
  const pruned = await first;
  // The freed slot takes a third trial while the second is still training.
  const third = trainTrialFused(tf, trainer, build, { units: 4, lr: 0.02 }, data, { ...base(3), reporter: new RecordingReporter() });
  const [done, refilled] = await Promise.all([second, third]);
  trainer.dispose();
  assert.equal(pruned.pruned, true);
  assert.equal(pruned.epochsRun, 1);
  assert.equal(pruned.value, pruner.reports[0]!.value);
  assert.equal(done.pruned, false);
  assert.equal(done.epochsRun, 3);
  assert.deepEqual(keeps.reports.map((r) => r.step), [0, 1, 2]);
  const alone = await trainTrial(tf, build, { units: 4, lr: 0.02 }, data, { ...base(3), reporter: new RecordingReporter() });
  refilled.history["val_loss"]!.forEach((value, e) => assert.ok(Math.abs(value - alone.history["val_loss"]![e]!) < 1e-5, `epoch ${e}: ${value} vs ${alone.history["val_loss"]![e]}`));
  watch.assertNoLeak("a fused trainer with a pruned and a refilled slot, disposed");
});

test("a slot whose metric turns NaN fails alone; the other slot's trial completes", async () => {
  const watch = watchTensors(tf);
  const trainer = new FusedTrainer(tf, data.folds[0]!, 2);
  const regression: ModelBuilder<Params> = (p) => classifier(p, { output: "linear", loss: "meanSquaredError" });
  const exploding = trainTrialFused(tf, trainer, regression, { units: 8, lr: 1e30 }, data, { ...base(4), metric: "loss" });
  const healthy = trainTrialFused(tf, trainer, regression, { units: 8, lr: 0.01 }, data, { ...base(5), metric: "loss" });
  await assert.rejects(exploding, /the metric loss was NaN after epoch/);
  const result = await healthy;
  trainer.dispose();
  assert.equal(result.epochsRun, 3);
  assert.ok(Number.isFinite(result.value));
  watch.assertNoLeak("a fused trainer with a failed slot, disposed");
});

test("an interrupt ends every slot's trial with TrainingAbortedError after the current step", async () => {
  const watch = watchTensors(tf);
  const trainer = new FusedTrainer(tf, data.folds[0]!, 3);
  const controller = new AbortController();
  const reporter = { report: () => controller.abort(), shouldPrune: () => false };
  const runs = [1, 2, 3].map((i) => trainTrialFused(tf, trainer, build, { units: 5 + i, lr: 0.01 }, data, { ...base(10 + i), epochs: 50, reporter, signal: controller.signal }));
  const outcomes = await Promise.allSettled(runs);
  for (const outcome of outcomes) assert.ok(outcome.status === "rejected" && outcome.reason instanceof TrainingAbortedError, `every trial aborted: ${String(outcome.status)}`);
  // The trial that reported (and so aborted) had finished its first epoch; none ran a second.
  const epochs = outcomes.map((outcome) => (outcome as PromiseRejectedResult).reason.epochsRun as number);
  assert.ok(epochs.includes(1) && epochs.every((e) => e <= 1), `epochs run: ${epochs.join(", ")}`);
  trainer.dispose();
  watch.assertNoLeak("an interrupted fused trainer, disposed");
});

test("models that do not fuse train alone and say why; the fused family is kept", async () => {
  const watch = watchTensors(tf);
  const trainer = new FusedTrainer(tf, data.folds[0]!, 2);
  const regularised: ModelBuilder<Params> = (p) => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: p.units, activation: "relu", inputShape: [30], kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }));
    model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
    model.compile({ optimizer: tf.train.adam(p.lr), loss: "binaryCrossentropy", metrics: ["accuracy"] });
    return model;
  };
  const rmsprop = (p: Params): tfjs.LayersModel => classifier(p, { optimizer: "rmsprop" });
  const fused = await trainTrialFused(tf, trainer, build, { units: 5, lr: 0.01 }, data, base(20));
  const withRegulariser = await trainTrialFused(tf, trainer, regularised, { units: 5, lr: 0.01 }, data, base(21));
  const otherOptimizer = await trainTrialFused(tf, trainer, rmsprop, { units: 5, lr: 0.01 }, data, base(22));
  trainer.dispose();
  assert.equal(fused.fallback, undefined);
  assert.match(withRegulariser.fallback ?? "", /kernel regularizer/);
  assert.match(otherOptimizer.fallback ?? "", /RMSProp/);
  assert.equal(withRegulariser.epochsRun, 3);
  assert.match(trainer.family ?? "", /dense\(relu,bias\) \| dense\(sigmoid,bias,1\).*optimizer adam/);
  const probe = rmsprop({ units: 3, lr: 0.1 });
  const layout = fusedLayoutOf(tf, probe);
  disposeModel(probe);
  assert.equal(layout.fusable, false);
  watch.assertNoLeak("fused and fallen-back trials, disposed");
});

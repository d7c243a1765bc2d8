/**
 * The lean trainer's validation schedule and metrics from predictions (`validationMetrics`), and
 * its turns of the event loop mid-epoch, on real tfjs training (breast-cancer data).
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { loadTensorFlow, type TensorFlow } from "../../src/tfjs/backend";
import { watchTensors } from "../../src/tfjs/memoryGuard";
import { EventLoopPacer } from "../../src/tfjs/pacer";
import { checkTrialSetup, disposeModel, TrainingAbortedError, TrainingSetupError, trainTrial, type ValidationMetrics } from "../../src/tfjs/train";
import { prepareTrainingData, type TrainingData } from "../../src/tfjs/trainingData";
import { breastCancer, denseClassifier, RecordingReporter, type DenseParams } from "./fixtures";

let tf: TensorFlow;
let data: TrainingData;
const params: DenseParams = { units: 8, lr: 0.01, dropout: 0.1 };

before(async () => {
  ({ tf } = await loadTensorFlow());
  const { x, y } = breastCancer();
  data = prepareTrainingData(tf, x, y, { validation: { kind: "fraction", fraction: 0.2 }, seed: 1, stratify: true });
});

/** Brier score and the share of rows predicted positive, counting its calls and the rows it saw. */
function probabilityMetrics(): ValidationMetrics & { calls: number; rows: number[] } {
  return {
    names: ["brier", "positive"],
    calls: 0,
    rows: [],
    compute(yTrue: tfjs.Tensor, yPred: tfjs.Tensor) {
      this.calls++;
      this.rows.push(yPred.shape[0]!);
      const brier = tf.mean(tf.square(tf.sub(yPred, yTrue))).dataSync()[0]!;
      const positive = tf.mean(tf.cast(tf.greater(yPred, 0.5), "float32")).dataSync()[0]!;
      return { brier, positive };
    },
  };
}

test("with a reporter, metrics from predictions join every epoch's logs as val_<name> and can be the objective", async () => {
  const watch = watchTensors(tf);
  const metrics = probabilityMetrics();
  const reporter = new RecordingReporter();
  const epochs = 3;
  const result = await trainTrial(tf, denseClassifier(tf), params, data, { epochs, batchSize: 64, metric: "val_brier", seed: 2, reporter, validationMetrics: metrics, keepModel: true });
  assert.equal(result.metric, "val_brier");
  assert.deepEqual(Object.keys(result.history).sort(), ["acc", "loss", "val_acc", "val_brier", "val_loss", "val_positive"]);
  for (const values of Object.values(result.history)) assert.equal(values.length, epochs);
  assert.equal(metrics.calls, epochs);
  assert.deepEqual(metrics.rows, Array(epochs).fill(data.folds[0]!.xValidation.shape[0]));
  assert.deepEqual(reporter.reports.map((r) => r.value), result.history["val_brier"]);
  // the last epoch's value is the model's own Brier score on the validation rows
  const fold = data.folds[0]!;
  const brier = tf.tidy(() => tf.mean(tf.square(tf.sub(result.model!.predict(fold.xValidation) as tfjs.Tensor, fold.yValidation))).dataSync()[0]!);
  assert.ok(Math.abs(result.value - brier) < 1e-6, `${result.value} vs ${brier}`);
  disposeModel(result.model!);
  watch.assertNoLeak("a trial with metrics from predictions");
});

test("when nothing reads them every epoch, the validation rows are evaluated after the last epoch only", async () => {
  const watch = watchTensors(tf);
  const metrics = probabilityMetrics();
  const epochs = 4;
  const result = await trainTrial(tf, denseClassifier(tf), params, data, { epochs, batchSize: 64, metric: "acc", seed: 2, validationMetrics: metrics });
  assert.equal(metrics.calls, 1);
  assert.equal(result.history["loss"]!.length, epochs);
  assert.equal(result.history["acc"]!.length, epochs);
  for (const key of ["val_loss", "val_acc", "val_brier", "val_positive"]) assert.equal(result.history[key]!.length, 1, key);
  assert.equal(result.metrics["val_brier"], result.history["val_brier"]![0]);

  // a val_ objective of the compiled metrics: val_loss/val_acc every epoch, the predictions' metrics at the end
  const byLoss = probabilityMetrics();
  const lossResult = await trainTrial(tf, denseClassifier(tf), params, data, { epochs, batchSize: 64, metric: "val_loss", seed: 2, validationMetrics: byLoss });
  assert.equal(lossResult.history["val_loss"]!.length, epochs);
  assert.equal(byLoss.calls, 1);
  assert.equal(lossResult.history["val_brier"]!.length, 1);

  // a curve asks for every epoch
  const curve = probabilityMetrics();
  const curveResult = await trainTrial(tf, denseClassifier(tf), params, data, { epochs, batchSize: 64, metric: "acc", seed: 2, validationMetrics: curve, validateEveryEpoch: true });
  assert.equal(curve.calls, epochs);
  assert.equal(curveResult.history["val_acc"]!.length, epochs);
  watch.assertNoLeak("trials validated at the end only");
});

test("val_<name> of metrics from predictions is accepted by the setup check; a name they lack is refused", async () => {
  const validationMetrics = probabilityMetrics();
  assert.equal(await checkTrialSetup(denseClassifier(tf), params, data, { metric: "val_positive", seed: 1, validationMetrics }), "val_positive");
  await assert.rejects(checkTrialSetup(denseClassifier(tf), params, data, { metric: "val_f1", seed: 1, validationMetrics }),
    (error: unknown) => error instanceof TrainingSetupError && /unknown metric "val_f1".*val_brier, val_positive/.test(error.message));
  await assert.rejects(checkTrialSetup(denseClassifier(tf), params, data, { metric: "val_brier", seed: 1 }), /unknown metric "val_brier"/);

  const watch = watchTensors(tf);
  const lacking: ValidationMetrics = { names: ["brier"], compute: () => ({ other: 1 }) };
  await assert.rejects(trainTrial(tf, denseClassifier(tf), params, data, { epochs: 1, batchSize: 64, metric: "val_brier", seed: 1, validationMetrics: lacking }),
    /the validation metrics returned no number for "brier" \(they returned other\)/);
  watch.assertNoLeak("a trial whose validation metrics failed");
});

test("a long epoch gives the event loop turns: a timer's abort stops it mid-epoch", async () => {
  const watch = watchTensors(tf);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 0);
  const batches = data.folds[0]!.xTrain.shape[0]!; // batches of one row
  await assert.rejects(trainTrial(tf, denseClassifier(tf), params, data, { epochs: 1, batchSize: 1, metric: "val_acc", seed: 1, signal: controller.signal }),
    (error: unknown) => {
      assert.ok(error instanceof TrainingAbortedError);
      assert.equal(error.epochsRun, 0);
      assert.ok(error.batchesRun > 0 && error.batchesRun < batches, `${error.batchesRun} of ${batches} batches ran`);
      return true;
    });
  watch.assertNoLeak("an epoch stopped by a timer");
});

test("the pacer yields once its interval of work has passed, and then restarts it", async () => {
  let now = 0;
  let turns = 0;
  const pacer = new EventLoopPacer(async () => void turns++, 25, () => now);
  assert.equal(pacer.due(), false);
  now = 24.9;
  assert.equal(pacer.due(), false);
  now = 25;
  assert.equal(pacer.due(), true);
  await pacer.yield();
  assert.equal(turns, 1);
  assert.equal(pacer.due(), false);
  now = 50;
  assert.equal(pacer.due(), true);
  const everyStep = new EventLoopPacer(async () => undefined, 0, () => now);
  assert.equal(everyStep.due(), true);
});

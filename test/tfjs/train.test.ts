import { before, test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { loadTensorFlow, type TensorFlow } from "../../src/tfjs/backend";
import { trialInitializers } from "../../src/tfjs/initializers";
import { watchTensors } from "../../src/tfjs/memoryGuard";
import { buildTrialModel, checkTrialSetup, disposeModel, refitOnAllRows, TrainingAbortedError, TrainingSetupError, trainTrial, type BuildContext } from "../../src/tfjs/train";
import { prepareTrainingData, type TrainingData } from "../../src/tfjs/trainingData";
import { join } from "node:path";
import { loadTable } from "../../src/tfjs/csv";
import { oneHot, standardize } from "../../src/tfjs/data";
import { breastCancer, dataDirectory, denseClassifier, RecordingReporter, type DenseParams } from "./fixtures";

let tf: TensorFlow;
let x: number[][];
let y: number[];
const params: DenseParams = { units: 16, lr: 0.01, dropout: 0.1 };

before(async () => {
  ({ tf } = await loadTensorFlow());
  ({ x, y } = breastCancer());
});

function split(fraction = 0.2): TrainingData {
  return prepareTrainingData(tf, x, y, { validation: { kind: "fraction", fraction }, seed: 1, stratify: true }, { x: "xTrain", y: "yTrain" });
}

function batchesPerEpoch(data: TrainingData, batchSize: number, fold = 0): number {
  return Math.ceil(data.folds[fold]!.xTrain.shape[0]! / batchSize);
}

test("a validation split: one report per epoch, the value is the metric's last value, the net learns", async () => {
  const data = split();
  const reporter = new RecordingReporter();
  const result = await trainTrial(tf, denseClassifier(tf), params, data, { epochs: 5, batchSize: 64, metric: "val_accuracy", seed: 1, reporter });
  assert.equal(result.metric, "val_acc");
  assert.equal(result.epochsRun, 5);
  assert.equal(result.batchesRun, 5 * batchesPerEpoch(data, 64));
  assert.equal(result.pruned, false);
  assert.equal(result.model, undefined);
  assert.deepEqual(Object.keys(result.history).sort(), ["acc", "loss", "val_acc", "val_loss"]);
  assert.deepEqual(reporter.reports.map((r) => r.step), [0, 1, 2, 3, 4]);
  assert.deepEqual(reporter.reports.map((r) => r.value), result.history["val_acc"]);
  assert.equal(result.value, result.history["val_acc"]![4]);
  assert.equal(result.metrics["val_acc"], result.value);
  assert.equal(result.metrics["loss"], result.history["loss"]![4]);
  assert.ok(result.value > 0.9, `validation accuracy ${result.value}`);
  assert.ok(result.history["loss"]![4]! < result.history["loss"]![0]!, "the training loss falls");
  data.dispose();
});

test("k folds: each fold builds its own model, steps run on, the value is the mean over folds", async () => {
  const data = prepareTrainingData(tf, x, y, { validation: { kind: "folds", k: 3 }, seed: 2 });
  assert.equal(data.folds.length, 3);
  const contexts: BuildContext[] = [];
  const build = denseClassifier(tf);
  const reporter = new RecordingReporter();
  const epochs = 2;
  const result = await trainTrial(tf, (p: DenseParams, context) => (contexts.push(context), build(p)), params, data,
    { epochs, batchSize: 64, metric: "val_loss", seed: 5, reporter });
  assert.deepEqual(contexts.map((c) => c.fold), [0, 1, 2]);
  assert.equal(new Set(contexts.map((c) => c.seed)).size, 3);
  assert.equal(result.epochsRun, 3 * epochs);
  assert.deepEqual(reporter.reports.map((r) => r.step), [0, 1, 2, 3, 4, 5]);
  const losses = result.history["val_loss"]!;
  const foldFinals = [losses[1]!, losses[3]!, losses[5]!];
  assert.ok(Math.abs(result.value - (foldFinals[0]! + foldFinals[1]! + foldFinals[2]!) / 3) < 1e-12);
  data.dispose();
});

test("pruning stops training at once: no epoch runs after shouldPrune() says yes", async () => {
  const data = split();
  const reporter = new RecordingReporter(1);
  const result = await trainTrial(tf, denseClassifier(tf), params, data, { epochs: 20, batchSize: 64, metric: "val_acc", seed: 1, reporter });
  assert.equal(result.pruned, true);
  assert.equal(result.epochsRun, 2);
  assert.equal(result.batchesRun, 2 * batchesPerEpoch(data, 64));
  assert.equal(reporter.reports.length, 2);
  assert.equal(result.value, reporter.reports[1]!.value);
  data.dispose();

  const folds = prepareTrainingData(tf, x, y, { validation: { kind: "folds", k: 3 }, seed: 2 });
  let builds = 0;
  const build = denseClassifier(tf);
  const prunedInFold0 = await trainTrial(tf, (p: DenseParams) => (builds++, build(p)), params, folds,
    { epochs: 20, batchSize: 64, metric: "val_acc", seed: 1, reporter: new RecordingReporter(0) });
  assert.equal(prunedInFold0.epochsRun, 1);
  assert.equal(builds, 1, "later folds are not trained");
  folds.dispose();
});

test("an abort stops training before the next batch and frees everything", async () => {
  const data = split();
  const watch = watchTensors(tf);
  const controller = new AbortController();
  const reporter = {
    report: (_value: number, step: number) => {
      if (step === 1) controller.abort();
    },
    shouldPrune: () => false,
  };
  const bpe = batchesPerEpoch(data, 32);
  await assert.rejects(
    trainTrial(tf, denseClassifier(tf), params, data, { epochs: 20, batchSize: 32, metric: "val_acc", seed: 1, reporter, signal: controller.signal }),
    (error: unknown) => {
      assert.ok(error instanceof TrainingAbortedError);
      assert.equal(error.name, "AbortError");
      // two whole epochs; the signal is read before every batch, so no batch of the third ran
      assert.equal(error.epochsRun, 2);
      assert.equal(error.batchesRun, 2 * bpe);
      return true;
    },
  );
  watch.assertNoLeak("an aborted trial");
  await assert.rejects(
    trainTrial(tf, denseClassifier(tf), params, data, { epochs: 1, batchSize: 32, metric: "val_acc", seed: 1, signal: AbortSignal.abort() }),
    TrainingAbortedError,
  );
  data.dispose();
});

test("an abort from a timer (as an Interrupt arrives) stops a long epoch promptly", async () => {
  const data = split();
  const watch = watchTensors(tf);
  const controller = new AbortController();
  const epochs = 50;
  let abortedAt = 0;
  setTimeout(() => {
    abortedAt = Date.now();
    controller.abort();
  }, 300);
  await assert.rejects(
    trainTrial(tf, denseClassifier(tf), params, data, { epochs, batchSize: 4, metric: "val_acc", seed: 1, signal: controller.signal }),
    (error: unknown) => {
      assert.ok(error instanceof TrainingAbortedError);
      assert.ok(error.batchesRun < epochs * batchesPerEpoch(data, 4), `${error.batchesRun} batches ran`);
      return true;
    },
  );
  const latency = Date.now() - abortedAt;
  assert.ok(abortedAt > 0 && latency < 1000, `stopped ${latency} ms after the abort`);
  watch.assertNoLeak("an interrupted trial");
  data.dispose();
});

test("no tensor leaks across 10 trials, and a kept model is all that remains", async () => {
  const data = split();
  const watch = watchTensors(tf);
  for (let trial = 0; trial < 10; trial++) {
    await trainTrial(tf, denseClassifier(tf), { units: 4 + trial * 4, lr: 0.01, dropout: trial % 2 === 0 ? 0 : 0.3 }, data,
      { epochs: 2, batchSize: 128, metric: "val_loss", seed: trial + 1, reporter: new RecordingReporter(trial % 3 === 0 ? 0 : Infinity) });
    assert.equal(watch.leaked(), 0, `after trial ${trial}`);
  }
  const kept = await trainTrial(tf, denseClassifier(tf), params, data, { epochs: 2, batchSize: 128, metric: "val_loss", seed: 1, keepModel: true });
  const model = kept.model!;
  assert.ok(model !== undefined);
  const prediction = tf.tidy(() => model.predict(tf.tensor2d(x.slice(0, 3))) as tfjs.Tensor);
  assert.deepEqual(prediction.shape, [3, 1]);
  prediction.dispose();
  assert.ok(watch.leaked() >= model.weights.length, "the kept model's weights stay alive");
  const oneModel = watch.leaked();
  disposeModel(model);
  assert.equal(watch.leaked(), 0, "disposeModel frees the model and its optimizer");
  data.dispose();

  const folds = prepareTrainingData(tf, x, y, { validation: { kind: "folds", k: 3 }, seed: 2 });
  const foldWatch = watchTensors(tf);
  const keptOfFolds = await trainTrial(tf, denseClassifier(tf), params, folds, { epochs: 2, batchSize: 128, metric: "val_loss", seed: 1, keepModel: true });
  assert.equal(foldWatch.leaked(), oneModel, "of k fold models only the last is kept");
  disposeModel(keptOfFolds.model!);
  foldWatch.assertNoLeak("k-fold training");
  folds.dispose();
});

test("a refit trains the parameters on every row, reproducibly, leaving only its model", async () => {
  const folds = prepareTrainingData(tf, x, y, { validation: { kind: "folds", k: 3 }, seed: 2 });
  const watch = watchTensors(tf);
  const options = { epochs: 2, batchSize: 64, seed: 5 };
  const refit = async (): Promise<{ rows: number; weights: number[] }> => {
    const { model, rows } = await refitOnAllRows(tf, denseClassifier(tf), params, folds, options);
    const weights = Array.from(model.getWeights()[0]!.dataSync());
    disposeModel(model);
    return { rows, weights };
  };
  const [first, second] = [await refit(), await refit()];
  assert.equal(first.rows, x.length, "all rows, not one fold's training part");
  assert.deepEqual(first.weights, second.weights, "same seed, same model");
  watch.assertNoLeak("refits");
  // Trained for its epochs: one epoch fewer gives other weights.
  const shorter = await refitOnAllRows(tf, denseClassifier(tf), params, folds, { ...options, epochs: 1 });
  assert.notDeepEqual(Array.from(shorter.model.getWeights()[0]!.dataSync()), first.weights);
  disposeModel(shorter.model);
  await assert.rejects(refitOnAllRows(tf, denseClassifier(tf), params, folds, { ...options, signal: { aborted: true } }), TrainingAbortedError);
  watch.assertNoLeak("an aborted refit");
  folds.dispose();
});

test("same seed and backend give the same metrics; another seed gives others", async () => {
  const data = split();
  const run = (seed: number) => trainTrial(tf, denseClassifier(tf), { units: 16, lr: 0.01, dropout: 0.3 }, data, { epochs: 3, batchSize: 64, metric: "val_loss", seed });
  const [a, b, c] = [await run(7), await run(7), await run(8)];
  assert.deepEqual(a.history, b.history);
  assert.deepEqual(a.metrics, b.metrics);
  assert.notDeepEqual(a.history["loss"], c.history["loss"]);

  // without the seeded Math.random scope, explicitly seeded initialisers (and no dropout) suffice
  const seededBuild = (p: DenseParams, context: BuildContext): tfjs.LayersModel => {
    const init = trialInitializers(tf, context.seed);
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: p.units, activation: "relu", inputShape: [30], kernelInitializer: init.next() }));
    model.add(tf.layers.dense({ units: 1, activation: "sigmoid", kernelInitializer: init.next("heNormal") }));
    model.compile({ optimizer: tf.train.adam(p.lr), loss: "binaryCrossentropy", metrics: ["accuracy"] });
    return model;
  };
  const explicit = (seed: number) => trainTrial(tf, seededBuild, params, data, { epochs: 3, batchSize: 64, metric: "val_loss", seed, seedMathRandom: false });
  const [d, e] = [await explicit(7), await explicit(7)];
  assert.deepEqual(d.history, e.history);
  data.dispose();
});

test("an async builder is awaited", async () => {
  const data = split();
  const build = denseClassifier(tf);
  const result = await trainTrial(tf, async (p: DenseParams) => build(p), params, data, { epochs: 1, batchSize: 128, metric: "acc", seed: 1 });
  assert.equal(result.metric, "acc");
  data.dispose();
});

test("overlapping seeded builds (two trials built at once) leave Math.random as it was", async () => {
  const original = Math.random;
  const build = denseClassifier(tf);
  let releaseFirst: () => void = () => undefined;
  const firstWaits = new Promise<void>((resolve) => {
    releaseFirst = resolve;
  });
  const seen: { during?: () => number } = {};
  // A opens its scope and waits; B opens its scope inside A's and outlives it.
  const first = buildTrialModel(async (p: DenseParams) => {
    await firstWaits;
    return build(p);
  }, params, 0, { seed: 1 });
  const second = buildTrialModel(async (p: DenseParams) => {
    releaseFirst();
    await first;
    seen.during = Math.random;
    return build(p);
  }, params, 0, { seed: 2 });
  const models = await Promise.all([first, second]);
  assert.notEqual(seen.during, original, "B still ran seeded after A's scope ended");
  assert.equal(Math.random, original, "no seeded generator is left in place");
  for (const model of models) disposeModel(model);
});

test("bad input fails before training with a message saying what was expected", async () => {
  const preparing = watchTensors(tf);
  assert.throws(
    () => prepareTrainingData(tf, x, y.slice(1), { validation: { kind: "fraction", fraction: 0.2 } }, { x: "xTrain", y: "yTrain" }),
    /^Error: xTrain has 569 rows but yTrain has 568$/,
  );
  assert.throws(() => prepareTrainingData(tf, x, x.map((row) => [row[0]!]), { validation: { kind: "fraction", fraction: 0.2 }, stratify: true }),
    /labels must be integers 0\.\.K-1 or one-hot rows, but row 0 is 1\.09/);
  assert.throws(() => prepareTrainingData(tf, x, y, { validation: { kind: "folds", k: 1 } }), /the number of folds must be an integer in \[2, 569\]/);
  const holey = x.map((row, i) => (i === 12 ? row.map((v, j) => (j === 3 ? Number.NaN : v)) : row));
  assert.throws(() => prepareTrainingData(tf, holey, y, { validation: { kind: "fraction", fraction: 0.2 } }, { x: "xTrain", y: "yTrain" }),
    /^Error: xTrain row 12 holds NaN or an infinite value; expected finite numbers$/);
  assert.throws(() => prepareTrainingData(tf, x, [[1, 2], [3]], { validation: { kind: "fraction", fraction: 0.2 } }),
    /y has 2 rows|x has 569 rows but y has 2/);
  assert.throws(() => prepareTrainingData(tf, [[1, 2], [3]], [0, 1], { validation: { kind: "fraction", fraction: 0.5 } }),
    /^Error: x must hold numbers in equal-length rows: /);
  preparing.assertNoLeak("the refused preparations");

  const data = split();
  const watch = watchTensors(tf);
  const options = { epochs: 2, batchSize: 64, metric: "val_acc", seed: 1, dataNames: { x: "xTrain", y: "yTrain" } };
  const setupError = (pattern: RegExp) => (error: unknown): boolean => {
    assert.ok(error instanceof TrainingSetupError, `expected a TrainingSetupError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  };
  await assert.rejects(trainTrial(tf, () => undefined as unknown as tfjs.LayersModel, params, data, options),
    setupError(/^buildModel returned undefined, expected a compiled tf\.LayersModel \(call model\.compile\(\.\.\.\)\)$/));
  await assert.rejects(trainTrial(tf, () => ({ units: 3 }) as unknown as tfjs.LayersModel, params, data, options),
    setupError(/buildModel returned an object, expected a compiled tf\.LayersModel/));
  await assert.rejects(trainTrial(tf, () => 3 as unknown as tfjs.LayersModel, params, data, options),
    setupError(/buildModel returned number 3, expected/));
  await assert.rejects(trainTrial(tf, () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 1, inputShape: [30] }));
    return model;
  }, params, data, options), setupError(/returned a tf\.LayersModel that is not compiled; call model\.compile\(\{ optimizer, loss, metrics \}\)/));
  // The message names the builder by its function's name (a notebook's buildUncompiled, not "buildModel").
  const buildUncompiled = function buildUncompiled(): tfjs.LayersModel {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 1, inputShape: [30] }));
    return model;
  };
  await assert.rejects(trainTrial(tf, buildUncompiled, params, data, options), setupError(/^buildUncompiled returned a tf\.LayersModel that is not compiled/));
  await assert.rejects(trainTrial(tf, denseClassifier(tf), params, data, { ...options, metric: "val_speed" }),
    setupError(/^unknown metric "val_speed": the training history has loss, acc, val_loss, val_acc; computed from predictions: val_f1, /));
  await assert.rejects(trainTrial(tf, denseClassifier(tf, 29), params, data, options),
    setupError(/the model's input has shape \[29\] per row, but xTrain rows have shape \[30\]/));
  await assert.rejects(trainTrial(tf, () => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 2, activation: "softmax", inputShape: [30] }));
    model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
    return model;
  }, params, data, options), setupError(/the model's output has shape \[2\] per row, but yTrain rows have shape \[1\]/));
  await assert.rejects(trainTrial(tf, denseClassifier(tf), params, data, { ...options, epochs: 0 }),
    setupError(/epochs must be a positive integer, but got 0/));
  await assert.rejects(trainTrial(tf, () => {
    throw new RangeError("units must be positive");
  }, params, data, options), /^RangeError: units must be positive$/);
  assert.equal(await checkTrialSetup(denseClassifier(tf), params, data, { metric: "val_accuracy", seed: 1 }), "val_acc");
  await assert.rejects(checkTrialSetup(denseClassifier(tf), params, data, { metric: "speed", seed: 1 }),
    setupError(/^unknown metric "speed": the training history has loss, acc, val_loss, val_acc; computed from predictions: val_f1, /));
  watch.assertNoLeak("the refused trials and the setup checks");
  data.dispose();
});

test("a metric that turns NaN or infinite fails the trial with the epoch", async () => {
  const data = split();
  const watch = watchTensors(tf);
  const exploding = (): tfjs.LayersModel => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 8, activation: "relu", inputShape: [30] }));
    model.add(tf.layers.dense({ units: 1 }));
    model.compile({ optimizer: tf.train.sgd(1e30), loss: "meanSquaredError" });
    return model;
  };
  await assert.rejects(trainTrial(tf, exploding, params, data, { epochs: 5, batchSize: 16, metric: "val_loss", seed: 1 }),
    /^Error: the metric val_loss was (NaN|Infinity) after epoch \d$/);
  watch.assertNoLeak("a failed trial");
  data.dispose();
});

test("three classes: integer labels with a sparse loss, one-hot labels with categorical cross-entropy", async () => {
  const iris = loadTable(join(dataDirectory(), "iris.csv"));
  const xIris = standardize(iris.x).xTrain;
  const softmax = (loss: string) => (): tfjs.LayersModel => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 8, activation: "relu", inputShape: [4] }));
    model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
    model.compile({ optimizer: tf.train.adam(0.05), loss, metrics: ["accuracy"] });
    return model;
  };
  const options = { epochs: 15, batchSize: 16, metric: "val_accuracy", seed: 3 };
  const sparse = prepareTrainingData(tf, xIris, iris.y, { validation: { kind: "fraction", fraction: 0.2 }, seed: 1, stratify: true });
  const sparseResult = await trainTrial(tf, softmax("sparseCategoricalCrossentropy"), {}, sparse, options);
  assert.ok(sparseResult.value > 0.8, `sparse labels: validation accuracy ${sparseResult.value}`);
  sparse.dispose();

  const hot = prepareTrainingData(tf, xIris, oneHot(iris.y), { validation: { kind: "fraction", fraction: 0.2 }, seed: 1, stratify: true });
  assert.deepEqual(hot.folds[0]!.yValidation.shape, [30, 3]);
  const hotResult = await trainTrial(tf, softmax("categoricalCrossentropy"), {}, hot, options);
  assert.ok(hotResult.value > 0.8, `one-hot labels: validation accuracy ${hotResult.value}`);
  hot.dispose();
  const mismatched = prepareTrainingData(tf, xIris, iris.y, { validation: { kind: "fraction", fraction: 0.2 } });
  await assert.rejects(trainTrial(tf, softmax("categoricalCrossentropy"), {}, mismatched, options),
    /the model's output has shape \[3\] per row, but y rows have shape \[1\]: y holds class indices; one-hot encode them \(oneHot from "tunelab"\), or compile with the loss "sparseCategoricalCrossentropy", which takes indices$/);
  // Binary cross-entropy against three classes' indices trained without an error, towards nothing.
  const sigmoid = (): tfjs.LayersModel => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, activation: "sigmoid", inputShape: [4] })] });
    model.compile({ optimizer: "adam", loss: "binaryCrossentropy", metrics: ["accuracy"] });
    return model;
  };
  await assert.rejects(trainTrial(tf, sigmoid, {}, mismatched, options),
    /^TrainingSetupError: the loss binaryCrossentropy takes targets between 0 and 1, but y holds 2; for 3 classes, give the model that many softmax outputs and the loss "sparseCategoricalCrossentropy" \(or one-hot targets with "categoricalCrossentropy"\)$/);
  mismatched.dispose();
  // Targets that are not class indices of the outputs (values, or index 3 of 3 outputs): no such advice.
  const values = prepareTrainingData(tf, xIris, iris.y.map((v) => v + 1.5), { validation: { kind: "fraction", fraction: 0.2 } });
  await assert.rejects(trainTrial(tf, softmax("categoricalCrossentropy"), {}, values, options), /but y rows have shape \[1\]$/);
  values.dispose();
});

test("given validation data: trains on all rows, validates on those, and leaves the caller's tensors alone", async () => {
  const xTensor = tf.tensor2d(x.slice(0, 400));
  const yTensor = tf.tensor1d(y.slice(0, 400));
  const xCheck = tf.tensor2d(x.slice(400));
  const yCheck = tf.tensor1d(y.slice(400));
  const data = prepareTrainingData(tf, xTensor, yTensor, { validation: { kind: "data", x: xCheck, y: yCheck } });
  assert.equal(data.folds[0]!.xTrain, xTensor);
  assert.deepEqual(data.folds[0]!.yValidation.shape, [169, 1]);
  const result = await trainTrial(tf, denseClassifier(tf), params, data, { epochs: 2, batchSize: 64, metric: "val_loss", seed: 1 });
  assert.equal(result.batchesRun, 2 * Math.ceil(400 / 64));
  data.dispose();
  assert.equal(xTensor.isDisposed || xCheck.isDisposed, false);
  const watch = watchTensors(tf);
  assert.throws(() => prepareTrainingData(tf, xTensor, yTensor, { validation: { kind: "data", x: x.slice(0, 5).map((row) => row.slice(1)), y: [0, 1, 0, 1, 0] } }),
    /x rows have shape \[30\] but validation x rows have shape \[29\]/);
  watch.assertNoLeak("a refused preparation");
  tf.dispose([xTensor, yTensor, xCheck, yCheck]);
});

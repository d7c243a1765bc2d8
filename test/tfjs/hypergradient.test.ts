import { before, test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { loadTensorFlow, type TensorFlow } from "../../src/tfjs/backend";
import { adamHD, hypergradientVersionOf, isHypergradientOptimizer, sgdHD, type HypergradientOptimizer } from "../../src/tfjs/hypergradient";

let tf: TensorFlow;

before(async () => {
  ({ tf } = await loadTensorFlow());
});

/** A full-batch logistic regression on fixed data: f(w, b) is deterministic, so g_t = ∇f(θ_{t−1}) exactly. */
function logisticProblem(): { w: tfjs.Variable; b: tfjs.Variable; loss: () => tfjs.Scalar; snapshot: () => number[]; set: (values: number[]) => void; dispose: () => void } {
  const x = tf.tensor2d([
    [0.5, -1.2, 0.3],
    [1.5, 0.2, -0.7],
    [-0.4, 0.9, 1.1],
    [0.8, -0.3, -1.4],
    [-1.1, -0.6, 0.4],
    [0.2, 1.3, 0.9],
  ]);
  const y = tf.tensor2d([[1], [1], [0], [1], [0], [0]]);
  const w = tf.variable(tf.tensor2d([[0.1], [-0.2], [0.05]]), true, "hd_w" + Math.random());
  const b = tf.variable(tf.scalar(0.3), true, "hd_b" + Math.random());
  const loss = (): tfjs.Scalar => tf.losses.sigmoidCrossEntropy(y, tf.add(tf.matMul(x, w), b)) as tfjs.Scalar;
  const snapshot = (): number[] => [...w.dataSync(), ...b.dataSync()];
  const set = (values: number[]): void => {
    w.assign(tf.tensor2d(values.slice(0, 3), [3, 1]));
    b.assign(tf.scalar(values[3]!));
  };
  return { w, b, loss, snapshot, set, dispose: () => tf.dispose([x, y, w, b]) };
}

/**
 * h_t from the optimizer against a central finite difference of φ(α) = f(θ_{t−2} − α d_{t−1}) at
 * α = α_{t−1}, where d_{t−1} = (θ_{t−2} − θ_{t−1}) / α_{t−1} is read from two snapshots.
 */
function checkAgainstFiniteDifference(make: () => HypergradientOptimizer, steps: number): void {
  const problem = logisticProblem();
  const optimizer = make();
  try {
    for (let t = 1; t < steps; t++) optimizer.minimize(problem.loss);
    const before = problem.snapshot(); // θ_{t−2}
    const alpha = optimizer.currentLearningRate(); // α_{t−1} is applied by the next step
    optimizer.minimize(problem.loss);
    const after = problem.snapshot(); // θ_{t−1}
    const appliedAlpha = optimizer.currentLearningRate();
    const direction = before.map((value, i) => (value - after[i]!) / appliedAlpha);
    const phi = (a: number): number => {
      problem.set(before.map((value, i) => value - a * direction[i]!));
      return tf.tidy(() => problem.loss().dataSync()[0]!);
    };
    const delta = 1e-3 * appliedAlpha;
    const numeric = (phi(appliedAlpha + delta) - phi(appliedAlpha - delta)) / (2 * delta);
    problem.set(after);
    optimizer.minimize(problem.loss); // step t: computes h_t = −g_t · d_{t−1}
    const analytic = optimizer.lastHypergradient();
    assert.ok(Math.abs(analytic) > 1e-4, `the hypergradient should not vanish here, got ${analytic}`);
    assert.ok(Math.abs(analytic - numeric) <= 1e-3 * Math.max(1, Math.abs(numeric)), `h_t = ${analytic}, finite difference ${numeric} (α ${alpha} → ${appliedAlpha})`);
  } finally {
    optimizer.dispose();
    problem.dispose();
  }
}

test("SGD-HD: h_t equals the finite-difference derivative of the loss with respect to α", () => {
  checkAgainstFiniteDifference(() => sgdHD(tf, 0.5), 4);
  checkAgainstFiniteDifference(() => sgdHD(tf, 0.5, { rule: "additive", hyperLearningRate: 0.01 }), 4);
});

test("Adam-HD: h_t equals the finite-difference derivative of the loss with respect to α", () => {
  checkAgainstFiniteDifference(() => adamHD(tf, 0.05), 5);
  checkAgainstFiniteDifference(() => adamHD(tf, 0.05, { rule: "additive", hyperLearningRate: 1e-3 }), 5);
});

test("with a vanishing β the HD optimizers take exactly the steps of tfjs's SGD and Adam", () => {
  const run = (optimizer: tfjs.Optimizer): number[] => {
    const problem = logisticProblem();
    try {
      for (let t = 0; t < 20; t++) optimizer.minimize(problem.loss);
      return problem.snapshot();
    } finally {
      optimizer.dispose();
      problem.dispose();
    }
  };
  const close = (a: number[], b: number[]): void => a.forEach((value, i) => assert.ok(Math.abs(value - b[i]!) < 1e-5, `${a} vs ${b}`));
  close(run(sgdHD(tf, 0.3, { rule: "additive", hyperLearningRate: 1e-30 })), run(tf.train.sgd(0.3)));
  close(run(adamHD(tf, 0.02, { rule: "additive", hyperLearningRate: 1e-30 })), run(tf.train.adam(0.02)));
});

test("a learning rate far too small grows and one far too large shrinks", () => {
  const final = (make: () => HypergradientOptimizer): number => {
    const problem = logisticProblem();
    const optimizer = make();
    try {
      for (let t = 0; t < 200; t++) optimizer.minimize(problem.loss);
      return optimizer.currentLearningRate();
    } finally {
      optimizer.dispose();
      problem.dispose();
    }
  };
  assert.ok(final(() => sgdHD(tf, 1e-3)) > 1e-2, "SGD-HD from 1e-3");
  assert.ok(final(() => adamHD(tf, 1e-4)) > 1e-3, "Adam-HD from 1e-4");
  // f(θ) = ½ θᵀ diag(1, 0.1) θ: plain SGD oscillates and diverges for α > 2 (|1 − α·1| > 1); SGD-HD
  // sees consecutive gradients point against each other (cos < 0) and brings α below 2.
  const theta = tf.variable(tf.tensor1d([1, 1]), true, "hd_quadratic" + Math.random());
  const curvature = tf.tensor1d([1, 0.1]);
  const quadratic = (): tfjs.Scalar => tf.mul(0.5, tf.sum(tf.mul(curvature, tf.square(theta))));
  const large = sgdHD(tf, 2.2);
  for (let t = 0; t < 200; t++) large.minimize(quadratic);
  const rate = large.currentLearningRate();
  assert.ok(rate < 2.2, `SGD-HD from 2.2 ended at ${rate}`);
  assert.ok(tf.tidy(() => quadratic().dataSync()[0]!) < 1e-3, "and the quadratic is minimised");
  large.dispose();
  tf.dispose([theta, curvature]);
});

test("steps leak no tensors, and dispose frees the optimizer's state", () => {
  const problem = logisticProblem();
  const start = tf.memory().numTensors;
  const optimizer = adamHD(tf, 0.01);
  for (let t = 0; t < 3; t++) optimizer.minimize(problem.loss);
  const afterWarmUp = tf.memory().numTensors;
  for (let t = 0; t < 10; t++) optimizer.minimize(problem.loss);
  assert.equal(tf.memory().numTensors, afterWarmUp);
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, start);
  problem.dispose();
});

test("getWeights/setWeights carry α and the state: a copy continues exactly like the original", async () => {
  const problem = logisticProblem();
  const original = adamHD(tf, 0.05);
  for (let t = 0; t < 5; t++) original.minimize(problem.loss);
  const saved = await original.getWeights();
  const copy = adamHD(tf, 0.05);
  await copy.setWeights(saved.map(({ name, tensor }) => ({ name, tensor: tensor.clone() })));
  assert.equal(copy.currentLearningRate(), original.currentLearningRate());
  const theta = problem.snapshot();
  original.minimize(problem.loss);
  const next = problem.snapshot();
  problem.set(theta);
  copy.minimize(problem.loss);
  assert.deepEqual(problem.snapshot(), next);
  original.dispose();
  copy.dispose();
  problem.dispose();
});

test("a compiled model's SGD or Adam becomes its hypergradient version with the same settings; others are left alone", () => {
  const sgd = hypergradientVersionOf(tf, tf.train.sgd(0.03));
  assert.ok(sgd !== undefined && isHypergradientOptimizer(sgd));
  assert.equal(sgd.initialLearningRate, 0.03);
  const adam = hypergradientVersionOf(tf, tf.train.adam(0.002, 0.8, 0.99));
  assert.ok(adam !== undefined);
  assert.deepEqual(
    { ...adam.getConfig() },
    { learningRate: 0.002, rule: "multiplicative", hyperLearningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: tf.train.adam(0.1).getConfig()["epsilon"] },
  );
  assert.equal(hypergradientVersionOf(tf, tf.train.rmsprop(0.01)), undefined);
  sgd.dispose();
  adam.dispose();
});

test("a model compiled with Adam-HD trains, serialises its optimizer and rejects bad settings", async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, activation: "relu", inputShape: [3] }), tf.layers.dense({ units: 1, activation: "sigmoid" })] });
  const optimizer = adamHD(tf, 0.01);
  model.compile({ optimizer, loss: "binaryCrossentropy" });
  const x = tf.randomNormal([32, 3], 0, 1, "float32", 1);
  const y = tf.cast(tf.greater(tf.sum(x, 1, true), 0), "float32");
  const history = await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
  assert.equal(history.history["loss"]!.length, 3);
  assert.notEqual(optimizer.currentLearningRate(), 0.01);
  const restored = tf.serialization.SerializationMap.getMap().classNameMap["AdamHD"];
  assert.ok(restored !== undefined, "AdamHD is registered for serialisation");
  assert.throws(() => sgdHD(tf, 0), /initial learning rate must be positive/);
  assert.throws(() => sgdHD(tf, 0.1, { hyperLearningRate: 1.5 }), /β must be positive and finite and below 1/);
  tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
});

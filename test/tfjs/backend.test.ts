import { test } from "node:test";
import assert from "node:assert/strict";
import { loadTensorFlow, orderFromEnvironment } from "../../src/tfjs/backend";

test("loadTensorFlow chooses wasm here (tfjs-node is not installed) and says why", async () => {
  const loaded = await loadTensorFlow();
  assert.equal(loaded.backend, "wasm");
  assert.match(loaded.reason, /tfjs-node not installed/);
  assert.equal(loaded.tf.getBackend(), "wasm");
  assert.equal(loaded.description, `TensorFlow.js ${loaded.tf.version.tfjs} backend: wasm (tfjs-node not installed)`);
});

test("loadTensorFlow is memoised: one selection and one tf per process", async () => {
  const [a, b] = await Promise.all([loadTensorFlow(), loadTensorFlow()]);
  assert.equal(a, b);
  assert.equal(loadTensorFlow(), loadTensorFlow());
});

test("a notebook's own import of @tensorflow/tfjs shares the engine and the chosen backend", async () => {
  const { tf } = await loadTensorFlow();
  // what a cell's `import * as tf from "@tensorflow/tfjs"` compiles to
  const userTf = require("@tensorflow/tfjs") as typeof tf;
  assert.equal(userTf.engine(), tf.engine());
  assert.equal(userTf.getBackend(), "wasm");
  const before = tf.memory().numTensors;
  const product = userTf.tidy(() => userTf.matMul(userTf.tensor2d([[1, 2]]), userTf.tensor2d([[3], [4]])));
  assert.equal(tf.memory().numTensors, before + 1, "the tuner's tf counts the user's tensor");
  assert.deepEqual(await product.array(), [[11]]);
  product.dispose();
});

test("the wasm glue's rethrowing process listeners are removed", async () => {
  await loadTensorFlow();
  for (const listener of process.listeners("uncaughtException")) {
    assert.doesNotMatch(String(listener), /if\s*\(\s*!\s*\(\s*ex instanceof ExitStatus/);
  }
  for (const listener of process.listeners("unhandledRejection")) {
    assert.doesNotMatch(String(listener), /throw reason/);
  }
});

test("TUNELAB_TFJS_BACKEND narrows the order and rejects unknown names", () => {
  assert.deepEqual(orderFromEnvironment(undefined), ["tensorflow", "wasm", "cpu"]);
  assert.deepEqual(orderFromEnvironment("wasm"), ["wasm", "cpu"]);
  assert.deepEqual(orderFromEnvironment("cpu"), ["cpu"]);
  assert.throws(() => orderFromEnvironment("webgl"), /TUNELAB_TFJS_BACKEND must be one of tensorflow, wasm, cpu, but got "webgl"/);
});

/**
 * `file://` saving and loading without tfjs-node (src/tfjs/file-io.ts) on the backend this machine
 * runs: a trained model written with model.save and read back with tf.loadLayersModel predicts the
 * same and has the same weights; the folder holds tfjs-node's two files; a folder loads as its
 * model.json; a missing file says what was expected; other URL schemes are left to TensorFlow.js.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTensorFlow, type TensorFlow } from "../../src/tfjs/backend";
import { registerFileRouters } from "../../src/tfjs/file-io";

let tf: TensorFlow;
let backend: string;

before(async () => {
  ({ tf, backend } = await loadTensorFlow());
});

/** A small dense model trained for one epoch on random rows (so its weights are not the initial ones). */
async function trainedModel() {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [3], units: 5, activation: "relu" }), tf.layers.dropout({ rate: 0.2 }), tf.layers.dense({ units: 2, activation: "softmax" })],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  const x = tf.randomNormal([16, 3], 0, 1, "float32", 1);
  const y = tf.oneHot(tf.tensor1d([0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0], "int32"), 2);
  await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
  tf.dispose([x, y]);
  return model;
}

test("a model saved to file:// loads back with the same weights and predictions, in tfjs-node's two files", async () => {
  const folder = join(mkdtempSync(join(tmpdir(), "tunelab-file-io-")), "model");
  const model = await trainedModel();
  const result = await model.save(`file://${folder}`);
  assert.deepEqual(readdirSync(folder).sort(), ["model.json", "weights.bin"]);
  const written = JSON.parse(readFileSync(join(folder, "model.json"), "utf8")) as { weightsManifest: { paths: string[]; weights: { name: string }[] }[]; format: string };
  assert.deepEqual(written.weightsManifest[0]!.paths, ["weights.bin"]);
  assert.equal(written.weightsManifest[0]!.weights.length, 4, "two kernels and two biases");
  assert.equal(written.format, "layers-model");
  assert.equal(readFileSync(join(folder, "weights.bin")).length, result.modelArtifactsInfo.weightDataBytes);
  for (const url of [`file://${folder}/model.json`, `file://${folder}`]) {
    const loaded = await tf.loadLayersModel(url);
    const x = tf.tensor2d([[0.5, -1, 2], [1, 1, 1]]);
    const [expected, actual] = [model.predict(x) as ReturnType<typeof tf.tensor>, loaded.predict(x) as ReturnType<typeof tf.tensor>];
    assert.deepEqual(actual.arraySync(), expected.arraySync(), `predictions of ${url}`);
    loaded.getWeights().forEach((w, i) => assert.deepEqual(Array.from(w.dataSync()), Array.from(model.getWeights()[i]!.dataSync()), `weight ${i}`));
    tf.dispose([x, expected, actual]);
    loaded.dispose();
  }
  model.dispose();
});

test("a missing model.json names the path and what was expected; the routers are registered once", async () => {
  registerFileRouters(tf); // a second registration does nothing
  assert.equal(tf.io.getSaveHandlers("file:///x").length, 1, "one file:// save router, not two");
  const missing = join(mkdtempSync(join(tmpdir(), "tunelab-file-io-")), "none", "model.json");
  // (tfjs-node, where it loads, reads file:// itself and words its own error.)
  const expected = backend === "tensorflow" ? /no such file|ENOENT/ : new RegExp(`file://${missing}: expected a model.json written by model.save\\("file://…"\\) \\(ENOENT`);
  await assert.rejects(tf.loadLayersModel(`file://${missing}`), expected);
});

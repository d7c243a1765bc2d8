/**
 * The batches `trainEpoch` and `evaluateRows` (src/tfjs/epoch.ts) hand a step, on the wasm and the
 * cpu backend: rows [start, end) of the epoch's rows in order, with their shape and dtype (float32
 * rows copied out of the backend's buffer, int32 labels gathered), the last batch short; the
 * rows' tensors unchanged and no tensor left behind. The step here records what it is given (a
 * unit on its own; real training through these batches is `train-equivalence.test.ts`).
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { loadTensorFlow, type TensorFlow } from "../../src/tfjs/backend";
import { evaluateRows, trainEpoch } from "../../src/tfjs/epoch";
import { EventLoopPacer } from "../../src/tfjs/pacer";
import type { TrainStep } from "../../src/tfjs/train-step";

let tf: TensorFlow;

before(async () => {
  ({ tf } = await loadTensorFlow());
});

/** A step that records the values, shapes and dtypes of the batches it is given. */
function recordingStep(batches: { x: number[]; y: number[]; xShape: number[]; yShape: number[]; yDtype: string }[]): TrainStep {
  const record = (x: tfjs.Tensor, y: tfjs.Tensor): void => {
    batches.push({ x: Array.from(x.dataSync()), y: Array.from(y.dataSync()), xShape: x.shape, yShape: y.shape, yDtype: y.dtype });
  };
  return {
    names: ["loss"],
    train(x, y) {
      record(x, y);
      return { yPred: tf.zeros([x.shape[0]!, 1]) };
    },
    metrics: () => [],
    loss: () => tf.scalar(0),
    evaluate(x, y) {
      record(x, y);
      return { yPred: tf.zeros([x.shape[0]!, 1]), values: [tf.scalar(0)] };
    },
  };
}

for (const backend of ["wasm", "cpu"] as const) {
  for (const labels of ["float32", "int32"] as const) {
    test(`${backend}: trainEpoch and evaluateRows give the step rows [start, end) in order (${labels} targets), leaving the rows and no tensor behind`, async () => {
      await tf.setBackend(backend);
      try {
        const rows = 10;
        const xValues = Array.from({ length: rows * 3 }, (_, i) => i / 7 - 1);
        const yValues = Array.from({ length: rows }, (_, i) => (i * 3) % 5);
        const x = tf.tensor2d(xValues, [rows, 3]);
        const y = labels === "float32" ? tf.tensor2d(yValues.map((v) => v / 2), [rows, 1]) : tf.tensor2d(yValues, [rows, 1], "int32");
        const before = tf.memory().numTensors;
        const batches: Parameters<typeof recordingStep>[0] = [];
        const step = recordingStep(batches);
        const result = await trainEpoch(tf, step, x, y, { batchSize: 4, pacer: new EventLoopPacer(() => tf.nextFrame()), onBatchEnd: () => undefined });
        assert.equal(result.kind, "done");
        evaluateRows(tf, step, x, y, 6, "val_", false);
        assert.equal(tf.memory().numTensors, before, "tensors left behind");
        const expected = [
          [0, 4],
          [4, 8],
          [8, 10],
          [0, 6],
          [6, 10],
        ].map(([start, end]) => ({
          x: xValues.slice(start! * 3, end! * 3).map((v) => Math.fround(v)),
          y: yValues.slice(start, end).map((v) => (labels === "float32" ? v / 2 : v)),
          xShape: [end! - start!, 3],
          yShape: [end! - start!, 1],
          yDtype: labels,
        }));
        assert.deepStrictEqual(batches, expected);
        assert.deepStrictEqual(Array.from(x.dataSync()), xValues.map((v) => Math.fround(v)), "the rows after the epoch");
        tf.dispose([x, y]);
      } finally {
        await tf.setBackend("wasm");
      }
    });
  }
}

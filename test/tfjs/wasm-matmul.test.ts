import { test } from "node:test";
import assert from "node:assert/strict";
import type * as tfjs from "@tensorflow/tfjs";
import { loadTensorFlow } from "../../src/tfjs/backend";
import { fastTransposedMatMul } from "../../src/tfjs/wasm-matmul";

/** Deterministic values in [-1, 1) of a shape (no seeded generator needed for a product check). */
function values(shape: readonly number[], salt: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, (_, i) => Math.sin(i * 12.9898 + salt * 78.233) % 1);
}

/** The four transpose combinations for A [.., m, k] · B [.., k, n], as the operands' stored shapes. */
function operands(batch: readonly number[], m: number, k: number, n: number): { transposeA: boolean; transposeB: boolean; aShape: number[]; bShape: number[] }[] {
  return [false, true].flatMap((transposeA) =>
    [false, true].map((transposeB) => ({
      transposeA,
      transposeB,
      aShape: [...batch, ...(transposeA ? [k, m] : [m, k])],
      bShape: [...batch, ...(transposeB ? [n, k] : [k, n])],
    })),
  );
}

/** The product computed by `run` on the CPU backend (tfjs's reference kernels), then back to wasm. */
async function onCpu(tf: typeof tfjs, run: () => tfjs.Tensor): Promise<number[]> {
  await tf.setBackend("cpu");
  try {
    const result = run();
    const data = Array.from(result.dataSync());
    result.dispose();
    return data;
  } finally {
    await tf.setBackend("wasm");
  }
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    const tolerance = 1e-5 * Math.max(1, Math.abs(expected[i]!));
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `${what}: element ${i} is ${actual[i]}, the CPU backend's ${expected[i]}`);
  }
}

test("loading the wasm backend wraps BatchMatMul and _FusedMatMul once (a second call wraps nothing)", async () => {
  const { tf, backend } = await loadTensorFlow();
  assert.equal(backend, "wasm");
  assert.deepEqual(fastTransposedMatMul(tf), []);
});

for (const batch of [[], [3]]) {
  test(`matMul with transposed operands (rank ${batch.length + 2}) gives the CPU backend's values, leaving no tensor or buffer behind`, async () => {
    const { tf } = await loadTensorFlow();
    for (const { transposeA, transposeB, aShape, bShape } of operands(batch, 5, 7, 4)) {
      const what = `transposeA=${transposeA} transposeB=${transposeB}`;
      const product = (): tfjs.Tensor => tf.tidy(() => tf.matMul(tf.tensor(values(aShape, 1), aShape), tf.tensor(values(bShape, 2), bShape), transposeA, transposeB));
      const expected = await onCpu(tf, product);
      const before = tf.memory();
      const result = product();
      assert.deepEqual(result.shape, [...batch, 5, 4], what);
      assertClose(result.dataSync(), expected, what);
      result.dispose();
      const after = tf.memory() as tfjs.MemoryInfo & { numDataBuffers: number };
      assert.equal(after.numTensors, before.numTensors, `${what}: tensors`);
      assert.equal(after.numDataBuffers, (before as typeof after).numDataBuffers, `${what}: data buffers`);
    }
  });
}

// Rank 2 only: tfjs-backend-wasm 4.22's _FusedMatMul adds a bias to the first row only of a rank-3
// product (with or without our wrapper); Dense layers call it with rank 2.
test(`fused.matMul with transposed operands, bias and relu gives the CPU backend's values, leaving nothing behind`, async () => {
  const { tf } = await loadTensorFlow();
  for (const { transposeA, transposeB, aShape, bShape } of operands([], 6, 3, 8)) {
    const what = `transposeA=${transposeA} transposeB=${transposeB}`;
    const product = (): tfjs.Tensor =>
      tf.tidy(() =>
        tf.fused.matMul({
          a: tf.tensor(values(aShape, 3), aShape as [number, number]),
          b: tf.tensor(values(bShape, 4), bShape as [number, number]),
          transposeA,
          transposeB,
          bias: tf.tensor1d(values([8], 5)),
          activation: "relu",
        }),
      );
    const expected = await onCpu(tf, product);
    const before = tf.memory() as tfjs.MemoryInfo & { numDataBuffers: number };
    const result = product();
    assertClose(result.dataSync(), expected, what);
    result.dispose();
    const after = tf.memory() as tfjs.MemoryInfo & { numDataBuffers: number };
    assert.equal(after.numTensors, before.numTensors, `${what}: tensors`);
    assert.equal(after.numDataBuffers, before.numDataBuffers, `${what}: data buffers`);
  }
});

test("a Dense layer's gradients through the wrapped kernels equal the CPU backend's", async () => {
  const { tf } = await loadTensorFlow();
  const gradients = (): tfjs.Tensor =>
    tf.tidy(() => {
      const x = tf.tensor2d(values([9, 6], 6), [9, 6]);
      const w = tf.tensor2d(values([6, 4], 7), [6, 4]);
      const bias = tf.tensor1d(values([4], 8));
      const [dx, dw] = tf.grads((xi: tfjs.Tensor, wi: tfjs.Tensor) => tf.sum(tf.square(tf.fused.matMul({ a: xi as tfjs.Tensor2D, b: wi as tfjs.Tensor2D, bias, activation: "relu" }))))([x, w]);
      return tf.concat([dx!.reshape([-1]), dw!.reshape([-1])]);
    });
  const expected = await onCpu(tf, gradients);
  const result = gradients();
  assertClose(result.dataSync(), expected, "dx, dW");
  result.dispose();
});

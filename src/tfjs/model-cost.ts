/**
 * Built-in objectives of a trained TensorFlow.js model that are not in its training history: what
 * it costs to ship and run it. A multi-objective `%%tune` (`--metric val_acc,size`) trades them off
 * against accuracy.
 *
 * - `params`: the number of weights, `model.countParams()` (trainable and not).
 * - `size`: bytes of the model as `model.save` writes it without the optimizer: the weight buffer
 *   plus the JSON of the topology and the weight specs (what a browser downloads).
 * - `latency`: median milliseconds of inference per example on the running backend: `predict` on a
 *   fixed batch of up to {@link LATENCY_BATCH_ROWS} validation rows, after
 *   {@link LATENCY_WARMUP_RUNS} warm-up runs, over {@link LATENCY_RUNS} timed runs, divided by the
 *   rows. Noisy (other work on the machine shows in it) and specific to the backend: compare
 *   trials of one search, not searches on different machines or backends.
 *
 * Each is minimised.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "./backend";

/** The built-in objectives, as named in `--metric`. */
export const MODEL_COSTS = ["params", "size", "latency"] as const;
export type ModelCost = (typeof MODEL_COSTS)[number];

/** Rows of the fixed batch that latency is measured on. */
export const LATENCY_BATCH_ROWS = 32;
/** Untimed runs before measuring (kernel compilation, first allocations). */
export const LATENCY_WARMUP_RUNS = 2;
/** Timed runs; latency is their median. */
export const LATENCY_RUNS = 7;

/** Whether `name` is a built-in objective. */
export function isModelCost(name: string): name is ModelCost {
  return (MODEL_COSTS as readonly string[]).includes(name);
}

/** The number of weights of `model` (trainable and not). */
export function parameterCount(model: tfjs.LayersModel): number {
  return model.countParams();
}

/**
 * Bytes of `model` as `model.save` writes it: weight data + topology JSON + weight-spec JSON
 * (saved through an in-memory handler, so nothing touches the disk).
 */
export async function serializedSize(tf: TensorFlow, model: tfjs.LayersModel): Promise<number> {
  let bytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const buffers = data === undefined ? [] : Array.isArray(data) ? data : [data];
      const weightBytes = buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0);
      const json = (value: unknown): number => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value)));
      bytes = weightBytes + json(artifacts.modelTopology) + json(artifacts.weightSpecs);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  return bytes;
}

/**
 * Median inference time per example, in ms (see the module comment): `x`'s first
 * {@link LATENCY_BATCH_ROWS} rows predicted {@link LATENCY_WARMUP_RUNS} + {@link LATENCY_RUNS} times,
 * each run waiting for the values (`dataSync`) so that asynchronous backends are timed too.
 * @throws RangeError when `x` has no rows
 */
export function inferenceLatency(tf: TensorFlow, model: tfjs.LayersModel, x: tfjs.Tensor): number {
  const rows = Math.min(LATENCY_BATCH_ROWS, x.shape[0] ?? 0);
  if (rows < 1) throw new RangeError(`latency needs at least one row to predict on, but the data has ${x.shape[0] ?? 0}`);
  const batch = tf.tidy(() => x.slice(0, rows));
  try {
    const run = (): number => {
      const started = performance.now();
      tf.tidy(() => {
        const out = model.predict(batch);
        for (const tensor of Array.isArray(out) ? out : [out]) tensor.dataSync();
      });
      return performance.now() - started;
    };
    for (let i = 0; i < LATENCY_WARMUP_RUNS; i++) run();
    const times = Array.from({ length: LATENCY_RUNS }, run).sort((a, b) => a - b);
    return (times[Math.floor(LATENCY_RUNS / 2)] as number) / rows;
  } finally {
    batch.dispose();
  }
}

/**
 * The costs named in `names` for a trained `model`, as a record (`{ params: 1234, size: 5210 }`).
 * @param x rows to time inference on (needed only for `latency`)
 */
export async function modelCosts(tf: TensorFlow, model: tfjs.LayersModel, names: readonly ModelCost[], x: tfjs.Tensor): Promise<Record<ModelCost, number>> {
  const costs: Partial<Record<ModelCost, number>> = {};
  for (const name of names) {
    if (name === "params") costs.params = parameterCount(model);
    else if (name === "size") costs.size = await serializedSize(tf, model);
    else costs.latency = inferenceLatency(tf, model, x);
  }
  return costs as Record<ModelCost, number>;
}

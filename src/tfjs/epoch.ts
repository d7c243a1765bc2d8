/**
 * One epoch of training and one pass of evaluation over rows already in order (see `train.ts` for
 * the shuffling and the epoch loop), with the logs `model.fit` would log.
 *
 * Notation: rows split into batches B_1..B_K of sizes n_1..n_K (n_k = batchSize but the last),
 * N = Σ n_k; c_k the cost of batch k (loss + regularisers), ŷ_k its training-mode predictions.
 * - Training logs loss = (1/N) · Σ_k n_k · c_k (when the step leaves the costs out, its model has
 *   no regulariser and c_k = mean_{B_k} L(y, ŷ), so the same loss is the mean of L over the N
 *   rows, computed once per epoch like the metrics) and, for each compiled metric m,
 *   mean over the N rows of m(y, ŷ) with ŷ = concat(ŷ_1..ŷ_K). For per-row metrics (all of tfjs's
 *   named ones) that is fit's batch-weighted mean (1/N) · Σ_k n_k · mean_{B_k} m, computed once per
 *   epoch instead of once per batch (the few ops per batch fit spends on it cost ~20 % of a small
 *   model's step); the sums run in another order than fit's, so the logged numbers may differ
 *   from fit's in the last float32 bits (the weights do not). A batch-level metric function
 *   (precision, recall) gets its value over the epoch instead of fit's mean of batch values.
 * - Evaluation logs (Σ_k n_k · v_k) / N for the loss and each metric, v_k their batch means,
 *   accumulated in batch order as tfjs's `evaluate` (`testLoop`) does: the same numbers to the last bit.
 * Batches are rows [start, end) of the ordered rows, contiguous in the row-major buffer: on wasm
 * and cpu they are copied out of the backend's buffer (`tensor-buffer.ts`) into a new tensor, no
 * kernel (a `gather` by index range and its `range` cost ~0.1 ms per batch of x and y on wasm,
 * `tf.slice` more: it first copies its whole input, the epoch's rows, into JavaScript); elsewhere
 * by `gather`. The same values either way.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "./backend";
import type { AbortFlag } from "./train-types";
import type { EventLoopPacer } from "./pacer";
import type { TrainStep } from "./train-step";
import { float32BufferOf } from "./tensor-buffer";

/** The [start, end) row ranges of the batches of `rows` rows. */
export function batchRanges(rows: number, batchSize: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let start = 0; start < rows; start += batchSize) ranges.push([start, Math.min(rows, start + batchSize)]);
  return ranges;
}

/** Rows [start, end) of `rows` along its first axis (a new tensor; see the module comment). */
function sliceRows(tf: TensorFlow, rows: tfjs.Tensor, start: number, end: number): tfjs.Tensor {
  const buffer = float32BufferOf(tf, rows);
  if (buffer === undefined) return tf.tidy(() => tf.gather(rows, tf.range(start, end, 1, "int32")));
  const width = rows.size / rows.shape[0]!;
  // copied out first: making the tensor allocates, which may replace the wasm heap `buffer` views
  return tf.tensor(buffer.slice(start * width, end * width), [end - start, ...rows.shape.slice(1)], "float32");
}

/** How an epoch of training ended. */
export type EpochResult =
  | { readonly kind: "done"; readonly logs: Record<string, number> }
  | { readonly kind: "aborted" };

/** What an epoch of training needs besides the step and the rows. */
export interface EpochControl {
  readonly batchSize: number;
  /** Read before every batch: when aborted, the epoch stops before the next batch. */
  readonly signal?: AbortFlag | undefined;
  /** Gives the event loop a turn between batches when due. */
  readonly pacer: EventLoopPacer;
  /** Called after every batch. */
  readonly onBatchEnd: () => void;
}

/**
 * Trains one epoch on `x`, `y` in their row order.
 * @returns the epoch's logs (`loss`, `acc`, ... as tfjs names them), or "aborted"
 */
export async function trainEpoch(tf: TensorFlow, step: TrainStep, x: tfjs.Tensor, y: tfjs.Tensor, control: EpochControl): Promise<EpochResult> {
  const costs: tfjs.Scalar[] = [];
  const predictions: tfjs.Tensor[] = [];
  const sizes: number[] = [];
  try {
    for (const [start, end] of batchRanges(x.shape[0]!, control.batchSize)) {
      if (control.signal?.aborted === true) return { kind: "aborted" };
      const { cost, yPred } = tf.tidy(() => step.train(sliceRows(tf, x, start, end), sliceRows(tf, y, start, end)));
      if (cost !== undefined) costs.push(cost);
      predictions.push(yPred);
      sizes.push(end - start);
      control.onBatchEnd();
      if (control.pacer.due()) await control.pacer.yield();
    }
    return { kind: "done", logs: epochLogs(tf, step, y, costs, predictions, sizes) };
  } finally {
    tf.dispose(costs);
    tf.dispose(predictions);
  }
}

/** The epoch's training logs from its batches' costs (sizes n_k) and predictions (see the module comment). */
function epochLogs(tf: TensorFlow, step: TrainStep, y: tfjs.Tensor, costs: tfjs.Scalar[], predictions: tfjs.Tensor[], sizes: readonly number[]): Record<string, number> {
  const perBatch = costs.length === sizes.length;
  const [costValues, ...metricValues] = tf.tidy(() => {
    const yPred = tf.concat(predictions); // (N, outputs)
    const c = perBatch ? tf.stack(costs) : step.loss(y, yPred); // (K), or the mean loss over the N rows
    return [c, ...step.metrics(y, yPred)];
  });
  try {
    const c = costValues!.dataSync();
    const rows = sizes.reduce((sum, n) => sum + n, 0);
    // loss = (1/N) · Σ_k n_k · c_k
    const loss = perBatch ? sizes.reduce((sum, n, k) => sum + n * c[k]!, 0) / rows : c[0]!;
    const [lossName, ...metricNames] = step.names;
    return { [lossName!]: loss, ...Object.fromEntries(metricNames.map((name, i) => [name, metricValues[i]!.dataSync()[0]!])) };
  } finally {
    tf.dispose([costValues!, ...metricValues]);
  }
}

/** Evaluation logs of some rows, and the model's predictions for them when asked for. */
export interface Evaluation {
  /** `val_loss`, `val_acc`, ... (with the prefix given). */
  readonly logs: Record<string, number>;
  /** The predictions of every row, in order (owned by the caller); only when asked for. */
  readonly yPred?: tfjs.Tensor;
}

/**
 * Evaluates the model on `x`, `y` in batches of `batchSize` (inference mode), as `model.evaluate`.
 * @param prefix prefixed to the logs' names (`val_`)
 * @param keepPredictions also return the predictions of every row
 */
export function evaluateRows(
  tf: TensorFlow,
  step: TrainStep,
  x: tfjs.Tensor,
  y: tfjs.Tensor,
  batchSize: number,
  prefix: string,
  keepPredictions: boolean,
): Evaluation {
  const rows = x.shape[0]!;
  const { means, yPred } = tf.tidy(() => {
    let sums: tfjs.Tensor[] = [];
    const predictions: tfjs.Tensor[] = [];
    batchRanges(rows, batchSize).forEach(([start, end], k) => {
      const batch = step.evaluate(sliceRows(tf, x, start, end), sliceRows(tf, y, start, end));
      // s ← s + n_k · v_k (s starts as a scalar 0, as in testLoop)
      if (k === 0) sums = batch.values.map(() => tf.scalar(0));
      sums = batch.values.map((value, i) => tf.add(sums[i]!, tf.mul(end - start, value)));
      if (keepPredictions) predictions.push(batch.yPred);
    });
    const means = sums.map((sum) => tf.div(sum, rows));
    return keepPredictions ? { means, yPred: tf.concat(predictions) } : { means };
  });
  const logs = readLogs(step.names, means, prefix);
  tf.dispose(means);
  return yPred === undefined ? { logs } : { logs, yPred };
}

/** The values of scalar tensors as a record `prefix + name → value` (disposes nothing). */
function readLogs(names: readonly string[], values: readonly tfjs.Tensor[], prefix: string): Record<string, number> {
  return Object.fromEntries(names.map((name, i) => [prefix + name, values[i]!.dataSync()[0]!]));
}

/**
 * One epoch of training and one pass of evaluation over rows already in order (see `train.ts` for
 * the shuffling and the epoch loop), with the logs `model.fit` would log.
 *
 * Notation: rows split into batches B_1..B_K of sizes n_1..n_K (n_k = batchSize but the last),
 * N = Σ n_k; v_k the value of a logged quantity (loss, a metric) on batch k.
 * - Training logs  (1/N) · Σ_k n_k · v_k, accumulated on the device in batch order as tfjs's
 *   `BaseLogger` does: t ← t + v_k · n_k, then t · (1/N).
 * - Evaluation logs (Σ_k n_k · v_k) / N, as tfjs's `evaluate` (`testLoop`) does.
 * Same order, same float32 operations: the same numbers as `fit`/`evaluate` to the last bit.
 * Batches are `slice`s of the ordered rows (no per-batch index gather).
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "./backend";
import type { AbortFlag } from "./train-types";
import type { EventLoopPacer } from "./pacer";
import type { TrainStep } from "./train-step";

/** The [start, end) row ranges of the batches of `rows` rows. */
export function batchRanges(rows: number, batchSize: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let start = 0; start < rows; start += batchSize) ranges.push([start, Math.min(rows, start + batchSize)]);
  return ranges;
}

/** Rows [start, end) of `rows` along its first axis (a new tensor). */
function sliceRows(tf: TensorFlow, rows: tfjs.Tensor, start: number, end: number): tfjs.Tensor {
  const begin = rows.shape.map((_, axis) => (axis === 0 ? start : 0));
  const size = rows.shape.map((_, axis) => (axis === 0 ? end - start : -1));
  return tf.slice(rows, begin, size);
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
  let totals: tfjs.Tensor[] | undefined;
  let seen = 0;
  try {
    for (const [start, end] of batchRanges(x.shape[0]!, control.batchSize)) {
      if (control.signal?.aborted === true) return { kind: "aborted" };
      const previous = totals;
      const size = end - start;
      totals = tf.tidy(() => {
        const values = step.train(sliceRows(tf, x, start, end), sliceRows(tf, y, start, end));
        // t ← t + v_k · n_k (t starts as the number 0, as in BaseLogger)
        return values.map((value, i) => tf.add(previous?.[i] ?? 0, tf.mul(value, size)));
      });
      tf.dispose(previous);
      seen += size;
      control.onBatchEnd();
      if (control.pacer.due()) await control.pacer.yield();
    }
    const sums = totals ?? [];
    const means = tf.tidy(() => sums.map((total) => tf.mul(tf.div(1, seen), total)));
    try {
      return { kind: "done", logs: readLogs(step.names, means, "") };
    } finally {
      tf.dispose(means);
    }
  } finally {
    tf.dispose(totals);
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

/**
 * One fused training step of the slots in use, and one fused evaluation.
 *
 * Notation: slots k = 1..S in use, slot k's batch of n_k rows (its own batch size, its own rows);
 * the step's rows are the slots' batches end to end, N = Σ n_k rows, gathered from the training
 * tensors at once. Per slot, its forward pass (slot-forward.ts: its own weights and widths, 2-D
 * matMuls, no padding) gives Ŷ_k; then for all rows at once:
 * - L_r = loss(Y_r, Ŷ_r) per row (the compiled loss), P [S, N] with P_kr = 1/n_k when row r is
 *   slot k's, else 0; c = P·L [S], slot k's mean loss c_k, and C = Σ_k c_k. Slots share no weight,
 *   so ∂C/∂θ_k = ∂c_k/∂θ_k: one gradient of C is every slot's own gradient.
 * - M [S, N] with M_kr = 1 when row r is slot k's; s = M·m(Y, Ŷ) [S, J]: each slot's sum of each
 *   compiled metric over its rows.
 * The update runs once over all slots' weights (flat-optimizer.ts).
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import type { FusedLayout } from "./layout";
import type { FlatOptimizer } from "./flat-optimizer";
import { slotForward } from "./slot-forward";

/** One slot's part of a step, built in plain arrays by the slot scheduler. */
export interface SlotBatch {
  readonly layout: FusedLayout;
  /** Its rows' indices into the training tensors (n_k of them). */
  readonly indices: readonly number[];
  /** Per Dropout layer (in order): the multiplier [n_k · units], or undefined (identity). */
  readonly dropout: readonly ({ readonly values: Float32Array; readonly units: number } | undefined)[];
}

/** What a step gives back, per slot in the order of the batches. */
export interface FusedStepResult {
  /** c_k. */
  readonly costs: Float32Array;
  /** s_jk: per slot, the sum of each compiled metric over its rows. */
  readonly metricSums: readonly (readonly number[])[];
}

/** P or M: [S, N] with `value(k)` on slot k's rows. */
function slotRows(tf: TensorFlow, counts: readonly number[], value: (k: number) => number): tfjs.Tensor2D {
  const total = counts.reduce((a, b) => a + b, 0);
  const values = new Float32Array(counts.length * total);
  let offset = 0;
  counts.forEach((n, k) => {
    values.fill(value(k), k * total + offset, k * total + offset + n);
    offset += n;
  });
  return tf.tensor2d(values, [counts.length, total]);
}

/**
 * W·V for per-row values V [N, J] and slot weights W [S, N] (P or M), without one slot's
 * non-finite rows reaching another's sums (0 · NaN is NaN): W·V' with V' the finite values (0
 * elsewhere), then NaN for the slots that have a non-finite row.
 */
function slotSums(tf: TensorFlow, weights: tfjs.Tensor2D, membership: tfjs.Tensor2D, values: tfjs.Tensor2D): tfjs.Tensor2D {
  const finite = tf.isFinite(values);
  const sums: tfjs.Tensor2D = tf.matMul(weights, tf.where(finite, values, tf.zerosLike(values)));
  const broken = tf.matMul(membership, tf.logicalNot(finite).cast("float32"));
  return tf.where(tf.greater(broken, 0), tf.fill(sums.shape, Number.NaN), sums) as tfjs.Tensor2D;
}

/**
 * One optimizer step of every slot on its batch (the optimizer holds the slots' variables in the
 * order of `batches`).
 * @param x the training rows [rows, inputs]; y their targets [rows, T]
 */
export function fusedTrainStep(tf: TensorFlow, optimizer: FlatOptimizer, x: tfjs.Tensor, y: tfjs.Tensor, batches: readonly SlotBatch[]): FusedStepResult {
  const counts = batches.map((batch) => batch.indices.length);
  const layout = batches[0]!.layout;
  const variables = optimizer.variables;
  const { gradients, stats } = tf.tidy(() => {
    // One gather per slot (a split would copy the whole batch once per slot on the wasm backend).
    const xs = batches.map((batch) => tf.gather(x, tf.tensor1d(batch.indices as number[], "int32")));
    const yAll = tf.gather(y, tf.tensor1d(batches.flatMap((batch) => batch.indices), "int32"));
    const weights = slotRows(tf, counts, (k) => 1 / counts[k]!); // P
    const membership = slotRows(tf, counts, () => 1); // M
    const multipliers = batches.map((batch, k) =>
      batch.dropout.map((drop) => (drop === undefined ? undefined : tf.tensor2d(drop.values, [counts[k]!, drop.units]))),
    );
    let yPred: tfjs.Tensor | undefined;
    let rowLosses: tfjs.Tensor2D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const predicted = tf.concat(batches.map((batch, k) => slotForward(tf, batch.layout, xs[k]!, multipliers[k]!)));
      // Kept out of the gradient scope's disposal: the logs are read outside the tape.
      yPred = tf.keep(predicted);
      const rowLoss = layout.loss(yAll, predicted).reshape([-1, 1]) as tfjs.Tensor2D; // L [N, 1]
      rowLosses = tf.keep(rowLoss);
      // C = Σ_k c_k over the finite rows (a broken slot's rows do not reach the others' gradients)
      return tf.sum(tf.matMul(weights, tf.where(tf.isFinite(rowLoss), rowLoss, tf.zerosLike(rowLoss)))) as tfjs.Scalar;
    }, variables as tfjs.Variable[]);
    value.dispose();
    const metricColumns = layout.metrics.map((metric) => metric(yAll, yPred!).reshape([-1, 1]));
    const costs = slotSums(tf, weights, membership, rowLosses!); // c [S, 1]
    const sums = metricColumns.length === 0 ? undefined : slotSums(tf, membership, membership, tf.concat(metricColumns, 1) as tfjs.Tensor2D); // s [S, J]
    const stats = sums === undefined ? costs : tf.concat([costs, sums], 1); // [S, 1 + J]
    tf.dispose([yPred!, rowLosses!]);
    return { gradients: variables.map((variable) => grads[variable.name]!), stats };
  });
  try {
    optimizer.apply(gradients);
  } finally {
    tf.dispose(gradients);
  }
  const values = stats.dataSync() as Float32Array;
  stats.dispose();
  const width = layout.metrics.length + 1;
  return {
    costs: Float32Array.from(counts, (_n, k) => values[k * width]!),
    metricSums: counts.map((_n, k) => Array.from(values.subarray(k * width + 1, (k + 1) * width))),
  };
}

/** A fused evaluation's per-slot results, in the order of the layouts. */
export interface FusedEvaluation {
  /** Per slot: mean loss, then the mean of each compiled metric, over the rows. */
  readonly values: readonly (readonly number[])[];
  /** Per slot, its predictions for the rows, when asked for (owned by the caller). */
  readonly yPred?: readonly tfjs.Tensor[];
}

/** Evaluates slots on the same rows (inference mode: no dropout), their losses and metrics at once. */
export function fusedEvaluate(tf: TensorFlow, layouts: readonly FusedLayout[], x: tfjs.Tensor, y: tfjs.Tensor, keepPredictions: boolean): FusedEvaluation {
  const rows = x.shape[0]!;
  const layout = layouts[0]!;
  const { means, yPred } = tf.tidy(() => {
    const predictions = layouts.map((slot) => slotForward(tf, slot, x, []));
    const predicted = tf.concat(predictions); // [S·rows, outputs]
    const targets = tf.tile(y, [layouts.length, 1]);
    const columns = [layout.loss, ...layout.metrics].map((fn) => fn(targets, predicted).reshape([-1, 1]));
    const counts = layouts.map(() => rows);
    const means = slotSums(tf, slotRows(tf, counts, () => 1 / rows), slotRows(tf, counts, () => 1), tf.concat(columns, 1) as tfjs.Tensor2D); // [S, 1 + J]
    return keepPredictions ? { means, yPred: predictions } : { means };
  });
  const width = layout.metrics.length + 1;
  const flat = means.dataSync();
  means.dispose();
  const values = layouts.map((_slot, k) => Array.from(flat.subarray(k * width, (k + 1) * width)));
  return yPred === undefined ? { values } : { values, yPred };
}

/**
 * One fused training step of K slots and one fused evaluation, over a stack (stack.ts) and a
 * per-slot optimizer (optimizer.ts).
 *
 * Notation: K slots, R the rows of the step (the largest batch among the slots), n_k ≤ R the rows
 * of slot k's batch; X [K, R, I_0] the slots' batches (rows beyond n_k are padding), ρ [K, R] the
 * row weights ρ_kr = 1/n_k for r < n_k else 0, μ [K, R] the row mask (ρ > 0).
 * - Forward, per Dense layer l:  A_l = f_l(A_{l−1} W_l + b_l) (batched matMul over k), times the
 *   slot's unit mask when f_l(0) ≠ 0, times the slot's dropout multiplier D [K, R, U_l] in training.
 * - Loss: L_kr = loss(Y_kr, Ŷ_kr) (the compiled per-row loss on the stacked batch);
 *   c_k = Σ_r ρ_kr L_kr, slot k's mean loss;  C = Σ_k c_k. Slots share no weight, so ∂C/∂θ_k =
 *   ∂c_k/∂θ_k: one gradient of C is every slot's own gradient.
 * - Metrics: s_jk = Σ_r μ_kr m_j(Y_kr, Ŷ_kr), slot k's sum of metric j over its rows.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import { needsUnitMask, type DenseSpec, type FusedLayout } from "./layout";
import type { FusedOptimizer } from "./optimizer";
import type { FusedStack } from "./stack";

/** One step's input, built in plain arrays by the slot scheduler. */
export interface FusedBatch {
  /** R. */
  readonly rows: number;
  /** Row indices into the training tensors, [K · R] (padding rows point at row 0). */
  readonly indices: Int32Array;
  /** ρ, [K · R]. */
  readonly rowWeights: Float32Array;
  /** μ, [K · R]. */
  readonly rowMask: Float32Array;
  /** Per Dropout layer (in order): D [K · R · U], or undefined when every slot's rate is 0. */
  readonly dropout: readonly (Float32Array | undefined)[];
}

/** What a step gives back per slot. */
export interface FusedStepResult {
  /** c_k. */
  readonly costs: Float32Array;
  /** s_jk, per compiled metric j. */
  readonly metricSums: readonly Float32Array[];
}

/** The forward pass of every slot; `dropout` multipliers in training (see the module comment). */
function forward(tf: TensorFlow, layout: FusedLayout, stack: FusedStack, x: tfjs.Tensor, dropout: readonly (tfjs.Tensor | undefined)[] | undefined): tfjs.Tensor {
  let a = x;
  let l = -1;
  let d = 0;
  for (const spec of layout.layers) {
    if (spec.kind === "dense") {
      l++;
      const dense: DenseSpec = spec;
      let h = tf.matMul(a, stack.kernels[l]!);
      const bias = stack.biases[l];
      if (bias !== undefined) h = tf.add(h, bias);
      a = dense.activation.apply(h);
      const mask = stack.unitMask(l, needsUnitMask(dense.activationName));
      if (mask !== undefined) a = tf.mul(a, mask);
    } else {
      const multiplier = dropout?.[d];
      d++;
      if (multiplier !== undefined) a = tf.mul(a, multiplier);
    }
  }
  return a;
}

/**
 * One optimizer step of every slot on its batch.
 * @param x the training rows, [N, I_0]; y their targets, [N, T]
 */
export function fusedTrainStep(
  tf: TensorFlow,
  layout: FusedLayout,
  stack: FusedStack,
  optimizer: FusedOptimizer,
  x: tfjs.Tensor,
  y: tfjs.Tensor,
  batch: FusedBatch,
): FusedStepResult {
  const K = stack.capacity;
  const R = batch.rows;
  const stats = tf.tidy(() => {
    const indices = tf.tensor1d(batch.indices, "int32");
    const xb = tf.gather(x, indices).reshape([K, R, -1]);
    const yb = tf.gather(y, indices).reshape([K, R, -1]);
    const rho = tf.tensor2d(batch.rowWeights, [K, R]);
    const mu = tf.tensor2d(batch.rowMask, [K, R]);
    // D_d [K, R, U] for the d-th Dropout layer, after Dense layer l (the width it drops from).
    const multipliers: (tfjs.Tensor | undefined)[] = [];
    let l = -1;
    let d = 0;
    for (const spec of layout.layers) {
      if (spec.kind === "dense") l++;
      else {
        const values = batch.dropout[d++];
        multipliers.push(values === undefined ? undefined : tf.tensor3d(values, [K, R, l < 0 ? layout.inputUnits : stack.width(l)]));
      }
    }
    let yPred: tfjs.Tensor | undefined;
    let costs: tfjs.Tensor | undefined;
    const variables = stack.variables;
    const { value, grads } = tf.variableGrads(() => {
      const predicted = forward(tf, layout, stack, xb, multipliers);
      // Kept out of the gradient scope's disposal: the logs are read outside the tape.
      yPred = tf.keep(predicted);
      costs = tf.keep(tf.sum(tf.mul(layout.loss(yb, predicted), rho), 1)); // c_k
      return tf.sum(costs) as tfjs.Scalar;
    }, variables);
    value.dispose();
    optimizer.apply(variables, variables.map((variable) => grads[variable.name]!));
    const sums = layout.metrics.map((metric) => tf.sum(tf.mul(metric(yb, yPred!), mu), 1)); // s_jk
    const stacked = tf.stack([costs!, ...sums]); // [1 + J, K]
    tf.dispose([costs!, yPred!]);
    return stacked;
  });
  const values = stats.dataSync() as Float32Array;
  stats.dispose();
  const row = (j: number): Float32Array => values.slice(j * K, (j + 1) * K);
  return { costs: row(0), metricSums: layout.metrics.map((_metric, j) => row(j + 1)) };
}

/** A fused evaluation's per-slot results. */
export interface FusedEvaluation {
  /** Per slot: mean loss, then the mean of each compiled metric, over the rows. */
  readonly values: readonly (readonly number[])[];
  /** The predictions of every slot, [K, N, outputs], when asked for (owned by the caller). */
  readonly yPred?: tfjs.Tensor;
}

/** Evaluates every slot on the same rows (inference mode: no dropout), as one computation. */
export function fusedEvaluate(tf: TensorFlow, layout: FusedLayout, stack: FusedStack, x: tfjs.Tensor, y: tfjs.Tensor, keepPredictions: boolean): FusedEvaluation {
  const K = stack.capacity;
  const { means, yPred } = tf.tidy(() => {
    const predicted = forward(tf, layout, stack, x.expandDims(0), undefined); // [K, N, outputs]
    const targets = tf.broadcastTo(y.expandDims(0), [K, ...y.shape]);
    const columns = [layout.loss, ...layout.metrics].map((fn) => tf.mean(fn(targets, predicted), 1)); // [K] each
    const means = tf.stack(columns, 1); // [K, 1 + J]
    return keepPredictions ? { means, yPred: predicted } : { means };
  });
  const flat = means.dataSync();
  means.dispose();
  const width = layout.metrics.length + 1;
  const values = Array.from({ length: K }, (_, k) => Array.from(flat.subarray(k * width, (k + 1) * width)));
  return yPred === undefined ? { values } : { values, yPred };
}

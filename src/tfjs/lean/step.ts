/**
 * The lean training step: one batch of a Dense/Dropout model (see `plan.ts`) trained with a
 * hand-written forward and backward pass on the model's own variables, then the model's own
 * optimizer's update (tfjs's exact update, its real state: step count, moments): in place without
 * kernels for Adam, SGD, momentum and RMSprop on wasm and cpu (`in-place-update.ts`, bit for bit tfjs's),
 * else its `applyGradients`; about 15 tfjs operations per step for two Dense layers instead of
 * `optimizer.minimize`'s ~150 kernels (the tape's bookkeeping, the loss's clipping and logs, the
 * gradients of each) and Adam's 14 per variable. Evaluation and the epoch's metrics are today's step's (`train-step.ts`),
 * evaluation in batches of {@link LEAN_EVALUATION_BATCH_SIZE} rows.
 * (Adam over one flat vector of all weights was tried: splitting the vector back per layer costs
 * more on wasm — its `slice` copies the whole input into JavaScript — than it saves.)
 *
 * Notation (one batch of n rows, Dense layer l: input a_{l−1}, weights W_l, b_l, pre-activation
 * z_l = a_{l−1}·W_l + b_l, output o_l = f_l(z_l); Dropout: a = o·r with r the multipliers tfjs
 * draws, `fused/dropout-noise.ts`; ŷ = o_L with u outputs; δ_l = ∂c/∂z_l, c the batch's cost):
 * - softmax + categorical cross-entropy (sparse targets one-hot encoded):  δ_L = (ŷ − y)/n
 * - sigmoid + binary cross-entropy (mean over the u outputs):             δ_L = (ŷ − y)/(n·u)
 * - f_L + mean squared error (mean over the u outputs):                   δ_L = f_L′ ⊙ 2(ŷ − y)/(n·u)
 * - ∂c/∂W_l = a_{l−1}ᵀ·δ_l;  ∂c/∂b_l = Σ_rows δ_l;  ∂c/∂a_{l−1} = δ_l·W_lᵀ (then ⊙ r through a
 *   Dropout), δ_{l−1} = f′_{l−1} ⊙ ∂c/∂o_{l−1}, with f′ as tfjs's gradients compute it from the
 *   output: relu step(o), tanh 1 − o², sigmoid o(1 − o), elu tfjs's EluGrad, linear 1.
 * These are the gradients tfjs's tape computes, up to float32 rounding; tfjs's cross-entropies
 * clip ŷ to [ε, 1 − ε] (ε = 1e-7) before the log, which zeroes the gradient of a row whose true
 * class the model already predicts with ŷ > 1 − ε: there the lean gradient is ŷ − y, of the
 * order of 1e-7, instead of 0.
 * The batch's cost is not computed per step: the epoch's loss is the compiled loss over the
 * epoch's training-mode predictions (`epoch.ts`), which is the same mean (no regularisers here).
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import { trainStep, type TrainStep } from "../train-step";
import { denseVariables } from "../fused/slot-forward";
import { dropoutMultipliers } from "../fused/dropout-noise";
import type { DenseSpec, DropoutSpec } from "../fused/layout";
import type { LeanPlan } from "./plan";
import { optimizerUpdate, type VariableGradient } from "./in-place-update";

/**
 * Rows per validation batch: the validation rows in one or a few forward passes instead of one per
 * training batch (~20 kernels each); the logged means differ from `evaluate`'s only by float32
 * summation order.
 */
export const LEAN_EVALUATION_BATCH_SIZE = 4096;

/** Activations tfjs's `fused.matMul` applies (the others follow the product, as tfjs-layers does). */
const FUSED_ACTIVATIONS = new Set(["relu", "linear", "elu"]);

/** What the forward pass keeps of a Dense layer for the backward pass. */
interface DenseRecord {
  readonly spec: DenseSpec;
  /** a_{l−1}, o_l. */
  readonly input: tfjs.Tensor;
  readonly output: tfjs.Tensor;
  readonly kernel: tfjs.Variable;
  readonly bias: tfjs.Variable | undefined;
  /** r of the Dropout layers between the previous Dense layer and this one (identity ones left out). */
  readonly dropoutsBefore: readonly tfjs.Tensor[];
}

/** f′ ⊙ d for a Dense layer's activation, from its output o (as tfjs's gradients compute it). */
function throughActivation(tf: TensorFlow, activation: string, d: tfjs.Tensor, o: tfjs.Tensor): tfjs.Tensor {
  switch (activation) {
    case "linear":
      return d;
    case "relu":
      return tf.mul(d, tf.step(o));
    case "tanh":
      return tf.mul(d, tf.sub(1, tf.square(o)));
    case "sigmoid":
      return tf.mul(d, tf.mul(o, tf.sub(1, o)));
    case "elu":
      return tf.engine().runKernel("EluGrad", { dy: d, y: o }) as tfjs.Tensor;
    default:
      throw new Error(`the lean step cannot differentiate the activation ${activation}`);
  }
}

/** Whether a Dropout layer drops anything (tfjs's Dropout is the identity for rate 0 or 1). */
function drops(spec: DropoutSpec): boolean {
  return spec.rate > 0 && spec.rate < 1;
}

/** How the lean step updates the weights. */
export interface LeanStepOptions {
  /**
   * The optimizer's update in place, without kernels, when it can (`in-place-update.ts`: tfjs's
   * Adam, SGD, momentum, RMSprop on wasm or cpu), else its `applyGradients`. Default true; false always
   * runs `applyGradients` (benchmarks, equivalence tests).
   */
  readonly inPlaceUpdate?: boolean;
}

/**
 * The lean step of a model with a lean plan: today's step (`trainStep`) with `train` replaced; see
 * the module comment.
 */
export function leanTrainStep(tf: TensorFlow, model: tfjs.LayersModel, plan: LeanPlan, options: LeanStepOptions = {}): TrainStep {
  const standard = trainStep(tf, model);
  const { layout, loss } = plan;
  const outputs = (layout.layers.filter((spec) => spec.kind === "dense").at(-1) as DenseSpec).units;
  const update = optimizerUpdate(tf, model.optimizer, options.inPlaceUpdate ?? true);

  /** ŷ and what the backward pass needs. */
  const forward = (x: tfjs.Tensor): { yPred: tfjs.Tensor; records: DenseRecord[] } => {
    const rows = x.shape[0]!;
    const records: DenseRecord[] = [];
    let a = x;
    let width = layout.inputUnits;
    let dropouts: tfjs.Tensor[] = [];
    for (const spec of layout.layers) {
      if (spec.kind === "dropout") {
        if (!drops(spec)) continue;
        // one Math.random() draw per layer call, as tfjs's dropout (the epoch runs with it seeded)
        const r = tf.tensor2d(dropoutMultipliers(rows, width, spec.rate, spec.seed, Math.random), [rows, width]);
        dropouts.push(r);
        a = tf.mul(a, r);
        continue;
      }
      const { kernel, bias } = denseVariables(spec);
      const fused = FUSED_ACTIVATIONS.has(spec.activationName);
      const z = tf.fused.matMul({
        a: a as tfjs.Tensor2D,
        b: kernel as tfjs.Tensor2D,
        ...(bias === undefined ? {} : { bias }),
        activation: fused ? (spec.activationName as "relu" | "linear" | "elu") : "linear",
      });
      const output = fused ? z : spec.activation.apply(z);
      records.push({ spec, input: a, output, kernel, bias, dropoutsBefore: dropouts });
      dropouts = [];
      a = output;
      width = spec.units;
    }
    return { yPred: a, records };
  };

  /** δ_L from the predictions and targets (see the module comment). */
  const lastDelta = (yPred: tfjs.Tensor, y: tfjs.Tensor, activation: string): tfjs.Tensor => {
    const n = yPred.shape[0]!;
    switch (loss) {
      case "categoricalCrossentropy":
        return tf.mul(tf.sub(yPred, y), 1 / n);
      case "sparseCategoricalCrossentropy":
        return tf.mul(tf.sub(yPred, tf.oneHot(tf.cast(tf.reshape(y, [-1]), "int32"), outputs)), 1 / n);
      case "binaryCrossentropy":
        return tf.mul(tf.sub(yPred, y), 1 / (n * outputs));
      case "meanSquaredError":
        return throughActivation(tf, activation, tf.mul(tf.sub(yPred, y), 2 / (n * outputs)), yPred);
    }
  };

  return {
    ...standard,
    evaluationBatchSize: LEAN_EVALUATION_BATCH_SIZE,
    train(xBatch, yBatch) {
      const { yPred, records } = forward(xBatch);
      const gradients: VariableGradient[] = [];
      let delta = lastDelta(yPred, yBatch, records.at(-1)!.spec.activationName);
      for (let l = records.length - 1; l >= 0; l--) {
        const record = records[l]!;
        // ∂c/∂W_l = a_{l−1}ᵀ·δ_l, ∂c/∂b_l = Σ_rows δ_l (pushed in reverse, reversed below)
        if (record.bias !== undefined) gradients.push([record.bias, tf.sum(delta, 0)]);
        gradients.push([record.kernel, tf.matMul(record.input as tfjs.Tensor2D, delta as tfjs.Tensor2D, true, false)]);
        if (l === 0) break;
        let upstream: tfjs.Tensor = tf.matMul(delta as tfjs.Tensor2D, record.kernel as tfjs.Tensor2D, false, true);
        for (const r of record.dropoutsBefore) upstream = tf.mul(upstream, r);
        const previous = records[l - 1]!;
        delta = throughActivation(tf, previous.spec.activationName, upstream, previous.output);
      }
      // In the variables' order (kernel, bias, layer by layer): the order `minimize` gives the
      // optimizer, which keys its slots (Adam's moments) by position.
      gradients.reverse();
      update(gradients);
      return { yPred };
    },
  };
}

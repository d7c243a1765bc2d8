/**
 * One batch of training or evaluation of a compiled single-input, single-output `tf.LayersModel`,
 * computed with the operations `model.fit` and `model.evaluate` use but without their per-batch
 * machinery (index gathers, callback lists, log objects, per-batch metrics): the same weights as
 * `fit` to the last bit (see `test/tfjs/train-equivalence.test.ts`).
 *
 * Notation (one batch of n rows):
 * - ŷ = model(x, training) the predictions, y the targets;
 * - L(y, ŷ) the compiled loss per row, m_k(y, ŷ) the compiled metrics per row;
 * - R = Σ model.calculateLosses() the regularisation penalties (kernel and bias regularisers).
 * Training minimises  cost = mean(L(y, ŷ)) + R  and returns the cost and ŷ (training-mode
 * predictions, from which the epoch's metrics are computed at once, see `epoch.ts`); evaluation
 * logs [mean(L(y, ŷ)), mean(m_1), ...] (no R, as tfjs's `evaluate`).
 * The names of the logged values are `model.metricsNames` (`loss`, `acc`, ...), in this order.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "./backend";

/** What the step reads of a compiled `tf.LayersModel` (public at runtime, partly untyped in tfjs). */
interface CompiledModel {
  readonly lossFunctions: readonly ((yTrue: tfjs.Tensor, yPred: tfjs.Tensor) => tfjs.Tensor)[];
  /** Each metric function and the index of the output it applies to. */
  readonly metricsTensors: readonly [(yTrue: tfjs.Tensor, yPred: tfjs.Tensor) => tfjs.Tensor, number][];
}

/** A compiled model's training and evaluation of one batch. */
export interface TrainStep {
  /** The logged values' names, `model.metricsNames` (`["loss", "acc"]`, ...). */
  readonly names: readonly string[];
  /**
   * One optimizer step on the batch (dropout and other training-mode layers active).
   * @returns the batch's cost (regularisers included; a step whose model has none may leave it
   *   out, and the epoch's loss is then {@link TrainStep.loss} over its predictions) and its
   *   training-mode predictions, owned by the caller
   */
  train(xBatch: tfjs.Tensor, yBatch: tfjs.Tensor): { readonly cost?: tfjs.Scalar; readonly yPred: tfjs.Tensor };
  /** The compiled metrics' means over some rows (`names` but the first), owned by the caller. */
  metrics(yTrue: tfjs.Tensor, yPred: tfjs.Tensor): tfjs.Scalar[];
  /** The compiled loss's mean over some rows (no regularisers), owned by the caller. */
  loss(yTrue: tfjs.Tensor, yPred: tfjs.Tensor): tfjs.Scalar;
  /**
   * Rows per evaluation batch when the step chooses its own (fewer, larger batches: the same means
   * up to float32 summation order); absent: the training batch size, as `model.evaluate`.
   */
  readonly evaluationBatchSize?: number;
  /**
   * The batch's predictions in inference mode, and its loss (no regularisers) then metrics.
   * All tensors are owned by the caller.
   */
  evaluate(xBatch: tfjs.Tensor, yBatch: tfjs.Tensor): { readonly yPred: tfjs.Tensor; readonly values: tfjs.Scalar[] };
}

/**
 * The training and evaluation step of a compiled model with one input and one output.
 * @throws Error when the model is not compiled or has several outputs
 */
export function trainStep(tf: TensorFlow, built: tfjs.LayersModel): TrainStep {
  // A tf.Sequential compiles, fits and runs the functional model it wraps (by class name: the
  // builder's tfjs may be another copy of the module than ours).
  const model = built.getClassName() === "Sequential" ? (built as unknown as { readonly model: tfjs.LayersModel }).model : built;
  const compiled = model as unknown as CompiledModel;
  if (model.optimizer == null || !Array.isArray(compiled.lossFunctions) || !Array.isArray(compiled.metricsTensors)) {
    throw new Error("trainStep needs a compiled tf.LayersModel (call model.compile(...))");
  }
  if (model.outputs.length !== 1 || compiled.lossFunctions.length !== 1) {
    throw new Error(`trainStep supports one output, but the model has ${model.outputs.length}`);
  }
  const lossFunction = compiled.lossFunctions[0]!;
  const metricFunctions = compiled.metricsTensors.map(([metric]) => metric);
  const optimizer = model.optimizer;
  const forward = (x: tfjs.Tensor, training: boolean): tfjs.Tensor => model.apply(x, { training }) as tfjs.Tensor;
  // The trainable variables as fit passes them (fit reads them at compile time; a step lives for one fold).
  const variables = model.trainableWeights.map((weight) => weight.read() as tfjs.Variable);
  const meanMetrics = (y: tfjs.Tensor, yPred: tfjs.Tensor): tfjs.Scalar[] => metricFunctions.map((metric) => tf.mean(metric(y, yPred)));

  return {
    names: [...model.metricsNames],
    train(xBatch, yBatch) {
      let yPred: tfjs.Tensor | undefined;
      try {
        const cost = optimizer.minimize(() => {
          const predicted = forward(xBatch, true);
          // Kept out of the gradient scope's disposal: the metrics are computed outside the tape.
          yPred = tf.keep(predicted);
          let total = tf.mean(lossFunction(yBatch, predicted)) as tfjs.Scalar;
          for (const penalty of model.calculateLosses()) total = tf.add(total, penalty);
          return total;
        }, true, variables) as tfjs.Scalar;
        return { cost, yPred: yPred! };
      } catch (error) {
        yPred?.dispose();
        throw error;
      }
    },
    metrics: meanMetrics,
    loss: (y, yPred) => tf.mean(lossFunction(y, yPred)) as tfjs.Scalar,
    evaluate(xBatch, yBatch) {
      return tf.tidy(() => {
        const yPred = forward(xBatch, false);
        const values = [tf.mean(lossFunction(yBatch, yPred)) as tfjs.Scalar, ...meanMetrics(yBatch, yPred)];
        return { yPred, values };
      });
    },
  };
}

/**
 * Which compiled models the lean step trains, and how it differentiates them: a `tf.sequential`
 * of Dense and Dropout layers as the fused trainer takes them (`fused/layout.ts`'s
 * `denseLayoutOf`: no regularisers, constraints or frozen layers, a loss and metrics named by
 * string), one of tfjs's own optimizers (its `applyGradients` takes the lean gradients: Adam,
 * SGD, momentum, RMSprop, Adagrad, Adadelta, Adamax; not the hypergradient ones, which learn from
 * `minimize`), and a loss and activations the lean step's hand-written backward pass knows:
 * - hidden Dense activations: linear, relu, elu, tanh, sigmoid;
 * - the last Dense layer with its loss: softmax with (sparse) categorical cross-entropy, sigmoid
 *   with binary cross-entropy, or any hidden activation with mean squared error.
 * Anything else trains with today's step (`train-step.ts`); the reason is one line.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import { denseLayoutOf, type DenseLayout } from "../fused/layout";

/** The losses the lean step differentiates by hand. */
export type LeanLoss = "categoricalCrossentropy" | "sparseCategoricalCrossentropy" | "binaryCrossentropy" | "meanSquaredError";

/** Activations of a Dense layer the backward pass differentiates (softmax only last, with a cross-entropy). */
export const HIDDEN_ACTIVATIONS: ReadonlySet<string> = new Set(["linear", "relu", "elu", "tanh", "sigmoid"]);

/** What the lean step reads of a model it trains. */
export interface LeanPlan {
  readonly layout: DenseLayout;
  readonly loss: LeanLoss;
}

/** A plan, or why the model trains with today's step. */
export type LeanPlanResult = { readonly lean: true; readonly plan: LeanPlan } | { readonly lean: false; readonly reason: string };

/** tfjs's optimizers, by class name: their `applyGradients` is the whole update. */
const TFJS_OPTIMIZERS: ReadonlySet<string> = new Set(["Adam", "SGD", "Momentum", "RMSProp", "Adagrad", "Adadelta", "Adamax"]);

/** tfjs's loss names (camelCase, or snake_case as Keras spells them) and the aliases `mse`. */
function leanLossOf(name: string): LeanLoss | undefined {
  const key = name.replace(/_/g, "").toLowerCase();
  const known: Record<string, LeanLoss> = {
    categoricalcrossentropy: "categoricalCrossentropy",
    sparsecategoricalcrossentropy: "sparseCategoricalCrossentropy",
    binarycrossentropy: "binaryCrossentropy",
    meansquarederror: "meanSquaredError",
    mse: "meanSquaredError",
  };
  return known[key];
}

/** The last layer's activation each loss is differentiated with (undefined: any hidden activation). */
const LAST_ACTIVATION: Record<LeanLoss, string | undefined> = {
  categoricalCrossentropy: "softmax",
  sparseCategoricalCrossentropy: "softmax",
  binaryCrossentropy: "sigmoid",
  meanSquaredError: undefined,
};

/**
 * The lean plan of a compiled model, or the reason the lean step does not train it (one line).
 * @param tf runs the layout's probe of the loss and metrics (see `fusedLayoutOf`)
 */
export function leanPlanOf(tf: TensorFlow, model: tfjs.LayersModel): LeanPlanResult {
  const no = (reason: string): LeanPlanResult => ({ lean: false, reason });
  const layout = denseLayoutOf(tf, model);
  if (!layout.dense) return no(layout.reason);
  const optimizer = (model.optimizer.constructor as { className?: string }).className ?? model.optimizer.constructor.name;
  if (!TFJS_OPTIMIZERS.has(optimizer)) return no(`its optimizer is ${optimizer}; the lean step runs tfjs's ${[...TFJS_OPTIMIZERS].join(", ")}`);
  const loss = leanLossOf(String(model.loss));
  if (loss === undefined) return no(`its loss is ${String(model.loss)}; the lean step differentiates ${Object.keys(LAST_ACTIVATION).join(", ")}`);
  const denses = layout.layout.layers.filter((spec) => spec.kind === "dense");
  const last = denses[denses.length - 1]!;
  for (const dense of denses) {
    if (dense === last) continue;
    if (!HIDDEN_ACTIVATIONS.has(dense.activationName)) return no(`layer ${dense.layer.name} has the activation ${dense.activationName}; the lean step differentiates ${[...HIDDEN_ACTIVATIONS].join(", ")}`);
  }
  const wanted = LAST_ACTIVATION[loss];
  if (wanted === undefined ? !HIDDEN_ACTIVATIONS.has(last.activationName) : last.activationName !== wanted) {
    return no(`its last layer's activation ${last.activationName} with the loss ${loss} is not one the lean step differentiates (${wanted ?? [...HIDDEN_ACTIVATIONS].join("/")} with ${loss})`);
  }
  return { lean: true, plan: { layout: layout.layout, loss } };
}

/**
 * One slot's forward pass through its own model's Dense and Dropout layers, with the operations
 * tfjs-layers' Dense layer uses (`fused.matMul` with the bias and a fusable activation, else
 * matMul, bias add, activation), on the model's own weight variables: the same numbers as
 * `model.apply(x, { training })` without the layers' per-call machinery. Dropout multiplies by a
 * multiplier made by the caller (dropout-noise.ts) in training, and is the identity otherwise.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import type { DenseSpec, FusedLayout } from "./layout";

/** Activations tfjs-layers passes to `fused.matMul` (its `mapActivationToFusedKernel`). */
const FUSED_ACTIVATIONS = new Set(["relu", "linear", "elu"]);

/** What the forward pass reads of a Dense layer (public at runtime, untyped in tfjs). */
interface DenseInternals {
  readonly kernel: { read(): tfjs.Variable };
  readonly bias: { read(): tfjs.Variable } | null;
}

/** A Dense layer's kernel and bias variables. */
export function denseVariables(dense: DenseSpec): { readonly kernel: tfjs.Variable; readonly bias: tfjs.Variable | undefined } {
  const internals = dense.layer as unknown as DenseInternals;
  return { kernel: internals.kernel.read(), bias: internals.bias?.read() ?? undefined };
}

/** The trainable variables of a fusable model, in layer order (kernel, then bias). */
export function slotVariables(layout: FusedLayout): tfjs.Variable[] {
  return layout.layers.flatMap((spec) => {
    if (spec.kind !== "dense") return [];
    const { kernel, bias } = denseVariables(spec);
    return bias === undefined ? [kernel] : [kernel, bias];
  });
}

/**
 * The slot's predictions for rows `x`.
 * @param dropout per Dropout layer in order, the multiplier of these rows (training), or undefined (identity)
 */
export function slotForward(tf: TensorFlow, layout: FusedLayout, x: tfjs.Tensor, dropout: readonly (tfjs.Tensor | undefined)[]): tfjs.Tensor {
  let a = x;
  let d = 0;
  for (const spec of layout.layers) {
    if (spec.kind === "dropout") {
      const multiplier = dropout[d++];
      if (multiplier !== undefined) a = tf.mul(a, multiplier);
      continue;
    }
    const { kernel, bias } = denseVariables(spec);
    if (FUSED_ACTIVATIONS.has(spec.activationName)) {
      a = tf.fused.matMul({ a: a as tfjs.Tensor2D, b: kernel as tfjs.Tensor2D, ...(bias === undefined ? {} : { bias }), activation: spec.activationName as "relu" | "linear" | "elu" });
    } else {
      let h = tf.matMul(a as tfjs.Tensor2D, kernel as tfjs.Tensor2D) as tfjs.Tensor;
      if (bias !== undefined) h = tf.add(h, bias);
      a = spec.activation.apply(h);
    }
  }
  return a;
}

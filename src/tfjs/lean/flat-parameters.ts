/**
 * A model's trainable weights and its optimizer's state as flat vectors, updated by tfjs's own
 * Adam / SGD formulas in a dozen operations per step however many variables the model has, and
 * written back into the model's variables and the optimizer's own state on request.
 *
 * Notation: θ the P weights end to end (each variable flattened, in `model.trainableWeights`
 * order, which is the order `optimizer.minimize` gives the optimizer), g the gradient in that
 * order, m, v Adam's moments, t the optimizer's step count, α, β1, β2, ε its settings as float32,
 * a1 = β1^(t+1), a2 = β2^(t+1) (tfjs's accBeta1/2, starting at β1, β2). One Adam step, as
 * tfjs's `AdamOptimizer.applyGradients` computes it element by element (float32):
 *   m ← m·β1 + g·(1 − β1);   v ← v·β2 + g²·(1 − β2)
 *   θ ← (m / (1 − a1)) / (√(v / (1 − a2)) + ε) · (−α) + θ;   a1 ← a1·β1;  a2 ← a2·β2;  t ← t + 1
 * SGD (`SGDOptimizer`): θ ← (−α)·g + θ;  t ← t + 1.
 * The scalars 1 − a1, 1 − a2 and the products a1·β1, a2·β2 are computed in JavaScript and rounded
 * to float32 (`Math.fround`), which is what tfjs's float32 scalar operations give.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import type { OptimizerSettings } from "../fused/layout";

const f32 = Math.fround;

/** What is read and written of tfjs's optimizers (public at runtime, partly untyped). */
interface AdamInternals {
  accumulatedFirstMoment: ({ originalName: string; variable: tfjs.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tfjs.Variable } | undefined)[];
  readonly accBeta1: tfjs.Variable;
  readonly accBeta2: tfjs.Variable;
}
interface OptimizerInternals {
  /** The step count behind `optimizer.iterations` (tfjs keeps it in this field). */
  iterations_: number;
}

/** Adam's flat state. */
interface AdamState {
  readonly m: tfjs.Variable;
  readonly v: tfjs.Variable;
  a1: number;
  a2: number;
  /** β1, β2 as float32 numbers. */
  readonly beta1: number;
  readonly beta2: number;
  /** β1, 1 − β1, β2, 1 − β2, ε as float32 scalars (kept for the step's life). */
  readonly constants: { readonly beta1: tfjs.Scalar; readonly oneMinusBeta1: tfjs.Scalar; readonly beta2: tfjs.Scalar; readonly oneMinusBeta2: tfjs.Scalar; readonly epsilon: tfjs.Scalar };
}

/** A model's weights θ and its optimizer's state as flat vectors; see the module comment. */
export class FlatParameters {
  private readonly theta: tfjs.Variable;
  private readonly sizes: readonly number[];
  private readonly negativeRate: tfjs.Scalar;
  private readonly adam: AdamState | undefined;
  private iterations: number;

  /**
   * Reads the model's current weights and the optimizer's current state (its moments when it has
   * stepped or was restored, else zeros; its step count and a1, a2).
   * @param variables the model's trainable variables, in `trainableWeights` order
   */
  constructor(
    private readonly tf: TensorFlow,
    private readonly variables: readonly tfjs.Variable[],
    private readonly optimizer: tfjs.Optimizer,
    settings: OptimizerSettings,
  ) {
    this.sizes = variables.map((variable) => variable.size);
    this.iterations = optimizer.iterations;
    // The concatenation is freed with the scope; the variable keeps its data.
    const flat = (tensors: readonly tfjs.Tensor[]): tfjs.Variable => tf.tidy(() => tf.variable(tf.concat(tensors.map((t) => t.reshape([-1]))), false));
    this.theta = flat(variables);
    this.negativeRate = tf.keep(tf.scalar(f32(-settings.learningRate)));
    if (settings.kind === "adam") {
      const internals = optimizer as unknown as AdamInternals;
      const moment = (slots: AdamInternals["accumulatedFirstMoment"]): tfjs.Variable =>
        tf.tidy(() => flat(variables.map((variable, i) => slots[i]?.variable ?? tf.zerosLike(variable))));
      this.adam = {
        m: moment(internals.accumulatedFirstMoment),
        v: moment(internals.accumulatedSecondMoment),
        a1: internals.accBeta1.dataSync()[0]!,
        a2: internals.accBeta2.dataSync()[0]!,
        beta1: f32(settings.beta1),
        beta2: f32(settings.beta2),
        constants: {
          beta1: tf.keep(tf.scalar(f32(settings.beta1))),
          oneMinusBeta1: tf.keep(tf.scalar(f32(1 - settings.beta1))),
          beta2: tf.keep(tf.scalar(f32(settings.beta2))),
          oneMinusBeta2: tf.keep(tf.scalar(f32(1 - settings.beta2))),
          epsilon: tf.keep(tf.scalar(f32(settings.epsilon))),
        },
      };
    }
  }

  /** The weights as the model's variables are shaped (new tensors: call inside a tidy scope). */
  pieces(): tfjs.Tensor[] {
    const { tf } = this;
    return tf.split(this.theta, this.sizes as number[]).map((piece, i) => (this.variables[i]!.rank === 1 ? piece : piece.reshape(this.variables[i]!.shape)));
  }

  /** One optimizer step with the gradients of the variables, in their order. */
  update(gradients: readonly tfjs.Tensor[]): void {
    const { tf, theta, adam } = this;
    tf.tidy(() => {
      const g = tf.concat(gradients.map((gradient) => (gradient.rank === 1 ? gradient : gradient.reshape([-1]))));
      if (adam === undefined) {
        theta.assign(tf.add(tf.mul(this.negativeRate, g), theta));
        return;
      }
      const c = adam.constants;
      const m = tf.add(tf.mul(adam.m, c.beta1), tf.mul(g, c.oneMinusBeta1));
      const v = tf.add(tf.mul(adam.v, c.beta2), tf.mul(tf.square(g), c.oneMinusBeta2));
      const mHat = tf.div(m, tf.scalar(f32(1 - adam.a1)));
      const vHat = tf.div(v, tf.scalar(f32(1 - adam.a2)));
      adam.m.assign(m);
      adam.v.assign(v);
      theta.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), c.epsilon)), this.negativeRate), theta));
    });
    if (adam !== undefined) {
      adam.a1 = f32(adam.a1 * adam.beta1);
      adam.a2 = f32(adam.a2 * adam.beta2);
    }
    this.iterations++;
  }

  /**
   * Writes θ into the model's variables and the state into the optimizer (its moments, created
   * as tfjs creates them when it has none yet, a1, a2 and the step count), so that the model and
   * its optimizer are what `optimizer.minimize` would have left.
   */
  writeBack(): void {
    const { tf, adam } = this;
    tf.tidy(() => {
      const split = (flat: tfjs.Tensor): tfjs.Tensor[] => tf.split(flat, this.sizes as number[]).map((piece, i) => piece.reshape(this.variables[i]!.shape));
      split(this.theta).forEach((piece, i) => this.variables[i]!.assign(piece));
      if (adam === undefined) return;
      const internals = this.optimizer as unknown as AdamInternals;
      const store = (flat: tfjs.Tensor, slots: AdamInternals["accumulatedFirstMoment"], suffix: string): void => {
        split(flat).forEach((piece, i) => {
          const slot = slots[i];
          if (slot === undefined) slots[i] = { originalName: `${this.variables[i]!.name}/${suffix}`, variable: tf.keep(piece.variable(false)) };
          else slot.variable.assign(piece);
        });
      };
      store(adam.m, internals.accumulatedFirstMoment, "m");
      store(adam.v, internals.accumulatedSecondMoment, "v");
      internals.accBeta1.assign(tf.scalar(adam.a1));
      internals.accBeta2.assign(tf.scalar(adam.a2));
    });
    (this.optimizer as unknown as OptimizerInternals).iterations_ = this.iterations;
  }

  /** Frees the flat vectors (not the model's variables or the optimizer's state). */
  dispose(): void {
    const held: tfjs.Tensor[] = [this.theta, this.negativeRate];
    if (this.adam !== undefined) held.push(this.adam.m, this.adam.v, ...Object.values(this.adam.constants));
    this.tf.dispose(held);
  }
}

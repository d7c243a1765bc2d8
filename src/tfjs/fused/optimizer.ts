/**
 * Adam and SGD over stacked variables with each slot's own settings and step count: the update of
 * slot k is, element by element and in float32, the one tfjs's `AdamOptimizer` / `SGDOptimizer`
 * applies to that slot's model alone.
 *
 * Notation (slot k; per-slot values broadcast as [K, 1, 1]): g the gradient, m, v the moments,
 * α_k the learning rate, β1_k, β2_k, ε_k, and a1_k, a2_k the running products β1^t, β2^t (starting
 * at β1, β2, as tfjs's accBeta1/2):
 *   m ← m·β1 + g·(1 − β1);   v ← v·β2 + g²·(1 − β2)
 *   w ← (m / (1 − a1)) / (√(v / (1 − a2)) + ε) · (−α) + w;   a1 ← a1·β1;  a2 ← a2·β2
 * SGD:  w ← (−α)·g + w.
 * An empty slot has α = 0 (its weights do not move; it is overwritten when refilled).
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import type { OptimizerSettings } from "./layout";
import { padTo, slotSelector, zeroVariable } from "./stack";

const f32 = Math.fround;

/** One slot's optimizer values, as float32 numbers. */
interface SlotSettings {
  negativeRate: number;
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  epsilon: number;
  /** a1, a2. */
  accBeta1: number;
  accBeta2: number;
}

const EMPTY: SlotSettings = { negativeRate: 0, beta1: 0, oneMinusBeta1: 1, beta2: 0, oneMinusBeta2: 1, epsilon: 1, accBeta1: 0, accBeta2: 0 };

/** Per-slot Adam or SGD over a stack's variables; see the module comment. */
export class FusedOptimizer {
  private readonly first: tfjs.Variable[] = [];
  private readonly second: tfjs.Variable[] = [];
  private readonly slots: SlotSettings[];
  /** The [K, 1, 1] tensors of the settings that change only when a slot does (disposed then). */
  private constants: Record<"negativeRate" | "beta1" | "oneMinusBeta1" | "beta2" | "oneMinusBeta2" | "epsilon", tfjs.Tensor> | undefined;

  constructor(
    private readonly tf: TensorFlow,
    readonly kind: OptimizerSettings["kind"],
    private readonly capacity: number,
    shapes: readonly (readonly number[])[],
  ) {
    this.slots = Array.from({ length: capacity }, () => ({ ...EMPTY }));
    if (kind === "adam") {
      for (const shape of shapes) {
        this.first.push(zeroVariable(tf, shape, false));
        this.second.push(zeroVariable(tf, shape, false));
      }
    }
  }

  /** Starts `slot` afresh with a model's settings: moments 0, step count 0. */
  start(slot: number, settings: OptimizerSettings): void {
    const rate = { negativeRate: f32(-settings.learningRate) };
    this.slots[slot] =
      settings.kind === "adam"
        ? {
            ...rate,
            beta1: f32(settings.beta1),
            oneMinusBeta1: f32(1 - settings.beta1),
            beta2: f32(settings.beta2),
            oneMinusBeta2: f32(1 - settings.beta2),
            epsilon: f32(settings.epsilon),
            accBeta1: f32(settings.beta1),
            accBeta2: f32(settings.beta2),
          }
        : { ...EMPTY, ...rate };
    if (this.kind === "adam") {
      const { tf } = this;
      tf.tidy(() => {
        const selector = slotSelector(tf, this.capacity, slot);
        for (const moment of [...this.first, ...this.second]) moment.assign(tf.where(selector, tf.zerosLike(moment), moment));
      });
    }
    this.dropConstants();
  }

  /** Stops moving `slot`'s weights (an empty slot). */
  stop(slot: number): void {
    this.slots[slot] = { ...EMPTY };
    this.dropConstants();
  }

  /** Pads the moments to the stack's new variable shapes (FusedStack.growFor). */
  grow(shapes: readonly (readonly number[])[]): void {
    const { tf } = this;
    const pad = (moments: tfjs.Variable[]): void => {
      moments.forEach((moment, i) => {
        moments[i] = tf.tidy(() => padTo(tf, moment, shapes[i]!).variable(false));
        moment.dispose();
      });
    };
    pad(this.first);
    pad(this.second);
  }

  /** Applies one step's gradients (in the order of the stack's variables) to the variables. */
  apply(variables: readonly tfjs.Variable[], gradients: readonly tfjs.Tensor[]): void {
    const { tf } = this;
    const c = this.settingTensors();
    tf.tidy(() => {
      if (this.kind === "sgd") {
        variables.forEach((w, i) => w.assign(tf.add(tf.mul(c.negativeRate, gradients[i]!), w)));
        return;
      }
      const column = (pick: (slot: SlotSettings) => number): tfjs.Tensor => tf.tensor3d(this.slots.map(pick), [this.capacity, 1, 1]);
      const oneMinusAcc1 = column((slot) => f32(1 - slot.accBeta1));
      const oneMinusAcc2 = column((slot) => f32(1 - slot.accBeta2));
      variables.forEach((w, i) => {
        const g = gradients[i]!;
        const m = this.first[i]!;
        const v = this.second[i]!;
        const mNew = tf.add(tf.mul(m, c.beta1), tf.mul(g, c.oneMinusBeta1));
        const vNew = tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(g), c.oneMinusBeta2));
        const mHat = tf.div(mNew, oneMinusAcc1);
        const vHat = tf.div(vNew, oneMinusAcc2);
        m.assign(mNew);
        v.assign(vNew);
        w.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), c.epsilon)), c.negativeRate), w));
      });
    });
    for (const slot of this.slots) {
      slot.accBeta1 = f32(slot.accBeta1 * slot.beta1);
      slot.accBeta2 = f32(slot.accBeta2 * slot.beta2);
    }
  }

  private settingTensors(): NonNullable<FusedOptimizer["constants"]> {
    if (this.constants !== undefined) return this.constants;
    const { tf } = this;
    // kept: first asked for inside a step's tidy scope
    const column = (pick: (slot: SlotSettings) => number): tfjs.Tensor => tf.keep(tf.tensor3d(this.slots.map(pick), [this.capacity, 1, 1]));
    this.constants = {
      negativeRate: column((slot) => slot.negativeRate),
      beta1: column((slot) => slot.beta1),
      oneMinusBeta1: column((slot) => slot.oneMinusBeta1),
      beta2: column((slot) => slot.beta2),
      oneMinusBeta2: column((slot) => slot.oneMinusBeta2),
      epsilon: column((slot) => slot.epsilon),
    };
    return this.constants;
  }

  private dropConstants(): void {
    if (this.constants !== undefined) this.tf.dispose(Object.values(this.constants));
    this.constants = undefined;
  }

  /** Frees the moments and settings. */
  dispose(): void {
    this.dropConstants();
    this.tf.dispose([...this.first, ...this.second]);
  }
}

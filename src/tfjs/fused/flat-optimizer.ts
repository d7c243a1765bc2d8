/**
 * Adam and SGD over every slot's weights at once: the gradients of all slots' variables are laid
 * end to end in one flat vector of P numbers, the update runs once on it with per-element settings
 * (each element carries its slot's), and the result is split back into the variables. Each
 * element's update is, in float32, the one tfjs's `AdamOptimizer` / `SGDOptimizer` applies to
 * that slot's model alone, so the optimizer's ~14 operations per step are paid once for K slots
 * instead of once per variable per slot.
 *
 * Notation (element i of slot k = s(i)): g the gradient, w the weight, m, v the moments, α, β1, β2,
 * ε the slot's settings, a1, a2 its running products β1^t, β2^t (starting at β1, β2, as tfjs's
 * accBeta1/2):
 *   m ← m·β1 + g·(1 − β1);   v ← v·β2 + g²·(1 − β2)
 *   w ← (m / (1 − a1)) / (√(v / (1 − a2)) + ε) · (−α) + w;   then a1 ← a1·β1, a2 ← a2·β2
 * SGD:  w ← (−α)·g + w.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import type { OptimizerSettings } from "./layout";

const f32 = Math.fround;

/** One slot's optimizer values as float32 numbers, and its running products. */
interface SlotSettings {
  readonly negativeRate: number;
  readonly beta1: number;
  readonly oneMinusBeta1: number;
  readonly beta2: number;
  readonly oneMinusBeta2: number;
  readonly epsilon: number;
  accBeta1: number;
  accBeta2: number;
}

function settingsOf(settings: OptimizerSettings): SlotSettings {
  if (settings.kind === "sgd") return { negativeRate: f32(-settings.learningRate), beta1: 0, oneMinusBeta1: 1, beta2: 0, oneMinusBeta2: 1, epsilon: 1, accBeta1: 0, accBeta2: 0 };
  return {
    negativeRate: f32(-settings.learningRate),
    beta1: f32(settings.beta1),
    oneMinusBeta1: f32(1 - settings.beta1),
    beta2: f32(settings.beta2),
    oneMinusBeta2: f32(1 - settings.beta2),
    epsilon: f32(settings.epsilon),
    accBeta1: f32(settings.beta1),
    accBeta2: f32(settings.beta2),
  };
}

/** A slot's place in the flat vector. */
interface Segment {
  readonly key: number;
  readonly variables: readonly tfjs.Variable[];
  readonly size: number;
  readonly settings: SlotSettings;
  /** m, v of the slot's elements (Adam), kept between layouts. */
  first: tfjs.Tensor | undefined;
  second: tfjs.Tensor | undefined;
}

/** The per-element setting vectors of the current slots (rebuilt when a slot comes or goes). */
interface Layout {
  readonly variables: readonly tfjs.Variable[];
  readonly sizes: readonly number[];
  readonly negativeRate: tfjs.Tensor;
  readonly beta1: tfjs.Tensor;
  readonly oneMinusBeta1: tfjs.Tensor;
  readonly beta2: tfjs.Tensor;
  readonly oneMinusBeta2: tfjs.Tensor;
  readonly epsilon: tfjs.Tensor;
  /** Each variable's element indices in the flat vector, [size] int32. */
  readonly pieces: readonly tfjs.Tensor[];
  /** The moments of all slots end to end (Adam). */
  first: tfjs.Tensor | undefined;
  second: tfjs.Tensor | undefined;
  /** a1, a2 per element (Adam). */
  accBeta1: tfjs.Tensor | undefined;
  accBeta2: tfjs.Tensor | undefined;
}

/** Per-slot Adam or SGD over the slots' own variables; see the module comment. */
export class FlatOptimizer {
  private readonly segments: Segment[] = [];
  private layout: Layout | undefined;

  constructor(
    private readonly tf: TensorFlow,
    readonly kind: OptimizerSettings["kind"],
  ) {}

  /** The variables of every slot, in the order {@link apply} takes their gradients. */
  get variables(): readonly tfjs.Variable[] {
    return this.current().variables;
  }

  /** Adds a slot (`key`: the caller's slot number) with its variables and settings, moments 0. */
  add(key: number, variables: readonly tfjs.Variable[], settings: OptimizerSettings): void {
    this.flush();
    this.segments.push({ key, variables, size: variables.reduce((sum, v) => sum + v.size, 0), settings: settingsOf(settings), first: undefined, second: undefined });
    this.segments.sort((a, b) => a.key - b.key);
  }

  /** Removes a slot (its variables are left as they are). */
  remove(key: number): void {
    this.flush();
    const index = this.segments.findIndex((segment) => segment.key === key);
    if (index < 0) return;
    const [segment] = this.segments.splice(index, 1);
    this.tf.dispose([segment!.first, segment!.second].filter((t): t is tfjs.Tensor => t !== undefined));
  }

  /** Applies one step's gradients (in the order of {@link variables}). */
  apply(gradients: readonly tfjs.Tensor[]): void {
    const { tf } = this;
    const layout = this.current();
    const adam = this.kind === "adam";
    tf.tidy(() => {
      const g = tf.concat(gradients.map((gradient) => gradient.reshape([-1])));
      const w = tf.concat(layout.variables.map((variable) => variable.reshape([-1])));
      let updated: tfjs.Tensor;
      if (!adam) {
        updated = tf.add(tf.mul(layout.negativeRate, g), w);
      } else {
        const m = tf.add(tf.mul(layout.first!, layout.beta1), tf.mul(g, layout.oneMinusBeta1));
        const v = tf.add(tf.mul(layout.second!, layout.beta2), tf.mul(tf.square(g), layout.oneMinusBeta2));
        const mHat = tf.div(m, tf.sub(1, layout.accBeta1!));
        const vHat = tf.div(v, tf.sub(1, layout.accBeta2!));
        updated = tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), layout.epsilon)), layout.negativeRate), w);
        // The new state, kept out of this tidy scope (the old is disposed).
        const state = { first: m, second: v, accBeta1: tf.mul(layout.accBeta1!, layout.beta1), accBeta2: tf.mul(layout.accBeta2!, layout.beta2) };
        for (const [key, value] of Object.entries(state) as [keyof typeof state, tfjs.Tensor][]) {
          layout[key]!.dispose();
          layout[key] = tf.keep(value);
        }
      }
      // Pieces by gather: a slice on the wasm backend copies its whole input first. A rank-1
      // piece (a bias) is copied into data of its own shape: wasm's fused matMul reads a bias's
      // rank from its data, which a gather makes rank 4.
      layout.variables.forEach((variable, i) => {
        const piece = tf.gather(updated, layout.pieces[i]!);
        variable.assign(variable.rank === 1 ? tf.clone(piece) : piece.reshape(variable.shape));
      });
    });
    for (const segment of this.segments) {
      segment.settings.accBeta1 = f32(segment.settings.accBeta1 * segment.settings.beta1);
      segment.settings.accBeta2 = f32(segment.settings.accBeta2 * segment.settings.beta2);
    }
  }

  /** The layout of the current slots, built when they changed (its tensors kept out of any tidy scope). */
  private current(): Layout {
    if (this.layout !== undefined) return this.layout;
    const { tf } = this;
    const sizes = this.segments.flatMap((segment) => segment.variables.map((variable) => variable.size));
    const total = sizes.reduce((a, b) => a + b, 0);
    let offset = 0;
    const pieces = sizes.map((size) => {
      const indices = new Int32Array(size);
      for (let i = 0; i < size; i++) indices[i] = offset + i;
      offset += size;
      return tf.keep(tf.tensor1d(indices, "int32"));
    });
    const vector = (pick: (settings: SlotSettings) => number): tfjs.Tensor => {
      const values = new Float32Array(total);
      let at = 0;
      this.segments.forEach((segment) => {
        values.fill(pick(segment.settings), at, at + segment.size);
        at += segment.size;
      });
      return tf.keep(tf.tensor1d(values));
    };
    const adam = this.kind === "adam";
    const moments = (which: "first" | "second"): tfjs.Tensor | undefined =>
      adam ? tf.keep(tf.tidy(() => tf.concat(this.segments.map((segment) => segment[which] ?? tf.zeros([segment.size]))))) : undefined;
    this.layout = {
      variables: this.segments.flatMap((segment) => segment.variables),
      sizes,
      pieces,
      negativeRate: vector((s) => s.negativeRate),
      beta1: vector((s) => s.beta1),
      oneMinusBeta1: vector((s) => s.oneMinusBeta1),
      beta2: vector((s) => s.beta2),
      oneMinusBeta2: vector((s) => s.oneMinusBeta2),
      epsilon: vector((s) => s.epsilon),
      first: moments("first"),
      second: moments("second"),
      accBeta1: adam ? vector((s) => s.accBeta1) : undefined,
      accBeta2: adam ? vector((s) => s.accBeta2) : undefined,
    };
    return this.layout;
  }

  /** Hands the flat moments back to their slots and drops the layout (before slots change). */
  private flush(): void {
    const layout = this.layout;
    if (layout === undefined) return;
    const { tf } = this;
    if (layout.first !== undefined && layout.second !== undefined) {
      const counts = this.segments.map((segment) => segment.size);
      const firsts = tf.split(layout.first, counts).map((t) => tf.keep(t));
      const seconds = tf.split(layout.second, counts).map((t) => tf.keep(t));
      this.segments.forEach((segment, s) => {
        tf.dispose([segment.first, segment.second].filter((t): t is tfjs.Tensor => t !== undefined));
        segment.first = firsts[s];
        segment.second = seconds[s];
      });
    }
    tf.dispose([...layout.pieces, layout.negativeRate, layout.beta1, layout.oneMinusBeta1, layout.beta2, layout.oneMinusBeta2, layout.epsilon]);
    tf.dispose([layout.first, layout.second, layout.accBeta1, layout.accBeta2].filter((t): t is tfjs.Tensor => t !== undefined));
    this.layout = undefined;
  }

  /** Frees every tensor it holds. */
  dispose(): void {
    this.flush();
    for (const segment of this.segments.splice(0)) this.tf.dispose([segment.first, segment.second].filter((t): t is tfjs.Tensor => t !== undefined));
  }
}

/**
 * The stacked weights of K models of one family (layout.ts): per Dense layer l a kernel variable
 * W_l of shape [K, I_l, U_l] and a bias b_l of shape [K, 1, U_l], where U_l is the widest slot's
 * units and I_l = U_{l−1} (I_0 the input width). Slot k holds its model's kernel in
 * W_l[k, :i_l^k, :u_l^k] and its bias in b_l[k, 0, :u_l^k]; the padding is 0, and stays 0 while
 * training (activations with f(0) = 0 give padded units 0 and zero gradients; others are masked,
 * see `unitMask`). A model wider than the stack grows it (padding with zeros).
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import type { DenseSpec, FusedLayout } from "./layout";

/** A [K, 1, 1] boolean tensor true at `slot` only (the caller disposes it). */
export function slotSelector(tf: TensorFlow, capacity: number, slot: number): tfjs.Tensor {
  return tf.tidy(() => tf.oneHot(tf.tensor1d([slot], "int32"), capacity).reshape([capacity, 1, 1]).cast("bool"));
}

/** Pads `value` with zeros at the end of each axis up to `shape`. */
export function padTo(tf: TensorFlow, value: tfjs.Tensor, shape: readonly number[]): tfjs.Tensor {
  return tf.pad(value, shape.map((size, axis) => [0, size - value.shape[axis]!] as [number, number]));
}

/** A variable of zeros (the zeros tensor it starts from is freed: `tensor.variable()` keeps it alive). */
export function zeroVariable(tf: TensorFlow, shape: readonly number[], trainable: boolean): tfjs.Variable {
  return tf.tidy(() => tf.zeros([...shape]).variable(trainable));
}

/** The stacked weights of up to `capacity` models; see the module comment. */
export class FusedStack {
  /** W_l, [K, I_l, U_l]. */
  readonly kernels: tfjs.Variable[] = [];
  /** b_l, [K, 1, U_l], or undefined for a layer without bias. */
  readonly biases: (tfjs.Variable | undefined)[] = [];
  /** U_l. */
  private readonly widths: number[];
  /** u_l^k of each slot (0 while the slot is empty). */
  private readonly slotUnits: number[][];
  /** [K, 1, U_l] 0/1 masks of the units slot k uses, for activations with f(0) ≠ 0 (rebuilt when slots change). */
  private masks: (tfjs.Tensor | undefined)[] = [];

  constructor(
    private readonly tf: TensorFlow,
    readonly capacity: number,
    private readonly inputUnits: number,
    private readonly denses: readonly Pick<DenseSpec, "units" | "useBias" | "activationName">[],
  ) {
    this.widths = denses.map((dense) => dense.units);
    this.slotUnits = Array.from({ length: capacity }, () => denses.map(() => 0));
    denses.forEach((dense, l) => {
      this.kernels.push(zeroVariable(tf, [capacity, this.inputWidth(l), this.widths[l]!], true));
      this.biases.push(dense.useBias ? zeroVariable(tf, [capacity, 1, this.widths[l]!], true) : undefined);
    });
  }

  /** The trainable variables, kernels and biases layer by layer (the optimizer's order). */
  get variables(): tfjs.Variable[] {
    return this.kernels.flatMap((kernel, l) => (this.biases[l] === undefined ? [kernel] : [kernel, this.biases[l]!]));
  }

  /** Units of layer l of slot k (0 for an empty slot). */
  unitsOf(slot: number, l: number): number {
    return this.slotUnits[slot]![l]!;
  }

  /** U_l. */
  width(l: number): number {
    return this.widths[l]!;
  }

  private inputWidth(l: number): number {
    return l === 0 ? this.inputUnits : this.widths[l - 1]!;
  }

  /**
   * Grows the stack to hold a model of these units per layer.
   * @returns the new shapes of {@link variables} when it grew (the optimizer grows its moments to them), else undefined
   */
  growFor(units: readonly number[]): number[][] | undefined {
    if (units.every((u, l) => u <= this.widths[l]!)) return undefined;
    units.forEach((u, l) => (this.widths[l] = Math.max(this.widths[l]!, u)));
    const { tf } = this;
    this.denses.forEach((_dense, l) => {
      const grow = (old: tfjs.Variable, shape: number[]): tfjs.Variable => {
        const grown = tf.tidy(() => padTo(tf, old, shape).variable(true));
        old.dispose();
        return grown;
      };
      this.kernels[l] = grow(this.kernels[l]!, [this.capacity, this.inputWidth(l), this.widths[l]!]);
      const bias = this.biases[l];
      if (bias !== undefined) this.biases[l] = grow(bias, [this.capacity, 1, this.widths[l]!]);
    });
    this.dropMasks();
    return this.variables.map((variable) => [...variable.shape]);
  }

  /** Copies a model's weights into `slot` (padded with zeros); grow the stack first. */
  load(slot: number, layout: FusedLayout): void {
    const { tf } = this;
    const denses = layout.layers.filter((spec): spec is DenseSpec => spec.kind === "dense");
    tf.tidy(() => {
      const selector = slotSelector(tf, this.capacity, slot);
      denses.forEach((dense, l) => {
        const [kernel, bias] = dense.layer.getWeights();
        const write = (target: tfjs.Variable, value: tfjs.Tensor): void => {
          const padded = padTo(tf, value, target.shape.slice(1)).expandDims(0);
          target.assign(tf.where(selector, padded, target));
        };
        write(this.kernels[l]!, kernel!);
        const stackedBias = this.biases[l];
        if (stackedBias !== undefined) write(stackedBias, bias!.reshape([1, -1]));
      });
    });
    denses.forEach((dense, l) => (this.slotUnits[slot]![l] = dense.units));
    this.dropMasks();
  }

  /** Marks `slot` empty (its weights stay until the next load overwrites them). */
  clear(slot: number): void {
    this.slotUnits[slot] = this.denses.map(() => 0);
    this.dropMasks();
  }

  /** Writes `slot`'s weights back into its model's layers. */
  writeBack(slot: number, layout: FusedLayout): void {
    const { tf } = this;
    const denses = layout.layers.filter((spec): spec is DenseSpec => spec.kind === "dense");
    denses.forEach((dense, l) => {
      const inputs = l === 0 ? this.inputUnits : denses[l - 1]!.units;
      const weights = tf.tidy(() => {
        const kernel = this.kernels[l]!.slice([slot, 0, 0], [1, inputs, dense.units]).reshape([inputs, dense.units]);
        const bias = this.biases[l]?.slice([slot, 0, 0], [1, 1, dense.units]).reshape([dense.units]);
        return bias === undefined ? [kernel] : [kernel, bias];
      });
      dense.layer.setWeights(weights);
      tf.dispose(weights);
    });
  }

  /**
   * The [K, 1, U_l] mask of layer l's units in use per slot when its activation needs one (f(0) ≠ 0
   * and widths differ), else undefined. Owned by the stack.
   */
  unitMask(l: number, activationNeedsMask: boolean): tfjs.Tensor | undefined {
    if (!activationNeedsMask || l === this.denses.length - 1) return undefined;
    const cached = this.masks[l];
    if (cached !== undefined) return cached;
    const width = this.widths[l]!;
    const values = new Float32Array(this.capacity * width);
    this.slotUnits.forEach((units, k) => values.fill(1, k * width, k * width + units[l]!));
    // kept: it may be first asked for inside a step's tidy scope
    const mask = this.tf.keep(this.tf.tensor3d(values, [this.capacity, 1, width]));
    this.masks[l] = mask;
    return mask;
  }

  private dropMasks(): void {
    this.tf.dispose(this.masks.filter((mask): mask is tfjs.Tensor => mask !== undefined));
    this.masks = [];
  }

  /** Frees every tensor of the stack. */
  dispose(): void {
    this.dropMasks();
    this.tf.dispose([...this.kernels, ...this.biases.filter((bias): bias is tfjs.Variable => bias !== undefined)]);
  }
}

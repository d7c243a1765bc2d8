/**
 * Which compiled models can train as one fused computation, and what of them the fused trainer
 * reads: a `tf.Sequential` of Dense and Dropout layers (any units, activation, use of a bias; no
 * regularisers, constraints or frozen layers), one input of rank 2, a loss and metrics named by
 * string that give one value per row, and an Adam or SGD optimizer. Models of one *family* (same
 * layer sequence, activations, input and output widths, loss, metrics and optimizer class) train
 * together; hidden widths, dropout rates and the optimizer's settings may differ per model.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";

/** A per-row function of targets and predictions (the compiled loss or a compiled metric). */
export type RowFunction = (yTrue: tfjs.Tensor, yPred: tfjs.Tensor) => tfjs.Tensor;

/** An activation as tfjs-layers applies it. */
export interface ActivationFunction {
  apply(x: tfjs.Tensor): tfjs.Tensor;
}

/** A Dense layer of a fusable model. */
export interface DenseSpec {
  readonly kind: "dense";
  readonly units: number;
  /** The activation's class name (`relu`, `softmax`, ...). */
  readonly activationName: string;
  readonly activation: ActivationFunction;
  readonly useBias: boolean;
  /** The model's layer (weights are read from and written back to it). */
  readonly layer: tfjs.layers.Layer;
}

/** A Dropout layer of a fusable model. */
export interface DropoutSpec {
  readonly kind: "dropout";
  readonly rate: number;
  /** The layer's own seed (the same mask every step, as tfjs draws it), else undefined. */
  readonly seed: number | undefined;
}

/** The optimizer's settings: the update rule is the fused trainer's, the values each model's own. */
export type OptimizerSettings =
  | { readonly kind: "adam"; readonly learningRate: number; readonly beta1: number; readonly beta2: number; readonly epsilon: number }
  | { readonly kind: "sgd"; readonly learningRate: number };

/** What is read of a `tf.sequential` of Dense and Dropout layers (the fused and the lean trainers' models). */
export interface DenseLayout {
  readonly inputUnits: number;
  readonly layers: readonly (DenseSpec | DropoutSpec)[];
  readonly loss: RowFunction;
  readonly metrics: readonly RowFunction[];
  /** `model.metricsNames`: `loss`, then the metrics' names. */
  readonly names: readonly string[];
  /** Whether the targets are class indices (a sparse loss): one column against the outputs. */
  readonly sparseTargets: boolean;
}

/** What the fused trainer reads of one fusable model. */
export interface FusedLayout extends DenseLayout {
  /** Models with equal keys train together (widths, rates and optimizer values aside). */
  readonly family: string;
  readonly optimizer: OptimizerSettings;
}

/** A Dense/Dropout layout, or why the model is not one. */
export type DenseLayoutResult = { readonly dense: true; readonly layout: DenseLayout } | { readonly dense: false; readonly reason: string };

/** A layout, or why the model does not fuse. */
export type LayoutResult = { readonly fusable: true; readonly layout: FusedLayout } | { readonly fusable: false; readonly reason: string };

/** What the layout reads of a compiled model (public at runtime, partly untyped in tfjs). */
interface CompiledInternals {
  readonly lossFunctions?: readonly RowFunction[];
  readonly metricsTensors?: readonly [RowFunction, number][];
  readonly metrics?: unknown;
}

/**
 * The fused layout of a compiled model, or the reason it does not fuse (one line, for the cell's output).
 * @param tf runs a probe of the loss and metrics on a tiny batch (they must give one value per row)
 */
export function fusedLayoutOf(tf: TensorFlow, model: tfjs.LayersModel): LayoutResult {
  const no = (reason: string): LayoutResult => ({ fusable: false, reason });
  const dense = denseLayoutOf(tf, model);
  if (!dense.dense) return no(dense.reason);
  const optimizer = optimizerSettings(model.optimizer);
  if (typeof optimizer === "string") return no(optimizer);
  const { layout } = dense;
  const denses = layout.layers.filter((spec): spec is DenseSpec => spec.kind === "dense");
  // Hidden widths may differ; the output's is the data's.
  const shape = layout.layers.map((spec) =>
    spec.kind === "dropout" ? "dropout" : `dense(${spec.activationName},${spec.useBias ? "bias" : "nobias"}${spec === denses[denses.length - 1] ? `,${spec.units}` : ""})`,
  );
  const family = [`in ${layout.inputUnits}`, ...shape, `loss ${model.loss}`, `metrics ${model.metricsNames.join(",")}`, `optimizer ${optimizer.kind}`].join(" | ");
  return { fusable: true, layout: { ...layout, family, optimizer } };
}

/**
 * The Dense/Dropout layout of a compiled model (any optimizer), or the reason it is not one (one line).
 * @param tf runs a probe of the loss and metrics on a tiny batch (they must give one value per row)
 */
export function denseLayoutOf(tf: TensorFlow, model: tfjs.LayersModel): DenseLayoutResult {
  const no = (reason: string): DenseLayoutResult => ({ dense: false, reason });
  if (model.getClassName() !== "Sequential") return no(`the model is a ${model.getClassName()}, not a tf.sequential`);
  const inner = (model as unknown as { readonly model: tfjs.LayersModel }).model;
  const compiled = inner as unknown as CompiledInternals;
  if (inner.inputs.length !== 1 || inner.outputs.length !== 1) return no("the model has several inputs or outputs");
  const inputShape = inner.inputs[0]!.shape;
  if (inputShape.length !== 2 || inputShape[1] === null) return no(`its input has shape [${inputShape.join(", ")}], not rows of numbers`);
  const layers: (DenseSpec | DropoutSpec)[] = [];
  for (const layer of model.layers) {
    const config = layer.getConfig() as Record<string, unknown>;
    if (!layer.trainable) return no(`layer ${layer.name} is frozen (trainable: false)`);
    switch (layer.getClassName()) {
      case "Dense": {
        for (const key of ["kernelRegularizer", "biasRegularizer", "activityRegularizer", "kernelConstraint", "biasConstraint"]) {
          if (config[key] != null) return no(`layer ${layer.name} has a ${key.replace(/([A-Z])/g, " $1").toLowerCase()}`);
        }
        const activation = (layer as unknown as { readonly activation: ActivationFunction & { getClassName(): string } }).activation;
        const activationName = activation.getClassName();
        layers.push({ kind: "dense", units: config["units"] as number, activationName, activation, useBias: config["useBias"] !== false, layer });
        break;
      }
      case "Dropout":
        if (config["noiseShape"] != null) return no(`layer ${layer.name} has a noise shape`);
        layers.push({ kind: "dropout", rate: config["rate"] as number, seed: (config["seed"] as number | null | undefined) ?? undefined });
        break;
      default:
        return no(`it has a ${layer.getClassName()} layer (${layer.name}); only Dense and Dropout layers are taken`);
    }
  }
  const denses = layers.filter((spec): spec is DenseSpec => spec.kind === "dense");
  if (denses.length === 0) return no("it has no Dense layer");
  if (typeof model.loss !== "string") return no("its loss is not given by name (a custom loss function)");
  if (!metricsNamed(compiled.metrics)) return no("its metrics are not all given by name");
  if (model.calculateLosses().length > 0) return no("it adds losses of its own (regularisers)");
  const loss = compiled.lossFunctions?.[0];
  const metrics = (compiled.metricsTensors ?? []).map(([metric]) => metric);
  if (loss === undefined) return no("it is not compiled");
  const sparseTargets = /sparse_?categorical_?crossentropy/i.test(model.loss);
  const outputs = denses[denses.length - 1]!.units;
  const perRow = perRowProblem(tf, [loss, ...metrics], [...model.metricsNames], outputs, sparseTargets);
  if (perRow !== undefined) return no(perRow);
  return { dense: true, layout: { inputUnits: inputShape[1]!, layers, loss, metrics, names: [...model.metricsNames], sparseTargets } };
}

/**
 * Whether compiled metrics are given by name only: none, a name, a list of names, or names per
 * output (`{ dense_2: "acc" }`; a model rebuilt from its training config on a worker thread has
 * `{}` where the notebook's had none).
 */
function metricsNamed(metrics: unknown): boolean {
  if (metrics === undefined || metrics === null) return true;
  const entries = typeof metrics === "object" && !Array.isArray(metrics) ? Object.values(metrics) : [metrics];
  return entries.flat().every((name) => typeof name === "string");
}

/** Adam or SGD settings of a compiled optimizer, or why it does not fuse. */
function optimizerSettings(optimizer: tfjs.Optimizer): OptimizerSettings | string {
  const className = (optimizer.constructor as { className?: string }).className ?? optimizer.constructor.name;
  const config = optimizer.getConfig() as Record<string, number>;
  switch (className) {
    case "Adam":
      return { kind: "adam", learningRate: config["learningRate"]!, beta1: config["beta1"]!, beta2: config["beta2"]!, epsilon: config["epsilon"]! };
    case "SGD":
      return { kind: "sgd", learningRate: config["learningRate"]! };
    default:
      return `its optimizer is ${className}; the fused trainer runs Adam and SGD`;
  }
}

/**
 * Checks that each function gives one value per row of a batch [6, outputs] (a batch-level metric
 * such as precision gives one number): undefined when they all do.
 */
function perRowProblem(tf: TensorFlow, functions: readonly RowFunction[], names: readonly string[], outputs: number, sparse: boolean): string | undefined {
  return tf.tidy(() => {
    const yPred = tf.fill([6, outputs], 1 / outputs);
    const yTrue = sparse ? tf.zeros([6, 1]) : tf.fill([6, outputs], 1 / outputs);
    for (const [i, fn] of functions.entries()) {
      let shape: number[];
      try {
        shape = fn(yTrue, yPred).shape;
      } catch {
        return `its ${names[i] ?? "metric"} cannot be computed on a batch of rows`;
      }
      if (shape.length !== 1 || shape[0] !== 6) return `its ${names[i] ?? "metric"} is not computed row by row`;
    }
    return undefined;
  });
}

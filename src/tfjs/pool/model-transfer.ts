/**
 * A compiled model as plain data that crosses a thread boundary: its topology (`model.toJSON()`),
 * its compile settings (optimizer class and config, loss, metrics: TensorFlow.js's own training
 * config) and its weights as typed arrays. The receiver rebuilds it with
 * `tf.models.modelFromJSON`, sets the weights and compiles it: the same model, initialised the
 * same, with a fresh optimizer of the same settings.
 */
import type * as tfjs from "@tensorflow/tfjs";
import { registerHypergradientOptimizers } from "../hypergradient";
import type { TensorFlow } from "../backend";
import { disposeModel } from "../train";
import { messageOf } from "../../common/errors";

/** One weight tensor as data. */
export interface WeightData {
  readonly shape: readonly number[];
  readonly dtype: "float32" | "int32";
  readonly values: Float32Array | Int32Array;
}

/** A compiled model as data (structured-clonable; the weights' buffers can be transferred). */
export interface ModelDescription {
  /** `model.toJSON(null, false)`: the Keras-style topology. */
  readonly topology: object;
  /** TensorFlow.js's training config: `{ loss, metrics, optimizer_config: { class_name, config } }`. */
  readonly trainingConfig: object;
  readonly weights: readonly WeightData[];
}

/** The model cannot be described as data (custom layers, a loss function, an optimizer without config, …). */
export class UnserialisableModelError extends Error {
  override readonly name = "UnserialisableModelError";
}

/** The part of a `LayersModel` that TensorFlow.js keeps protected but uses to save a compiled model. */
interface TrainingConfigAccess {
  getTrainingConfig(): object;
  loadTrainingConfig(config: object): void;
}

/**
 * Describes a compiled model as data (the model is left as it is).
 * @throws UnserialisableModelError naming what could not be serialised
 */
export function describeModel(model: tfjs.LayersModel): ModelDescription {
  let topology: object;
  let trainingConfig: object;
  try {
    topology = JSON.parse(JSON.stringify(model.toJSON(null, false))) as object;
  } catch (error) {
    throw new UnserialisableModelError(`its layers cannot be written as JSON (${messageOf(error)})`);
  }
  checkNamedByStrings("loss", model.loss);
  checkNamedByStrings("metrics", (model as unknown as { metrics?: unknown }).metrics);
  try {
    trainingConfig = JSON.parse(JSON.stringify((model as unknown as TrainingConfigAccess).getTrainingConfig())) as object;
  } catch (error) {
    throw new UnserialisableModelError(`its compile settings (optimizer, loss, metrics) cannot be written as JSON (${messageOf(error)})`);
  }
  const weights = model.getWeights().map((tensor): WeightData => {
    if (tensor.dtype !== "float32" && tensor.dtype !== "int32") {
      throw new UnserialisableModelError(`it has a ${tensor.dtype} weight; expected float32 or int32`);
    }
    // dataSync copies the values out of the backend: the model keeps its own.
    return { shape: [...tensor.shape], dtype: tensor.dtype, values: tensor.dataSync() as Float32Array | Int32Array };
  });
  return { topology, trainingConfig, weights };
}

/**
 * Rebuilds a compiled model from its description (the caller owns it: {@link disposeModel}).
 * @throws UnserialisableModelError when this thread cannot rebuild it (a layer class it does not know, say)
 */
export async function restoreModel(tf: TensorFlow, description: ModelDescription): Promise<tfjs.LayersModel> {
  let model: tfjs.LayersModel;
  try {
    // The topology is model.toJSON()'s own output, read back from JSON: a dictionary of JSON values.
    const config: Parameters<TensorFlow["models"]["modelFromJSON"]>[0] = { modelTopology: description.topology as Record<string, never> };
    model = await tf.models.modelFromJSON(config);
  } catch (error) {
    throw new UnserialisableModelError(`its topology cannot be rebuilt here (${messageOf(error)})`);
  }
  try {
    const tensors = description.weights.map((w) => tf.tensor(w.values, [...w.shape], w.dtype));
    try {
      model.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
    // A hypergradient optimizer (SGDHD, AdamHD) is found by class name: register those classes here too.
    registerHypergradientOptimizers(tf);
    (model as unknown as TrainingConfigAccess).loadTrainingConfig(description.trainingConfig);
  } catch (error) {
    disposeModel(model);
    throw new UnserialisableModelError(`it cannot be compiled here from its settings (${messageOf(error)})`);
  }
  return model;
}

/** The buffers of a description's weights, to transfer rather than copy. */
export function weightBuffers(description: ModelDescription): ArrayBuffer[] {
  return description.weights.map((w) => w.values.buffer as ArrayBuffer);
}

/**
 * Losses and metrics cross to a thread by name only: TensorFlow.js writes a function's name (or
 * nothing), so the thread would train with something else.
 * @throws UnserialisableModelError when `value` holds anything but strings
 */
function checkNamedByStrings(what: "loss" | "metrics", value: unknown): void {
  if (value === undefined || value === null) return;
  const entries = typeof value === "object" && !Array.isArray(value) ? Object.values(value) : [value].flat();
  const named = entries.every((entry) => typeof entry === "string");
  if (!named) {
    throw new UnserialisableModelError(`its compile settings cannot be written as JSON: the ${what} must be given by name (a string such as "meanSquaredError"), not as a function`);
  }
}


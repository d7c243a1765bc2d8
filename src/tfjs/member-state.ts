/**
 * A population-based-training member as plain data: its compiled model (topology, compile
 * settings, weights: the pool's {@link ModelDescription}) and its optimizer's state (step count
 * and per-variable slots such as Adam's moments). Data crosses threads (a round trained on a
 * worker thread) and goes to disk (a checkpoint beside a journal), where a `LayersModel` cannot.
 *
 * - {@link captureMemberState} / {@link restoreMemberState}: model ⇄ data.
 * - {@link copyMemberState}: PBT's exploit on data: the model built from the copy's new
 *   parameters, with the parent's weights and optimizer state.
 * - {@link trainMemberRound}: one round from data to data (restore, {@link trainRound}, capture),
 *   the same function in the notebook's thread and on a pool's thread.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "./backend";
import { buildTrialModel, checkModelFitsData, disposeModel } from "./model-setup";
import { describeModel, restoreModel, type ModelDescription, type WeightData } from "./pool/model-transfer";
import { ArchitectureMismatchError, checkSameShapes, trainRound, type RoundOptions, type RoundResult } from "./train-rounds";
import type { ModelBuilder } from "./train-types";
import type { TrainingFold } from "./trainingData";

/** One optimizer weight as data (`optimizer.getWeights()`'s name and tensor). */
export interface OptimizerWeightData extends WeightData {
  readonly name: string;
}

/** A member's model and optimizer state as data (structured-clonable). */
export interface MemberState {
  readonly model: ModelDescription;
  /** `optimizer.getWeights()` as data: the step count first, then the slots by position. */
  readonly optimizer: readonly OptimizerWeightData[];
}

/**
 * The state of a compiled model as data (the model is left as it is).
 * @throws UnserialisableModelError when the model cannot be described as data
 */
export async function captureMemberState(tf: TensorFlow, model: tfjs.LayersModel): Promise<MemberState> {
  const description = describeModel(model);
  const weights = await model.optimizer.getWeights();
  try {
    const optimizer = weights.map(({ name, tensor }): OptimizerWeightData => {
      const dtype = tensor.dtype === "int32" ? "int32" : "float32";
      return { name, shape: [...tensor.shape], dtype, values: tensor.dataSync() as Float32Array | Int32Array };
    });
    return { model: description, optimizer };
  } finally {
    // getWeights makes a new tensor for the step count; the slots are the optimizer's own variables.
    tf.dispose(weights.map((w) => w.tensor).filter((tensor) => !(tensor instanceof tf.Variable)));
  }
}

/**
 * A compiled model from a member's state, its optimizer holding the saved step count and slots
 * (the caller owns the model: {@link disposeModel}).
 * @throws UnserialisableModelError when this thread cannot rebuild the model
 */
export async function restoreMemberState(tf: TensorFlow, state: MemberState): Promise<tfjs.LayersModel> {
  const model = await restoreModel(tf, state.model);
  const tensors = state.optimizer.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, [...w.shape], w.dtype) }));
  try {
    // setWeights makes the optimizer's own variables from these tensors.
    await model.optimizer.setWeights(tensors);
    return model;
  } catch (error) {
    disposeModel(model);
    throw error;
  } finally {
    tf.dispose(tensors.map((w) => w.tensor));
  }
}

/** How a copy's model is built. */
export interface CopyOptions {
  /** The build seed (the initial weights are overwritten; it only fixes what the builder draws). */
  readonly seed: number;
  readonly dataNames?: { readonly x: string; readonly y: string };
}

/**
 * PBT's exploit on data: builds `params`'s model with `buildModel` (its topology and compile
 * settings, so a new learning rate or dropout takes effect) and gives it copies of `parent`'s
 * weights and optimizer state. `parent` is unchanged and shares no buffer with the copy.
 * @throws ArchitectureMismatchError when the weights' count or shapes, or the optimizer's kind, differ
 */
export async function copyMemberState<P>(buildModel: ModelBuilder<P>, params: P, parent: MemberState, fold: TrainingFold, options: CopyOptions): Promise<MemberState> {
  const model = await buildTrialModel(buildModel, params, 0, { seed: options.seed });
  let built: ModelDescription;
  try {
    checkModelFitsData(model, fold, options.dataNames ?? { x: "x", y: "y" });
    checkSameShapes(
      parent.model.weights.map((w, i) => ({ shape: w.shape, name: `weight ${i}` })),
      model.weights.map((w) => ({ shape: w.shape, name: w.originalName })),
    );
    built = describeModel(model);
  } finally {
    disposeModel(model);
  }
  const kind = optimizerClass(built);
  const parentKind = optimizerClass(parent.model);
  if (kind !== parentKind) throw new ArchitectureMismatchError(`the rebuilt model's optimizer is ${kind}, but the member it copies trains with ${parentKind}`);
  return {
    model: { ...built, weights: parent.model.weights.map(copyWeight) },
    optimizer: parent.optimizer.map((w) => ({ ...copyWeight(w), name: w.name })),
  };
}

/** What one round from data produced: the round's result and the member's state after it. */
export interface MemberRoundResult {
  readonly result: RoundResult;
  readonly state: MemberState;
}

/**
 * Trains one round of a member from its state (see {@link trainRound}) and returns its state
 * after the round; the model lives only during the call.
 * @throws as {@link trainRound} (TrainingAbortedError on abort, Error for a metric that is not finite)
 */
export async function trainMemberRound(tf: TensorFlow, state: MemberState, fold: TrainingFold, options: RoundOptions): Promise<MemberRoundResult> {
  const model = await restoreMemberState(tf, state);
  try {
    const result = await trainRound(tf, model, fold, options);
    return { result, state: await captureMemberState(tf, model) };
  } finally {
    disposeModel(model);
  }
}

/** The buffers of a state's weights and slots, to transfer rather than copy. */
export function memberStateBuffers(state: MemberState): ArrayBuffer[] {
  return [...state.model.weights, ...state.optimizer].map((w) => w.values.buffer as ArrayBuffer);
}

/** The optimizer's class name in a model's compile settings. */
function optimizerClass(description: ModelDescription): string {
  const config = description.trainingConfig as { optimizer_config?: { class_name?: unknown } };
  return String(config.optimizer_config?.class_name ?? "an unknown optimizer");
}

/** A weight with its own copy of the values. */
function copyWeight(weight: WeightData): WeightData {
  return { shape: [...weight.shape], dtype: weight.dtype, values: weight.values.slice() };
}

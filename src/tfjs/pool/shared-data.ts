/**
 * Training data in shared memory: each fold's tensors copied once into `SharedArrayBuffer`s, so
 * every worker thread of a pool reads the same bytes (posting a shared buffer copies nothing).
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import type { TrainingData, TrainingFold } from "../trainingData";

/** One tensor in shared memory. */
export interface SharedTensor {
  readonly shape: readonly number[];
  readonly dtype: "float32" | "int32";
  readonly buffer: SharedArrayBuffer;
}

/** {@link TrainingData} in shared memory. */
export interface SharedTrainingData {
  readonly folds: readonly Readonly<Record<keyof TrainingFold, SharedTensor>>[];
  readonly rowCount: number;
}

const FOLD_PARTS = ["xTrain", "yTrain", "xValidation", "yValidation"] as const;

/** Copies the prepared tensors into shared memory (the tensors are left as they are). */
export function shareTrainingData(data: TrainingData): SharedTrainingData {
  const share = (tensor: tfjs.Tensor, name: string): SharedTensor => {
    if (tensor.dtype !== "float32" && tensor.dtype !== "int32") {
      throw new Error(`${name} is ${tensor.dtype}; worker threads take float32 or int32 data`);
    }
    const values = tensor.dataSync() as Float32Array | Int32Array;
    const buffer = new SharedArrayBuffer(values.byteLength);
    (tensor.dtype === "float32" ? new Float32Array(buffer) : new Int32Array(buffer)).set(values);
    return { shape: [...tensor.shape], dtype: tensor.dtype, buffer };
  };
  const folds = data.folds.map((fold, f) => {
    const parts = {} as Record<keyof TrainingFold, SharedTensor>;
    for (const part of FOLD_PARTS) parts[part] = share(fold[part], `fold ${f} ${part}`);
    return parts;
  });
  return { folds, rowCount: data.rowCount };
}

/** Whether two shared datasets hold the same folds: shapes, dtypes and bytes. */
export function sameSharedData(a: SharedTrainingData, b: SharedTrainingData): boolean {
  if (a.rowCount !== b.rowCount || a.folds.length !== b.folds.length) return false;
  const sameTensor = (s: SharedTensor, t: SharedTensor): boolean =>
    s.dtype === t.dtype &&
    s.shape.length === t.shape.length &&
    s.shape.every((size, i) => size === t.shape[i]) &&
    Buffer.from(s.buffer).equals(Buffer.from(t.buffer));
  return a.folds.every((fold, f) => FOLD_PARTS.every((part) => sameTensor(fold[part], b.folds[f]![part])));
}

/** Makes this thread's tensors of shared training data (dispose them with `dispose()`). */
export function trainingDataFromShared(tf: TensorFlow, shared: SharedTrainingData): TrainingData {
  const made: tfjs.Tensor[] = [];
  const tensorOf = (part: SharedTensor): tfjs.Tensor => {
    const values = part.dtype === "float32" ? new Float32Array(part.buffer) : new Int32Array(part.buffer);
    const tensor = tf.tensor(values, [...part.shape], part.dtype);
    made.push(tensor);
    return tensor;
  };
  const folds = shared.folds.map((fold) => ({
    xTrain: tensorOf(fold.xTrain),
    yTrain: tensorOf(fold.yTrain),
    xValidation: tensorOf(fold.xValidation),
    yValidation: tensorOf(fold.yValidation),
  }));
  return { folds, rowCount: shared.rowCount, dispose: () => tf.dispose(made) };
}

/**
 * A float32 tensor's values where the backend keeps them, read without a kernel and without a
 * copy: on wasm a view of the WebAssembly heap at the buffer's offset
 * (`backend.typedArrayFromHeap`), valid until the next allocation (which may grow, and so
 * replace, the heap); on cpu the backend's own array (`backend.data.get(dataId).values`, what
 * `dataSync()` returns). Never write into it: tfjs tensors are immutable, and other tensors may
 * share the buffer. Other backends (tfjs-node, webgl) keep values out of reach: undefined.
 * Users: `epoch.ts` (a batch's rows copied out of the epoch's rows), `lean/backend-memory.ts`.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "./backend";

/** The fields of tfjs-backend-wasm's `BackendWasm` and tfjs-backend-cpu's `MathBackendCPU` read here. */
interface BufferHolder {
  typedArrayFromHeap?: (info: tfjs.TensorInfo) => unknown;
  data?: { get(dataId: object): { values?: unknown } | undefined };
}

/** The buffer of a float32 tensor (see the module comment), or undefined. */
export function float32BufferOf(tf: TensorFlow, tensor: tfjs.Tensor): Float32Array | undefined {
  if (tensor.dtype !== "float32") return undefined;
  const backend = tf.backend() as unknown as BufferHolder;
  const name = tf.getBackend();
  let values: unknown;
  if (name === "wasm" && typeof backend.typedArrayFromHeap === "function") values = backend.typedArrayFromHeap(tensor);
  else if (name === "cpu" && backend.data !== undefined) values = backend.data.get(tensor.dataId)?.values;
  return values instanceof Float32Array && values.length === tensor.size ? values : undefined;
}

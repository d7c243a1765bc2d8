/**
 * Rewriting float32 variables' values where the backend keeps them (`../tensor-buffer.ts`: views
 * made per use, since an allocation may replace the wasm heap), without a kernel
 * (`in-place-update.ts`). Two backends keep them where JavaScript can reach them:
 * - wasm: the WebAssembly heap. tfjs-wasm copies values out of the heap on every read
 *   (`readSync` slices) and into it on every write (`move`), so no array handed out aliases a buffer.
 * - cpu: a `Float32Array` per buffer that tfjs hands out as it is (`dataSync()` returns it;
 *   `tf.tensor(array)` may keep the caller's array), so an earlier `dataSync()` — a PBT
 *   capture, a saved best model — may hold it.
 * Any other backend (tfjs-node, webgl): none ({@link backendMemoryOf} is undefined).
 *
 * A {@link Rewrite} gives each variable its new values in one of two ways:
 * - renewed: the values go to a new buffer, which the variable then takes (`assign`), as tfjs's
 *   own ops do. For the model's weights on wasm: its matrix products keep an XNNPACK operator
 *   with the weights packed, keyed by the weight and bias tensors' ids and dropped when those
 *   tensors are freed (tfjs-backend-wasm `batch_mat_mul_impl.cc`), so weights rewritten under
 *   the same id would be multiplied as they were. For every variable on cpu (no array handed
 *   out changes).
 * - in place (wasm, the optimizer's own state: no kernel caches anything by their ids): the
 *   buffer is rewritten, after the variable was given a buffer of its own if it shared one
 *   (`variable.assign(t)`, `t.variable()`, `clone`: the backend's `refCount(dataId)` is above 1),
 *   so that only that variable changes.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import { float32BufferOf } from "../tensor-buffer";

/** The new values of some variables, being written (see the module comment). */
export interface Rewrite {
  /** The values of a float32 tensor now (the old values of a variable being rewritten); valid until {@link commit}. */
  read(tensor: tfjs.Tensor): Float32Array;
  /** Where a variable's new values go (element i may be written after element i of {@link read} is read). */
  target(variable: tfjs.Variable): Float32Array;
  /** Makes the values written the variables' (after the loops that filled every target). */
  commit(): void;
}

/** Reading and rewriting float32 buffers in a backend's memory. */
export interface BackendMemory {
  /** The backend's name (`wasm`, `cpu`). */
  readonly backendName: string;
  /**
   * Starts a rewrite of `renewed` (the model's weights) and `state` (the optimizer's own
   * variables): every allocation happens here, none until {@link Rewrite.commit}.
   */
  begin(renewed: readonly tfjs.Variable[], state: readonly tfjs.Variable[]): Rewrite;
}

/** The fields of tfjs-backend-wasm's `BackendWasm` and tfjs-backend-cpu's `MathBackendCPU` used here. */
interface ReachableBackend {
  write(values: Float32Array | null, shape: number[], dtype: "float32"): object;
  refCount(dataId: object): number;
}

/** How one backend's buffers are made. */
interface BufferAccess {
  readonly backendName: string;
  /** Whether nothing outside the backend holds its buffers (rewriting in place is safe). */
  readonly unaliased: boolean;
  /** Values for a new buffer: null (allocated uninitialised) or a new array. */
  newValues(size: number): Float32Array | null;
}

/** Gives a variable a buffer of its own when another tensor shares it. */
function ownBuffer(tf: TensorFlow, backend: ReachableBackend, variable: tfjs.Variable): void {
  if (backend.refCount(variable.dataId) === 1) return;
  // slice(): on the cpu backend dataSync() is the shared buffer itself
  const copy = tf.tensor(variable.dataSync().slice(), variable.shape, variable.dtype);
  variable.assign(copy);
  copy.dispose();
}

/** The {@link BackendMemory} over one backend's buffers. */
function memoryOver(tf: TensorFlow, backend: ReachableBackend, access: BufferAccess): BackendMemory {
  const view = (tensor: tfjs.Tensor): Float32Array => {
    const buffer = float32BufferOf(tf, tensor);
    if (buffer === undefined) throw new Error(`the backend keeps tensor ${tensor.id} (${tensor.dtype}, ${tensor.size} values) in a form the in-place update does not read`);
    return buffer;
  };
  return {
    backendName: access.backendName,
    begin(renewed, state) {
      const inPlace = access.unaliased ? state : [];
      for (const variable of inPlace) ownBuffer(tf, backend, variable);
      const fresh = new Map<tfjs.Variable, tfjs.Tensor>();
      for (const variable of access.unaliased ? renewed : [...renewed, ...state]) {
        const dataId = backend.write(access.newValues(variable.size), [...variable.shape], "float32");
        fresh.set(variable, tf.engine().makeTensorFromDataId(dataId, [...variable.shape], "float32", backend as unknown as tfjs.KernelBackend));
      }
      return {
        read: (tensor) => view(tensor),
        target: (variable) => view(fresh.get(variable) ?? variable),
        commit() {
          for (const [variable, tensor] of fresh) {
            variable.assign(tensor);
            tensor.dispose();
          }
        },
      };
    },
  };
}

/**
 * The active backend's memory, when it is one JavaScript can rewrite (wasm, cpu), else undefined.
 */
export function backendMemoryOf(tf: TensorFlow): BackendMemory | undefined {
  const name = tf.getBackend();
  const backend = tf.backend() as unknown as Partial<ReachableBackend>;
  if (typeof backend.refCount !== "function" || typeof backend.write !== "function") return undefined;
  const reachable = backend as ReachableBackend;
  if (name === "wasm") return memoryOver(tf, reachable, { backendName: name, unaliased: true, newValues: () => null });
  if (name === "cpu") return memoryOver(tf, reachable, { backendName: name, unaliased: false, newValues: (size) => new Float32Array(size) });
  return undefined;
}

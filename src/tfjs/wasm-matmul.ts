/**
 * Faster transposed matrix products on the WebAssembly backend.
 *
 * tfjs-backend-wasm 4.22's `BatchMatMul` and `_FusedMatMul` kernels have a fast path only for
 * untransposed operands: with `transposeA` (every Dense layer's weight gradient, dW = xᵀ·dy) or
 * `transposeB` (its input gradient, dx = dy·Wᵀ) set, in `model.fit`, in `optimizer.minimize` and
 * in our own steps, they take a slower loop than transposing the operand first and multiplying:
 * with the wrappers, `npm run bench:train-step`'s rows on wasm fell by 22–36 % (before and after
 * run back to back on a loaded machine: `model.fit` 2.49 → 1.83 ms per step, a minimal
 * `minimize` loop 2.04 → 1.57). {@link fastTransposedMatMul} re-registers both
 * kernels, through tfjs's public kernel registry, as wrappers: each transposed operand is
 * transposed (last two axes) by the backend's own `Transpose` kernel, the original kernel runs
 * with both flags false, and the temporaries are freed. Same product, the same float32 values up
 * to summation order.
 *
 * Notation: op(X) = Xᵀ when X's flag is set, else X; the wrapper computes
 * matMul(op(A) materialised, op(B) materialised) = matMul(A, B, transposeA, transposeB).
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "./backend";

/** The kernels whose transposed paths are replaced. */
const KERNELS = ["BatchMatMul", "_FusedMatMul"] as const;

/** The operands a wrapper may transpose first, and the attribute that asks for it. */
const OPERANDS = [
  { input: "a", attr: "transposeA" },
  { input: "b", attr: "transposeB" },
] as const;

/** Marks a wrapper, so that wrapping twice (a second load in one process) is a no-op. */
const WRAPPED = Symbol.for("tunelab.tfjs.fastTransposedMatMul");

/** A kernel's arguments as the engine passes them (the fields the wrapper reads). */
interface KernelArguments {
  readonly inputs: Record<string, tfjs.TensorInfo | null | undefined>;
  readonly backend: { disposeData(dataId: object): boolean };
  readonly attrs: Record<string, unknown>;
}

type KernelFunction = (args: KernelArguments) => tfjs.TensorInfo | tfjs.TensorInfo[];

/**
 * Wraps the wasm backend's `BatchMatMul` and `_FusedMatMul` kernels so that transposed operands
 * are transposed first (see the module comment). Call once the wasm backend is active;
 * idempotent.
 * @returns the names of the kernels wrapped by this call (none when already wrapped or absent)
 */
export function fastTransposedMatMul(tf: TensorFlow): string[] {
  const wrapped: string[] = [];
  const transposeKernel = tf.getKernel("Transpose", "wasm");
  if (transposeKernel === undefined) return wrapped;
  const transpose = transposeKernel.kernelFunc as unknown as KernelFunction;
  for (const kernelName of KERNELS) {
    const config = tf.getKernel(kernelName, "wasm");
    if (config === undefined) continue;
    const original = config.kernelFunc as unknown as KernelFunction & { [WRAPPED]?: true };
    if (original[WRAPPED] === true) continue;
    const kernelFunc: KernelFunction & { [WRAPPED]?: true } = (args) => {
      const transposed = OPERANDS.filter(({ attr }) => args.attrs[attr] === true);
      if (transposed.length === 0) return original(args);
      const temporaries: tfjs.TensorInfo[] = [];
      try {
        const inputs = { ...args.inputs };
        const attrs = { ...args.attrs };
        for (const { input, attr } of transposed) {
          const x = args.inputs[input]!;
          const rank = x.shape.length;
          // perm: the batch axes in place, the last two swapped
          const perm = x.shape.map((_, axis) => (axis < rank - 2 ? axis : axis === rank - 2 ? rank - 1 : rank - 2));
          const xTransposed = transpose({ inputs: { x }, backend: args.backend, attrs: { perm } }) as tfjs.TensorInfo;
          temporaries.push(xTransposed);
          inputs[input] = xTransposed;
          attrs[attr] = false;
        }
        return original({ ...args, inputs, attrs });
      } finally {
        for (const temporary of temporaries) args.backend.disposeData(temporary.dataId);
      }
    };
    kernelFunc[WRAPPED] = true;
    // The original's setupFunc already ran when the backend started; the wrapper needs none.
    tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc: kernelFunc as unknown as tfjs.KernelFunc });
    wrapped.push(kernelName);
  }
  return wrapped;
}

/**
 * Tensor-leak checks: count `tf.memory().numTensors` before and after a piece of work.
 */
import type { TensorFlow } from "./backend";

/** The live tensor count at one moment, and what changed since. */
export interface TensorWatch {
  /** `tf.memory().numTensors` when the watch started. */
  readonly before: number;
  /** Tensors alive now that were not before (negative when some were freed). */
  leaked(): number;
  /**
   * @param allowed tensors the work may keep (a kept model's weights, say)
   * @throws Error "<what> leaked 12 tensors (30 before, 42 after, 0 allowed)"
   */
  assertNoLeak(what: string, allowed?: number): void;
}

/** Starts counting tensors. */
export function watchTensors(tf: Pick<TensorFlow, "memory">): TensorWatch {
  const before = tf.memory().numTensors;
  return {
    before,
    leaked: () => tf.memory().numTensors - before,
    assertNoLeak(what: string, allowed = 0): void {
      const after = tf.memory().numTensors;
      if (after - before > allowed) {
        throw new Error(`${what} leaked ${after - before - allowed} tensors (${before} before, ${after} after, ${allowed} allowed)`);
      }
    },
  };
}

/** Runs `body` and returns its result with the change in the live tensor count. */
export async function measureTensors<T>(tf: Pick<TensorFlow, "memory">, body: () => Promise<T> | T): Promise<{ result: T; leaked: number }> {
  const watch = watchTensors(tf);
  const result = await body();
  return { result, leaked: watch.leaked() };
}

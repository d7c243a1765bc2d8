/**
 * Seeded weight initialisers for a trial. TensorFlow.js initialisers take a `seed`; a builder
 * that wants its initial weights fixed by the trial's seed (rather than by the seeded
 * `Math.random` scope the trainer sets up by default) asks for one per layer:
 *
 * ```ts
 * function buildModel(params, trial) {
 *   const init = trialInitializers(tf, trial.seed);
 *   const model = tf.sequential();
 *   model.add(tf.layers.dense({ units: params.units, inputShape: [30], kernelInitializer: init.next() }));
 *   model.add(tf.layers.dense({ units: 1, activation: "sigmoid", kernelInitializer: init.next("heNormal") }));
 *   ...
 * }
 * ```
 */
import type { TensorFlow } from "./backend";
import { deriveSeed } from "../common/random";

/** Initialisers of `tf.initializers` that take a seed. */
export type SeededInitializerName =
  | "glorotUniform"
  | "glorotNormal"
  | "heUniform"
  | "heNormal"
  | "leCunUniform"
  | "leCunNormal";

/** A weight initialiser, as `tf.initializers.glorotUniform(...)` returns it. */
export type Initializer = ReturnType<TensorFlow["initializers"]["glorotUniform"]>;

/** Hands out initialisers with distinct seeds derived from one trial seed, in call order. */
export interface TrialInitializers {
  /** The next seeded initialiser (default `glorotUniform`, the default of dense layers). */
  next(name?: SeededInitializerName): Initializer;
}

/** Seeded initialisers for a trial: the k-th call of `next` gets seed `deriveSeed(seed, "init", k)`. */
export function trialInitializers(tf: TensorFlow, seed: number): TrialInitializers {
  let count = 0;
  return {
    next(name: SeededInitializerName = "glorotUniform"): Initializer {
      const make = tf.initializers[name];
      if (typeof make !== "function") throw new Error(`unknown initializer "${name}"`);
      return make({ seed: deriveSeed(seed, "init", count++) });
    },
  };
}

/**
 * Hand-built FrozenTrial fixtures for the render tests (no Study class involved).
 */

import seedrandom from "seedrandom";
import type { FrozenTrial, Params, SearchSpace, TrialState } from "../../src/engine/types";
import type { StudyData } from "../../src/render";

/** A space with every kind of parameter: log float, log int, linear float, categoricals, fixed. */
export const SPACE: SearchSpace = {
  lr: { kind: "float", low: 1e-4, high: 1e-1, log: true },
  units: { kind: "int", low: 16, high: 256, log: true, step: 1 },
  dropout: { kind: "float", low: 0, high: 0.6, log: false },
  activation: { kind: "categorical", choices: ["relu", "tanh", "elu"] },
  batchSize: { kind: "categorical", choices: [16, 32, 64] },
  seed: { kind: "fixed", value: 7 },
};

/** Epoch (2021-01-01) the fixtures' times count from. */
export const T0 = 1_609_459_200_000;

/** One trial, with sensible defaults for everything not given. */
export function trial(number: number, fields: Partial<FrozenTrial> & { state: TrialState }): FrozenTrial {
  return {
    number,
    params: {},
    distributions: SPACE,
    metrics: fields.value === undefined ? {} : { val_loss: fields.value },
    intermediateValues: [],
    userAttrs: {},
    startedAt: T0 + number * 10_000,
    ...(fields.state === "running" || fields.state === "waiting" ? {} : { completedAt: T0 + number * 10_000 + 8_000 }),
    ...fields,
  };
}

/**
 * `count` trials of a minimisation of `val_loss`, which depends mostly on log10(lr) (best near
 * 1e-2), a little on activation, and on nothing else. Trial 3 fails, trials 5 and 11 are pruned,
 * and when `withRunning` the last one is still running. Every trial reports 5 epochs.
 */
export function sampleStudy(count: number, options: { withRunning?: boolean; seed?: string } = {}): StudyData {
  const random = seedrandom(options.seed ?? "render-fixture");
  const trials: FrozenTrial[] = [];
  for (let n = 0; n < count; n++) {
    const params: Params = {
      lr: 10 ** (-4 + 3 * random()),
      units: Math.round(2 ** (4 + 4 * random())),
      dropout: 0.6 * random(),
      activation: ["relu", "tanh", "elu"][Math.floor(3 * random())],
      batchSize: [16, 32, 64][Math.floor(3 * random())],
      seed: 7,
    };
    const lr = params.lr as number;
    const loss = 0.2 + 0.3 * (Math.log10(lr) + 2) ** 2 + (params.activation === "tanh" ? 0.05 : 0) + 0.01 * random();
    const curve = [0, 1, 2, 3, 4].map((step) => ({ step, value: loss + 0.5 / (step + 1) }));
    let state: TrialState = "complete";
    if (n === 3) state = "failed";
    else if (n === 5 || n === 11) state = "pruned";
    else if (options.withRunning === true && n === count - 1) state = "running";
    const reported = state === "pruned" ? curve.slice(0, 2) : state === "running" ? curve.slice(0, 3) : state === "failed" ? [] : curve;
    trials.push(
      trial(n, {
        state,
        params,
        intermediateValues: reported,
        ...(state === "complete" ? { value: loss, metrics: { val_loss: loss, val_acc: 1 - loss / 2 } } : {}),
        ...(state === "pruned" ? { value: reported[reported.length - 1].value, metrics: {} } : {}),
        ...(state === "failed" ? { error: "objective returned NaN", metrics: {} } : {}),
      }),
    );
  }
  return { trials, space: SPACE, direction: "minimize", metric: "val_loss", plannedTrials: Math.max(count, 30), studyName: "demo" };
}

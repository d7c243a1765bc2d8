/** BOHB: the budget TPE fits at, and the TPE sampler's good/bad split at that budget. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { bohbMinObservations, chooseBudget } from "../../src/engine/tpe/budget";
import { TPESampler } from "../../src/engine/samplers/tpe";
import { floatDistribution } from "../../src/engine/distributions";
import type { FrozenTrial, SearchSpace, TrialState } from "../../src/engine/types";
import { runSamplerContract } from "./sampler-contract";

runSamplerContract("tpe fitted at a budget (bohb)", (seed) => new TPESampler({ seed, startupTrials: 4, fitAtBudget: true }));

const space: SearchSpace = { x: floatDistribution(0, 1) };

/** A trial of `space` that reported `curve` at steps 0, 1, …; a complete trial's value is its last. */
function trial(number: number, state: TrialState, x: number, curve: readonly number[]): FrozenTrial {
  return {
    number,
    state,
    params: { x },
    distributions: space,
    metrics: {},
    intermediateValues: curve.map((value, step) => ({ step, value })),
    userAttrs: {},
    ...(state === "complete" || state === "pruned" ? { value: curve[curve.length - 1] as number } : {}),
  };
}

describe("chooseBudget", () => {
  test("BOHB's threshold: N_min + 2 observations with N_min = d + 1", () => {
    assert.equal(bohbMinObservations(1), 4);
    assert.equal(bohbMinObservations(5), 8);
  });

  test("the largest step that enough trials reported, pruned ones included, with their values there", () => {
    const trials = [
      trial(0, "complete", 0.5, [9, 8, 7, 6, 5, 4]),
      trial(1, "pruned", 0.1, [9, 8]),
      trial(2, "pruned", 0.2, [9, 7, 6, 3.5]),
      trial(3, "complete", 0.6, [9, 8, 7, 6, 5, 4.5]),
      trial(4, "pruned", 0.3, [9, 8, 6, 3]),
      trial(5, "running", 0.4, [9, 8, 7, 6, 5]), // running: observed at each step it reported
      trial(6, "failed", 0.9, [9, 8, 7, 6, 5]), // failed: not an observation
      trial(7, "pruned", 0.7, [9, 9]),
    ];
    // Step 4: trials 0, 3, 5 (3 observations); step 5 and "final" have only 2.
    assert.deepEqual(chooseBudget(trials, 3)?.observations.map((o) => [o.trial.number, o.value]), [[0, 5], [3, 5], [5, 5]]);
    // Step 3: trials 0, 2, 3, 4, 5 (5 observations).
    const choice = chooseBudget(trials, 4);
    assert.equal(choice?.budget, 3);
    assert.deepEqual(choice?.observations.map((o) => [o.trial.number, o.value]), [[0, 6], [2, 3.5], [3, 6], [4, 3], [5, 6]]);
    // Asking for 6: step 1 is the largest with 6 or more (trials 0, 1, 2, 3, 4, 5, 7).
    assert.deepEqual(chooseBudget(trials, 6)?.observations.map((o) => o.trial.number), [0, 1, 2, 3, 4, 5, 7]);
    assert.equal(chooseBudget(trials, 6)?.budget, 1);
    assert.equal(chooseBudget(trials, 8), undefined, "no budget has 8 observations");
  });

  test("enough complete trials: the full budget, their objective values", () => {
    const trials = [0, 1, 2, 3].map((n) => trial(n, "complete", n / 10, [5, 4, 3 - n]));
    const choice = chooseBudget([...trials, trial(4, "pruned", 0.9, [1])], 4);
    assert.equal(choice?.budget, "final");
    assert.deepEqual(choice?.observations.map((o) => o.value), [3, 2, 1, 0]);
  });
});

describe("TPESampler with fitAtBudget (BOHB)", () => {
  // Two complete trials near x = 0.9 and pruned trials over [0, 0.8]; at step 3 (the largest budget
  // with ≥ 4 observations) the pruned trials near x = 0.1 are the best, the complete ones the worst.
  const trials: FrozenTrial[] = [
    trial(0, "complete", 0.9, [5, 5, 5, 5, 1]),
    trial(1, "complete", 0.88, [5, 5, 5, 5, 1.1]),
  ];
  for (let i = 0; i < 16; i++) {
    const x = 0.05 + (0.75 * i) / 15;
    trials.push(trial(2 + i, "pruned", x, [4, 3, 2, 1 + x]));
  }
  const sample = (fitAtBudget: boolean, trialNumber: number): number =>
    new TPESampler({ seed: 3, startupTrials: 5, fitAtBudget }).sample({ space, trials, direction: "minimize", trialNumber })["x"] as number;

  test("uses the model as soon as a budget has enough observations, running trials' reports included, before startupTrials finish", () => {
    // Six trials of a 1-d space (BOHB's threshold: 4 observations) reported step 0: the best are near x = 0.1.
    const early = [0.1, 0.12, 0.5, 0.7, 0.9, 0.95].map((x, n) => trial(n, n < 2 ? "pruned" : "running", x, [x]));
    const ask = (fitAtBudget: boolean, trials: readonly FrozenTrial[], trialNumber: number): number =>
      new TPESampler({ seed: 4, startupTrials: 10, fitAtBudget }).sample({ space, trials, direction: "minimize", trialNumber })["x"] as number;
    const startup = new TPESampler({ seed: 4, startupTrials: 10 });
    for (let n = 6; n < 12; n++) {
      const random = startup.sample({ space, trials: early, direction: "minimize", trialNumber: n })["x"];
      assert.equal(ask(false, early, n), random, "plain TPE: still a start-up (random) trial");
      assert.ok(ask(true, early, n) < 0.4, `trial ${n}: BOHB proposes x = ${ask(true, early, n)}, near the best values at step 0`);
    }
    // With 3 observations at every budget (below the threshold) BOHB is a start-up trial too.
    assert.equal(ask(true, early.slice(0, 3), 6), startup.sample({ space, trials: early.slice(0, 3), direction: "minimize", trialNumber: 6 })["x"]);
  });

  test("fits the good group at the chosen budget: proposals move to where pruned trials did best", () => {
    for (let n = 18; n < 24; n++) {
      assert.ok(sample(true, n) < 0.4, `trial ${n}: BOHB proposes x = ${sample(true, n)}, near the best values at step 3`);
      // Plain TPE ranks complete trials first, so its good group is the complete trials near 0.9.
      assert.ok(sample(false, n) > 0.6, `trial ${n}: TPE proposes x = ${sample(false, n)}, near the complete trials`);
    }
  });
});

/**
 * The GP for several objectives (ParEGO, samplers/mo-gp.ts): the shared sampler contract (one
 * objective), the scalarisation against hand-computed values, seeded repeatability, and a better
 * hypervolume than random search on ZDT1 at a small budget (fixed seeds).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { median } from "../../src/common/stats";
import { hypervolume } from "../../src/engine/pareto";
import { MultiObjectiveGPSampler, scalariseTrials } from "../../src/engine/samplers/mo-gp";
import { RandomSampler } from "../../src/engine/samplers/random";
import { createStudy, type Study } from "../../src/engine/study";
import type { FrozenTrial, Sampler } from "../../src/engine/types";
import { twoObjectiveSpace, zdt1, type TwoObjectiveFunction } from "../../bench/functions";
import { runSamplerContract } from "./sampler-contract";

runSamplerContract("gp-parego", (seed) => new MultiObjectiveGPSampler({ seed, startupTrials: 4 }), { trials: 10 });

/** Runs `trials` trials of `fn` through ask/tell in a new two-objective study with `sampler`. */
async function runProblem(fn: TwoObjectiveFunction, sampler: Sampler, trials: number): Promise<Study> {
  const study = await createStudy({ directions: ["minimize", "minimize"], sampler });
  const space = twoObjectiveSpace(fn);
  for (let t = 0; t < trials; t++) {
    const trial = await study.ask(space);
    await study.tell(trial, fn.evaluate(Object.keys(space).map((name) => trial.params[name] as number)));
  }
  return study;
}

function trial(number: number, state: FrozenTrial["state"], values?: number[]): FrozenTrial {
  return { number, state, params: { x: number / 10 }, distributions: {}, metrics: {}, intermediateValues: [], userAttrs: {}, ...(values === undefined ? {} : { values, value: values[0] }) };
}

describe("MultiObjectiveGPSampler (ParEGO)", () => {
  test("scalarises complete trials by the augmented Tchebycheff function of their normalised values", () => {
    // Objective 0 minimised over [1, 3], objective 1 maximised over [10, 30] (→ minimised −30…−10).
    const trials = [trial(0, "complete", [1, 10]), trial(1, "complete", [3, 30]), trial(2, "complete", [2, 20]), trial(3, "running"), trial(4, "failed")];
    const scalarised = scalariseTrials(trials, ["minimize", "maximize"], [0.25, 0.75], 0.05);
    // f̂ of trial 0 = (0, 1): max(0, 0.75) + 0.05·0.75; trial 1 = (1, 0): 0.25 + 0.05·0.25; trial 2 = (0.5, 0.5).
    assert.ok(Math.abs(scalarised[0]!.value! - (0.75 + 0.0375)) < 1e-12);
    assert.ok(Math.abs(scalarised[1]!.value! - (0.25 + 0.0125)) < 1e-12);
    assert.ok(Math.abs(scalarised[2]!.value! - (0.375 + 0.025)) < 1e-12);
    assert.ok(scalarised.every((t) => t.values === undefined), "no trial keeps its several values");
    assert.equal(scalarised[3]!.state, "running", "a running trial stays pending");
    assert.equal(scalarised[4]!.value, undefined, "a failed trial has no value");
  });

  test("the weight vectors lie on the simplex and differ between trials", () => {
    const sampler = new MultiObjectiveGPSampler({ seed: 3 });
    const a = sampler.weights(3, 10);
    assert.ok(Math.abs(a.reduce((s, w) => s + w, 0) - 1) < 1e-12 && a.every((w) => w >= 0));
    assert.deepEqual(new MultiObjectiveGPSampler({ seed: 3 }).weights(3, 10), a);
    assert.notDeepEqual(sampler.weights(3, 11), a);
  });

  test("the same seed gives the same trials; another seed other trials", async () => {
    const fn = zdt1(4);
    const run = async (seed: number): Promise<unknown[]> => (await runProblem(fn, new MultiObjectiveGPSampler({ seed, startupTrials: 6 }), 14)).trials.map((t) => t.params);
    const a = await run(4);
    assert.deepEqual(await run(4), a);
    assert.notDeepEqual(await run(5), a);
  });

  test("beats random search on ZDT1 (n = 5, 40 trials): median hypervolume over seeds 0–2", async () => {
    const fn = zdt1(5);
    const hv = async (make: (seed: number) => Sampler): Promise<number[]> => {
      const volumes: number[] = [];
      for (let seed = 0; seed < 3; seed++) volumes.push(hypervolume((await runProblem(fn, make(seed), 40)).bestTrials.map((t) => t.values as number[]), fn.reference));
      return volumes;
    };
    const parego = await hv((seed) => new MultiObjectiveGPSampler({ seed }));
    const random = await hv((seed) => new RandomSampler({ seed }));
    assert.ok(median(parego) > median(random), `ParEGO ${parego.join(", ")} vs random ${random.join(", ")}`);
    assert.ok(parego.every((v, i) => v > (random[i] as number)), `ParEGO wins on every seed: ${parego.join(", ")} vs ${random.join(", ")}`);
  });
});

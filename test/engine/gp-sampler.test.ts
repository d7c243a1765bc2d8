import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { categorical, floatDistribution, intDistribution } from "../../src/engine/distributions";
import { SearchSpaceExhaustedError } from "../../src/engine/errors";
import { GPSampler, pessimisticTargets } from "../../src/engine/samplers/gp";
import { functionPoint, functionSpace, hartmann6 } from "../../bench/functions";
import { createStudy } from "../../src/engine/study";
import { RandomSampler } from "../../src/engine/samplers/random";
import type { FrozenTrial, Params, Sampler, SearchSpace } from "../../src/engine/types";
import { makeTrial, runSamplerContract, simulate } from "./sampler-contract";
import { median } from "../../src/common/stats";

runSamplerContract("gp", (seed) => new GPSampler({ seed, startupTrials: 4 }), { trials: 10 });

/** Branin on x ∈ [−5, 10], y ∈ [0, 15]; minimum 0.397887. */
const braninSpace: SearchSpace = { x: floatDistribution(-5, 10), y: floatDistribution(0, 15) };
function branin(params: Params): number {
  const x = params["x"] as number;
  const y = params["y"] as number;
  return (y - (5.1 / (4 * Math.PI ** 2)) * x * x + (5 / Math.PI) * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
}

/** Runs `trials` sequential trials of `objective` (minimised) and returns the parameters asked for and their values. */
function sequentialRun(sampler: Sampler, space: SearchSpace, objective: (p: Params) => number, trials: number): { samples: Params[]; values: number[] } {
  const history: FrozenTrial[] = [];
  const samples: Params[] = [];
  const values: number[] = [];
  for (let t = 0; t < trials; t++) {
    const params = sampler.sample({ space, trials: [...history, makeTrial(t, space, {})], direction: "minimize", trialNumber: t });
    const value = objective(params);
    samples.push(params);
    values.push(value);
    history.push(makeTrial(t, space, params, value));
  }
  return { samples, values };
}

/** The best value of `trials` sequential trials. */
function bestFound(sampler: Sampler, space: SearchSpace, objective: (p: Params) => number, trials: number): number {
  return Math.min(...sequentialRun(sampler, space, objective, trials).values);
}

describe("GPSampler", () => {
  test("finds a far better Branin value than random search in 25 trials (median over 5 seeds)", { timeout: 120_000 }, () => {
    const seeds = [0, 1, 2, 3, 4];
    const gp = seeds.map((seed) => bestFound(new GPSampler({ seed }), braninSpace, branin, 25) - 0.397887);
    const random = seeds.map((seed) => bestFound(new RandomSampler({ seed }), braninSpace, branin, 25) - 0.397887);
    // Random search typically stops near regret 1; the GP should be well below a tenth of that.
    assert.ok(median(gp) < median(random) / 10, `median regret: GP ${median(gp)} vs random ${median(random)}`);
    assert.ok(gp.filter((r, i) => r < (random[i] as number)).length >= 4, `GP ${gp} vs random ${random}`);
  });

  test("still optimises when the study outgrows its caps on fitted and modelled trials", { timeout: 60_000 }, () => {
    const regrets = [0, 1, 2].map(
      (seed) => bestFound(new GPSampler({ seed, maxFitTrials: 8, maxModelTrials: 14 }), braninSpace, branin, 30) - 0.397887,
    );
    const random = [0, 1, 2].map((seed) => bestFound(new RandomSampler({ seed }), braninSpace, branin, 30) - 0.397887);
    assert.ok(median(regrets) < median(random) / 3, `median regret with 8 fitted and 14 modelled trials ${median(regrets)}, random ${median(random)}`);
  });

  test("never repeats a configuration of a discrete space, and reports exhaustion at its end", { timeout: 60_000 }, () => {
    const space: SearchSpace = { n: intDistribution(0, 5), c: categorical(["a", "b", "c"]), k: intDistribution(0, 20, { step: 10 }) };
    const run = simulate(new GPSampler({ seed: 1, startupTrials: 3 }), space, 60);
    assert.equal(run.samples.length, 54);
    assert.equal(new Set(run.samples.map((p) => JSON.stringify(p))).size, 54);
    assert.equal(run.exhausted, true);
    assert.throws(
      () =>
        new GPSampler({ seed: 1, startupTrials: 3 }).sample({
          space,
          trials: run.samples.map((p, t) => makeTrial(t, space, p, 1)),
          direction: "minimize",
          trialNumber: 54,
        }),
      SearchSpaceExhaustedError,
    );
  });

  test("learns which categorical choice is best (choices modelled as unordered, not as numbers)", { timeout: 60_000 }, () => {
    // The best choice sits in the middle of the list, where an ordered encoding would blur it with its neighbours.
    const space: SearchSpace = { x: floatDistribution(0, 1), c: categorical(["a", "b", "best", "d", "e"]) };
    const objective = (p: Params): number => ((p["x"] as number) - 0.3) ** 2 + (p["c"] === "best" ? 0 : 1);
    for (const seed of [0, 1, 2]) {
      const { samples } = sequentialRun(new GPSampler({ seed, startupTrials: 6 }), space, objective, 20);
      const picks = samples.slice(10).filter((p) => p["c"] === "best").length;
      assert.ok(picks >= 6, `seed ${seed}: the best choice was taken in ${picks} of the last 10 trials (random: about 2)`);
    }
  });

  test("treats maximising f exactly like minimising −f", () => {
    const objective = (p: Params): number => ((p["x"] as number) - 2) ** 2 + (p["y"] as number) / 10;
    const asked = (direction: "minimize" | "maximize"): Params[] => {
      const sampler = new GPSampler({ seed: 4, startupTrials: 5 });
      const history: FrozenTrial[] = [];
      const samples: Params[] = [];
      for (let t = 0; t < 9; t++) {
        const params = sampler.sample({ space: braninSpace, trials: history, direction, trialNumber: t });
        samples.push(params);
        history.push(makeTrial(t, braninSpace, params, direction === "minimize" ? objective(params) : -objective(params)));
      }
      return samples;
    };
    assert.deepEqual(asked("maximize"), asked("minimize"));
  });

  test("spreads trials asked at once: pending trials are not proposed again", () => {
    const history = simulate(new GPSampler({ seed: 2 }), braninSpace, 12).samples.map((p, t) => makeTrial(t, braninSpace, p, branin(p)));
    const sampler = new GPSampler({ seed: 2 });
    const batch: FrozenTrial[] = [];
    for (let t = 12; t < 16; t++) {
      const params = sampler.sample({ space: braninSpace, trials: [...history, ...batch], direction: "minimize", trialNumber: t });
      batch.push({ ...makeTrial(t, braninSpace, params), distributions: braninSpace });
    }
    for (let i = 0; i < batch.length; i++) {
      for (let j = i + 1; j < batch.length; j++) {
        const a = batch[i]?.params as Params;
        const b = batch[j]?.params as Params;
        const distance = Math.hypot(((a["x"] as number) - (b["x"] as number)) / 15, ((a["y"] as number) - (b["y"] as number)) / 15);
        assert.ok(distance > 1e-3, `pending trials ${i + 12} and ${j + 12} are at the same point ${JSON.stringify(a)}`);
      }
    }
  });

  test("ignores failed trials in the model and uses pruned trials' last values", () => {
    const history = simulate(new GPSampler({ seed: 3 }), braninSpace, 12).samples.map((p, t) => makeTrial(t, braninSpace, p, branin(p)));
    const ask = (trials: FrozenTrial[]): Params =>
      new GPSampler({ seed: 3 }).sample({ space: braninSpace, trials, direction: "minimize", trialNumber: 20 });
    const failed: FrozenTrial = { ...makeTrial(12, braninSpace, { x: 1, y: 1 }), state: "failed", error: "objective returned NaN" };
    assert.deepEqual(ask([...history, failed]), ask(history));
    // A pruned trial reporting the best value so far draws the search to its neighbourhood.
    const pruned: FrozenTrial = { ...makeTrial(12, braninSpace, { x: 6, y: 6 }, -5), state: "pruned" };
    const distanceTo66 = (p: Params): number => Math.hypot(((p["x"] as number) - 6) / 15, ((p["y"] as number) - 6) / 15);
    const next = ask([...history, pruned]);
    assert.ok(distanceTo66(next) < 0.3, `proposed ${JSON.stringify(next)}, far from the pruned trial's (6, 6)`);
    assert.ok(distanceTo66(next) < distanceTo66(ask(history)));
  });

  test("keeps proposing valid, distinct points for a constant objective and for values near the float range", () => {
    for (const objective of [() => 7, (p: Params) => ((p["x"] as number) > 2 ? 1e300 : (-1e300 * (p["y"] as number)) / 15)]) {
      const sampler = new GPSampler({ seed: 6, startupTrials: 4 });
      const history: FrozenTrial[] = [];
      for (let t = 0; t < 10; t++) {
        const params = sampler.sample({ space: braninSpace, trials: history, direction: "minimize", trialNumber: t });
        assert.ok(Number.isFinite(params["x"]) && Number.isFinite(params["y"]), `trial ${t}: ${JSON.stringify(params)}`);
        assert.ok(!history.some((h) => JSON.stringify(h.params) === JSON.stringify(params)), `trial ${t} repeats a point`);
        history.push(makeTrial(t, braninSpace, params, objective(params)));
      }
    }
  });

  test("works through a study: optimize finds Branin's minimum, and trials asked at once differ", { timeout: 60_000 }, async () => {
    const study = await createStudy({ sampler: new GPSampler({ seed: 8 }), seed: 8 });
    await study.optimize((trial) => branin(trial.params), { trials: 25, space: braninSpace });
    assert.ok((study.bestValue as number) - 0.397887 < 0.1, `best value ${study.bestValue}`);
    const batch = await Promise.all([study.ask(braninSpace), study.ask(braninSpace), study.ask(braninSpace)]);
    for (let i = 0; i < batch.length; i++) {
      for (let j = i + 1; j < batch.length; j++) {
        const a = batch[i]?.params as Params;
        const b = batch[j]?.params as Params;
        const distance = Math.hypot(((a["x"] as number) - (b["x"] as number)) / 15, ((a["y"] as number) - (b["y"] as number)) / 15);
        assert.ok(distance > 1e-3, `trials asked at once are at the same point: ${JSON.stringify(a)} ${JSON.stringify(b)}`);
      }
    }
  });

  test("models conditional parameters: the trials of every branch teach it where the deeper branch's parameter is best", { timeout: 120_000 }, async () => {
    // Two layers are better than one only with width2 near 0.7; the GP models width2 (imputed when
    // absent), where random search draws it blindly.
    const space: SearchSpace = {
      layers: intDistribution(1, 2),
      width1: floatDistribution(0, 1),
      width2: { ...floatDistribution(0, 1), condition: { parent: "layers", operator: ">=", value: 2 } },
    };
    const objective = (p: Params): number =>
      4 * ((p["width1"] as number) - 0.3) ** 2 + (p["layers"] === 2 ? 40 * ((p["width2"] as number) - 0.7) ** 2 : 0.2);
    const bestThroughStudy = async (sampler: Sampler, seed: number): Promise<number> => {
      const study = await createStudy({ sampler, seed });
      for (let t = 0; t < 30; t++) {
        const trial = await study.ask(space);
        assert.equal("width2" in trial.params, trial.params["layers"] === 2, `width2 is held exactly when layers = 2: ${JSON.stringify(trial.params)}`);
        await study.tell(trial, objective(trial.params));
      }
      return study.bestValue as number;
    };
    const seeds = [0, 1, 2];
    const gp: number[] = [];
    const random: number[] = [];
    for (const seed of seeds) {
      gp.push(await bestThroughStudy(new GPSampler({ seed }), seed));
      random.push(await bestThroughStudy(new RandomSampler({ seed }), seed));
    }
    // Below the one-layer floor of 0.2 means two layers with width2 found; the GP gets far below it.
    assert.ok(gp.every((v) => v < 0.01), `GP best values ${gp}`);
    assert.ok(median(gp) < median(random) / 10, `median best: GP ${median(gp)} vs random ${median(random)}`);
  });

  test("spends no late trial of Hartmann-6 on the corners of the box (the prior mean is the worst observation)", { timeout: 120_000 }, () => {
    // With the prior mean at the data mean, seeds 0 and 2 sent 5–7 of trials 20–39 to points with
    // at least four coordinates on a bound (far from the data, the largest variance).
    const space = functionSpace(hartmann6);
    for (const seed of [0, 1, 2]) {
      const { samples } = sequentialRun(new GPSampler({ seed }), space, (p) => hartmann6.evaluate(functionPoint(hartmann6, p)), 40);
      const corners = samples.slice(20).filter((p) => functionPoint(hartmann6, p).filter((v) => v === 0 || v === 1).length >= 4);
      assert.deepEqual(corners, [], `seed ${seed}: trials at a corner`);
    }
  });

  test("pessimisticTargets puts the worst value at the prior mean 0, keeps the order, and reports the mean on that scale", () => {
    const { values, observedMean } = pessimisticTargets(Float64Array.from([-1, 0.5, 2, -0.25]));
    assert.deepEqual(Array.from(values), [-3, -1.5, 0, -2.25]);
    assert.equal(observedMean, 0.3125 - 2);
  });

  test("rejects bad options with the rule and the value", () => {
    assert.throws(() => new GPSampler({ startupTrials: 0 }), /`startupTrials` must be an integer ≥ 1, but got startupTrials=0/);
    assert.throws(() => new GPSampler({ seed: Number.NaN }), /`seed` must be a finite number/);
  });
});

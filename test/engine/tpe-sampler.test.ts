/** Multivariate TPE: the sampler contract, its Parzen estimator's maths, and search quality against random search. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { categorical, floatDistribution, intDistribution } from "../../src/engine/distributions";
import { RandomSampler } from "../../src/engine/samplers/random";
import { TPESampler, goodCount, observationWeights } from "../../src/engine/samplers/tpe";
import { bandwidth, BANDWIDTH_FACTOR, bandwidths, ParzenEstimator } from "../../src/engine/tpe/parzen";
import { createRng } from "../../src/common/random";
import { median } from "../../src/common/stats";
import type { FrozenTrial, Params, Sampler, SearchSpace } from "../../src/engine/types";
import { makeTrial, runSamplerContract } from "./sampler-contract";

runSamplerContract("tpe", (seed) => new TPESampler({ seed, startupTrials: 4 }));

/** Runs `trials` sequential trials of `objective` (minimised) and returns the best value. */
function bestOf(sampler: Sampler, space: SearchSpace, objective: (p: Params) => number, trials: number): number {
  const history: FrozenTrial[] = [];
  let best = Infinity;
  for (let t = 0; t < trials; t++) {
    const params = sampler.sample({ space, trials: [...history, makeTrial(t, space, {})], direction: "minimize", trialNumber: t });
    const value = objective(params);
    best = Math.min(best, value);
    history.push(makeTrial(t, space, params, value));
  }
  return best;
}

function branin(params: Params): number {
  const x = params["x"] as number;
  const y = params["y"] as number;
  return (y - (5.1 / (4 * Math.PI ** 2)) * x * x + (5 / Math.PI) * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
}

describe("TPESampler", () => {
  test("γ(n) = min(⌈0.1·n⌉, 25) good trials, and weights that fade only trials older than the newest 25", () => {
    assert.deepEqual([1, 9, 10, 11, 100, 250, 1000].map(goodCount), [1, 1, 1, 2, 10, 25, 25]);
    assert.deepEqual(observationWeights(3), [1, 1, 1]);
    const weights = observationWeights(40);
    assert.equal(weights.length, 40);
    assert.ok(Math.abs((weights[0] as number) - 1 / 40) < 1e-12, "the oldest weighs 1/n");
    assert.deepEqual(weights.slice(15), new Array<number>(25).fill(1), "the newest 25 weigh 1");
    for (let i = 1; i < 15; i++) assert.ok((weights[i] as number) > (weights[i - 1] as number), "older weighs less");
  });

  test("finds a far better Branin value than random search in 40 trials (median over 5 seeds)", () => {
    const space: SearchSpace = { x: floatDistribution(-5, 10), y: floatDistribution(0, 15) };
    const seeds = [0, 1, 2, 3, 4];
    const tpe = median(seeds.map((seed) => bestOf(new TPESampler({ seed }), space, branin, 40)));
    const random = median(seeds.map((seed) => bestOf(new RandomSampler({ seed }), space, branin, 40)));
    // Branin's minimum is 0.398; random search at 40 trials typically stops near 1–3.
    assert.ok(tpe < random, `TPE median best ${tpe} must beat random search's ${random}`);
    assert.ok(tpe < 1.5, `TPE median best ${tpe} at 40 trials`);
  });

  test("learns a categorical and an integer jointly: the good choice is proposed most once it is known", () => {
    const space: SearchSpace = { kind: categorical(["a", "b", "c", "d"]), n: intDistribution(1, 200) };
    const objective = (p: Params): number => (p["kind"] === "c" ? 0 : 5) + Math.abs((p["n"] as number) - 130) / 10;
    const sampler = new TPESampler({ seed: 3, startupTrials: 8 });
    const history: FrozenTrial[] = [];
    const late: Params[] = [];
    for (let t = 0; t < 40; t++) {
      const params = sampler.sample({ space, trials: [...history, makeTrial(t, space, {})], direction: "minimize", trialNumber: t });
      if (t >= 25) late.push(params);
      history.push(makeTrial(t, space, params, objective(params)));
    }
    const cShare = late.filter((p) => p["kind"] === "c").length / late.length;
    assert.ok(cShare > 0.5, `the good choice must dominate late proposals, got ${cShare}`);
    assert.ok(Math.min(...history.map((t) => t.value as number)) <= 1, "n within 10 of 130 with c is found");
  });

  test("maximises when the study does", () => {
    const space: SearchSpace = { x: floatDistribution(0, 1) };
    const done = Array.from({ length: 12 }, (_, i) => makeTrial(i, space, { x: i / 11 }, i / 11));
    const sampler = new TPESampler({ seed: 5, startupTrials: 5 });
    const up = sampler.sample({ space, trials: done, direction: "maximize", trialNumber: 12 });
    assert.ok((up["x"] as number) > 0.6, `maximising x proposes a large x, got ${up["x"]}`);
    const down = sampler.sample({ space, trials: done, direction: "minimize", trialNumber: 12 });
    assert.ok((down["x"] as number) < 0.4, `minimising x proposes a small x, got ${down["x"]}`);
  });

  test("running trials count as bad (constant liar): fewer proposals land where several are running", () => {
    const space: SearchSpace = { x: floatDistribution(0, 1) };
    const done = Array.from({ length: 20 }, (_, i) => makeTrial(i, space, { x: (i + 0.5) / 20 }, Math.abs((i + 0.5) / 20 - 0.5)));
    const running = Array.from({ length: 8 }, (_, i) => makeTrial(20 + i, space, { x: 0.47 + i * 0.008 }));
    const sampler = new TPESampler({ seed: 5, startupTrials: 5 });
    const near = (withRunning: boolean): number =>
      Array.from({ length: 60 }, (_, k) => 28 + k).filter((trialNumber) => {
        const p = sampler.sample({ space, trials: withRunning ? [...done, ...running] : done, direction: "minimize", trialNumber });
        return Math.abs((p["x"] as number) - 0.5) < 0.03;
      }).length;
    const without = near(false);
    const withLiar = near(true);
    assert.ok(withLiar < without, `proposals within 0.03 of the running trials: ${withLiar} of 60 with the liar, ${without} without`);
  });

  test("in a conditional space a layer's parameters are learnt from the trials that hold it, the best of them being good", () => {
    const space: SearchSpace = {
      layers: intDistribution(1, 2),
      x1: floatDistribution(0, 1),
      x2: { ...floatDistribution(0, 1), condition: { parent: "layers", operator: ">=", value: 2 } },
    };
    // 20 one-layer trials, all better than the 20 two-layer ones, among which x2 near 0.8 is best.
    const history: FrozenTrial[] = [];
    for (let t = 0; t < 20; t++) history.push(makeTrial(t, space, { layers: 1, x1: (t + 0.5) / 20 }, t / 200));
    for (let i = 0; i < 20; i++) {
      const x2 = (i + 0.5) / 20;
      history.push(makeTrial(20 + i, space, { layers: 2, x1: 0.5, x2 }, 5 + Math.abs(x2 - 0.8)));
    }
    const sampler = new TPESampler({ seed: 4, startupTrials: 10 });
    const proposals = Array.from({ length: 40 }, (_, k) => sampler.sample({ space, trials: history, direction: "minimize", trialNumber: 40 + k }));
    const near = proposals.filter((p) => Math.abs((p["x2"] as number) - 0.8) < 0.1).length;
    assert.ok(near >= 30, `x2 within 0.1 of 0.8 in ${near} of 40 proposals`);
    assert.ok(proposals.filter((p) => p["layers"] === 1).length >= 30, "the good layer count is proposed most");
  });

  test("in a finite space it proposes points no trial holds while there are any", () => {
    const space: SearchSpace = { a: categorical([1, 2, 3]), b: categorical(["x", "y"]) };
    const sampler = new TPESampler({ seed: 1, startupTrials: 2 });
    const history: FrozenTrial[] = [];
    const seen = new Set<string>();
    for (let t = 0; t < 6; t++) {
      const params = sampler.sample({ space, trials: [...history, makeTrial(t, space, {})], direction: "minimize", trialNumber: t });
      const key = JSON.stringify(params);
      assert.ok(!seen.has(key) || t < 2, `trial ${t} repeated ${key}`);
      seen.add(key);
      history.push(makeTrial(t, space, params, (params["a"] as number) + (params["b"] === "x" ? 0 : 1)));
    }
  });
});

describe("ParzenEstimator", () => {
  test("the bandwidth follows Scott's rule c·n^(−1/(D+4)) within Optuna's magic clip [1/min(100, n+2), 1]", () => {
    assert.equal(bandwidth(0, 2), 0.5, "no observation: the clip's 1/2");
    assert.equal(bandwidth(3, 2), 0.2, "few observations: the clip's 1/(n + 2)");
    assert.ok(Math.abs(bandwidth(1000, 2) - BANDWIDTH_FACTOR * 1000 ** (-1 / 6)) < 1e-15, "many: Scott's rule");
    assert.equal(bandwidth(1e9, 1), 0.01, "never under 1/100");
    assert.ok(bandwidth(200, 6) > bandwidth(200, 2), "wider in more dimensions");
    assert.deepEqual(bandwidths(1e9, 1, [Infinity, 3, 1000]), [0.01, 1 / 3, 0.01], "an integer's kernel spans at least its cell");
  });

  test("with a bandwidth given, its components have that width", () => {
    const point = (u: number) => ({ numeric: Float64Array.of(u), categorical: new Int32Array(0) });
    const narrow = new ParzenEstimator({ numericCount: 1, choiceCounts: [] }, [point(0.5)], [1], [0.01]);
    const wide = new ParzenEstimator({ numericCount: 1, choiceCounts: [] }, [point(0.5)], [1], [0.2]);
    // Half the weight is the observation's, half the prior's (σ = 1, mass Φ(½) − Φ(−½) inside [0, 1]):
    // p(½) = ½·φ(0)/(σ·Z_σ) + ½·φ(0)/Z_1, with Z_σ = Φ(½σ⁻¹) − Φ(−½σ⁻¹).
    const phi0 = 1 / Math.sqrt(2 * Math.PI);
    const prior = (0.5 * phi0) / 0.3829249225480262;
    const expected = (sigma: number, mass: number): number => (0.5 * phi0) / (sigma * mass) + prior;
    const close = (a: number, b: number): boolean => Math.abs(a / b - 1) < 1e-5;
    assert.ok(close(Math.exp(narrow.logDensity(point(0.5))), expected(0.01, 1)), "σ = 0.01");
    assert.ok(close(Math.exp(wide.logDensity(point(0.5))), expected(0.2, 0.9875806693484477)), "σ = 0.2");
  });

  test("its density integrates to 1 over the unit interval and peaks at the observations", () => {
    const estimator = new ParzenEstimator({ numericCount: 1, choiceCounts: [] }, [0.2, 0.25, 0.9].map((u) => ({ numeric: Float64Array.of(u), categorical: new Int32Array(0) })), [1, 1, 1]);
    const n = 20_000;
    let integral = 0;
    for (let i = 0; i < n; i++) integral += Math.exp(estimator.logDensity({ numeric: Float64Array.of((i + 0.5) / n), categorical: new Int32Array(0) })) / n;
    assert.ok(Math.abs(integral - 1) < 1e-3, `∫p = ${integral}`);
    const at = (u: number): number => estimator.logDensity({ numeric: Float64Array.of(u), categorical: new Int32Array(0) });
    assert.ok(at(0.22) > at(0.55) && at(0.9) > at(0.55));
  });

  test("its categorical probabilities sum to 1 and its draws follow them", () => {
    const points = [0, 0, 2].map((c) => ({ numeric: new Float64Array(0), categorical: Int32Array.of(c) }));
    const estimator = new ParzenEstimator({ numericCount: 0, choiceCounts: [3] }, points, [1, 1, 1]);
    const p = [0, 1, 2].map((c) => Math.exp(estimator.logDensity({ numeric: new Float64Array(0), categorical: Int32Array.of(c) })));
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok((p[0] as number) > (p[2] as number) && (p[2] as number) > (p[1] as number));
    const rng = createRng("parzen-test");
    const counts = [0, 0, 0];
    for (let i = 0; i < 6000; i++) counts[estimator.sample(rng).categorical[0] as number]! += 1;
    counts.forEach((count, c) => assert.ok(Math.abs(count / 6000 - (p[c] as number)) < 0.03, `choice ${c}: ${count / 6000} vs ${p[c]}`));
  });
});

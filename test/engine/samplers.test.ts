import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { categorical, floatDistribution, intDistribution } from "../../src/engine/distributions";
import { SearchSpaceExhaustedError } from "../../src/engine/errors";
import { GridSampler } from "../../src/engine/samplers/grid";
import { RandomSampler } from "../../src/engine/samplers/random";
import type { Params, SearchSpace } from "../../src/engine/types";
import { makeTrial, runSamplerContract, simulate } from "./sampler-contract";

runSamplerContract("random", (seed) => new RandomSampler({ seed }));
runSamplerContract("random (Sobol)", (seed) => new RandomSampler({ seed, sobol: true }));
runSamplerContract("grid (shuffled)", (seed) => new GridSampler({ seed, pointsPerDimension: 4 }));

function column(samples: readonly Params[], name: string): number[] {
  return samples.map((p) => p[name] as number);
}

describe("RandomSampler", () => {
  test("draws log-scale floats uniformly in log space", () => {
    const space: SearchSpace = { lr: floatDistribution(1e-6, 1, { log: true }) };
    const values = column(simulate(new RandomSampler({ seed: 1 }), space, 600).samples, "lr");
    // Each decade 1e-6…1 holds a sixth of the mass: expected 100 per decade.
    for (let decade = -6; decade < 0; decade++) {
      const count = values.filter((v) => v >= 10 ** decade && v < 10 ** (decade + 1)).length;
      assert.ok(count > 60 && count < 140, `decade 1e${decade} holds ${count} of 600 draws, expected about 100`);
    }
  });

  test("gives every int and every choice about the same share", () => {
    const space: SearchSpace = { n: intDistribution(0, 4), c: categorical(["a", 1, false]) };
    const samples = simulate(new RandomSampler({ seed: 2 }), space, 600).samples;
    for (let n = 0; n <= 4; n++) {
      const count = samples.filter((p) => p["n"] === n).length;
      assert.ok(count > 80 && count < 160, `n=${n} drawn ${count} times of 600, expected about 120`);
    }
    for (const choice of ["a", 1, false]) {
      const count = samples.filter((p) => p["c"] === choice).length;
      assert.ok(count > 150 && count < 250, `choice ${String(choice)} drawn ${count} times of 600, expected about 200`);
    }
  });

  test("with sobol, the first 2^k trials stratify every dimension", () => {
    const space: SearchSpace = { a: floatDistribution(0, 1), b: floatDistribution(0, 1), c: floatDistribution(0, 1) };
    const samples = simulate(new RandomSampler({ seed: 4, sobol: true }), space, 16).samples;
    for (const name of ["a", "b", "c"]) {
      const cells = column(samples, name).map((v) => Math.floor(v * 16)).sort((x, y) => x - y);
      assert.deepEqual(cells, Array.from({ length: 16 }, (_, i) => i), `${name} must have one point in each sixteenth`);
    }
  });

  test("with sobol, parameters suggested one at a time get distinct dimensions", () => {
    const sampler = new RandomSampler({ seed: 9, sobol: true });
    const a = floatDistribution(0, 1);
    const running = makeTrial(0, {}, {});
    const first = sampler.sample({ space: { a }, trials: [running], direction: "minimize", trialNumber: 0 });
    const withA = { ...running, params: first, distributions: { a } };
    const second = sampler.sample({ space: { b: a }, trials: [withA], direction: "minimize", trialNumber: 0 });
    assert.notEqual(second["b"], first["a"]);
  });
});

describe("GridSampler", () => {
  const space: SearchSpace = {
    units: categorical([16, 32, 64]),
    layers: intDistribution(1, 2),
    rate: floatDistribution(0, 0.2, { step: 0.1 }),
  };

  test("visits every combination exactly once, then reports exhaustion", () => {
    for (const seed of [undefined, 3]) {
      const sampler = new GridSampler(seed === undefined ? {} : { seed });
      assert.equal(sampler.size(space), 18);
      const run = simulate(sampler, space, 30);
      assert.equal(run.exhausted, true);
      assert.equal(run.samples.length, 18);
      assert.equal(new Set(run.samples.map((p) => JSON.stringify(p))).size, 18);
    }
  });

  test("without a seed the order is the natural one; with a seed it is shuffled", () => {
    const ordered = simulate(new GridSampler(), space, 3).samples;
    assert.deepEqual(ordered, [
      { units: 16, layers: 1, rate: 0 },
      { units: 16, layers: 1, rate: 0.1 },
      { units: 16, layers: 1, rate: 0.2 },
    ]);
    const shuffled = simulate(new GridSampler({ seed: 1 }), space, 18).samples;
    assert.notDeepEqual(shuffled.slice(0, 3), ordered);
  });

  test("skips combinations held by earlier trials (resume)", () => {
    const sampler = new GridSampler();
    const done = [makeTrial(0, space, { units: 16, layers: 1, rate: 0 }, 1), makeTrial(1, space, { units: 16, layers: 1, rate: 0.1 }, 2)];
    const params = sampler.sample({ space, trials: [...done, makeTrial(2, space, {})], direction: "minimize", trialNumber: 2 });
    assert.deepEqual(params, { units: 16, layers: 1, rate: 0.2 });
  });

  test("a continuous float needs values or pointsPerDimension, and says so", () => {
    const continuous: SearchSpace = { lr: floatDistribution(1e-4, 1e-1, { log: true }) };
    const context = { space: continuous, trials: [], direction: "minimize" as const, trialNumber: 0 };
    assert.throws(() => new GridSampler().sample(context), /"lr" is a continuous float.*pointsPerDimension/);
    const logGrid = simulate(new GridSampler({ pointsPerDimension: 4 }), continuous, 10);
    assert.equal(logGrid.exhausted, true);
    const values = column(logGrid.samples, "lr");
    [1e-4, 1e-3, 1e-2, 1e-1].forEach((expected, i) => assert.ok(Math.abs((values[i] as number) / expected - 1) < 1e-9));
    const explicit = new GridSampler({ values: { lr: [0.001, 0.01] } });
    assert.deepEqual(simulate(explicit, continuous, 5).samples, [{ lr: 0.001 }, { lr: 0.01 }]);
    assert.throws(() => new GridSampler({ values: { lr: [2] } }).sample(context), /must lie in its distribution.*got 2/);
  });

  test("refuses a grid too large to enumerate", () => {
    const huge: SearchSpace = { a: intDistribution(0, 9999), b: intDistribution(0, 9999) };
    assert.throws(() => new GridSampler().size(huge), /100000000 combinations/);
  });

  test("exhaustion is a SearchSpaceExhaustedError naming the size", () => {
    const tiny: SearchSpace = { c: categorical(["x"]) };
    const sampler = new GridSampler();
    const trials = [makeTrial(0, tiny, { c: "x" }, 0), makeTrial(1, tiny, {})];
    assert.throws(
      () => sampler.sample({ space: tiny, trials, direction: "minimize", trialNumber: 1 }),
      (error: unknown) => error instanceof SearchSpaceExhaustedError && error.size === 1 && /exhausted.*all 1 combinations/.test(error.message),
    );
  });
});

/**
 * The contract every sampler must satisfy (see `Sampler` in src/engine/types.ts), as a reusable
 * suite: `runSamplerContract("random", (seed) => new RandomSampler({ seed }))`.
 *
 * Each case simulates a sequential study: the sampler is asked for trial t with the earlier trials
 * complete (valued by a fixed synthetic objective) and trial t itself running, so model-based
 * samplers are exercised past their start-up phase. A sampler may end a finite space by throwing
 * `SearchSpaceExhaustedError`. In a conditional space the simulation does what the study does:
 * the parameters a trial's values make inactive are dropped before it is stored.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { categorical, contains, fixed, floatDistribution, intDistribution, toUnit } from "../../src/engine/distributions";
import { SearchSpaceExhaustedError } from "../../src/engine/errors";
import { activeNames, activeParams, activeSpace } from "../../src/engine/conditions";
import type { FrozenTrial, Params, ParamValue, Sampler, SamplingContext, SearchSpace, StudyDirection } from "../../src/engine/types";

/** Options of {@link runSamplerContract}. */
export interface SamplerContractOptions {
  /** Trials simulated per search space (default 12); raise it past a model-based sampler's start-up. */
  readonly trials?: number;
  /** Per-test timeout in milliseconds (default 60 000). */
  readonly timeout?: number;
}

/** The search spaces of the contract, by what they exercise. */
export const CONTRACT_SPACES: Readonly<Record<string, SearchSpace>> = {
  "uniform floats": { x: floatDistribution(-5, 10), y: floatDistribution(0, 1) },
  "log scales": { lr: floatDistribution(1e-5, 1e-1, { log: true }), units: intDistribution(1, 1024, { log: true }) },
  "steps": { rate: floatDistribution(0, 1, { step: 0.1 }), k: intDistribution(-10, 10, { step: 5 }) },
  "ints": { n: intDistribution(1, 100), m: intDistribution(-3, 3) },
  "categoricals of mixed JSON values": { c: categorical(["relu", 3, true, null, 2.5, false]), d: categorical(["a", "b"]) },
  "fixed": { optimizer: fixed("adam"), x: floatDistribution(0, 1) },
  "mixed": {
    lr: floatDistribution(1e-4, 1, { log: true }),
    dropout: floatDistribution(0, 0.5, { step: 0.05 }),
    units: intDistribution(8, 256, { log: true }),
    layers: intDistribution(1, 4),
    activation: categorical(["relu", "tanh", "elu"]),
    bias: categorical([true, false]),
    epochs: fixed(5),
    x: floatDistribution(-1, 1),
  },
};

/**
 * Conditional search spaces (a parameter active only when a test on an earlier one holds), by
 * what they exercise: a numeric parent with a chain (units3 needs units2's parent active too), a
 * categorical parent with `in`, and a finite space where only the distinct configurations count.
 */
export const CONDITIONAL_SPACES: Readonly<Record<string, SearchSpace>> = {
  "layers and widths": {
    layers: intDistribution(1, 3),
    units1: intDistribution(8, 128, { log: true }),
    units2: { ...intDistribution(8, 128, { log: true }), condition: { parent: "layers", operator: ">=", value: 2 } },
    units3: { ...intDistribution(8, 128, { log: true }), condition: { parent: "layers", operator: ">=", value: 3 } },
    lr: floatDistribution(1e-4, 1e-1, { log: true }),
  },
  "a choice of optimizer": {
    optimizer: categorical(["sgd", "adam", "rmsprop"]),
    momentum: { ...floatDistribution(0, 0.99), condition: { parent: "optimizer", operator: "==", value: "sgd" } },
    beta1: { ...floatDistribution(0.8, 0.999), condition: { parent: "optimizer", operator: "in", values: ["adam", "rmsprop"] } },
    nesterov: { ...categorical([true, false]), condition: { parent: "momentum", operator: ">", value: 0.5 } },
  },
  "a finite conditional space": {
    layers: intDistribution(1, 2),
    width1: categorical([16, 32]),
    width2: { ...categorical([16, 32, 64]), condition: { parent: "layers", operator: "==", value: 2 } },
  },
};

/** A synthetic objective of the unit-interval positions: Σ (u − 0.3)² over the parameters present, smallest near 0.3 of each range. */
export function contractObjective(space: SearchSpace, params: Params): number {
  let total = 0;
  for (const [name, dist] of Object.entries(space)) if (name in params) total += (toUnit(dist, params[name] as ParamValue) - 0.3) ** 2;
  return total;
}

/** A frozen trial for tests. */
export function makeTrial(number: number, space: SearchSpace, params: Params, value?: number): FrozenTrial {
  const base = {
    number,
    params,
    distributions: value === undefined ? {} : activeSpace(space, params),
    metrics: value === undefined ? {} : { value },
    intermediateValues: [],
    userAttrs: {},
    startedAt: 0,
  };
  return value === undefined ? { ...base, state: "running" } : { ...base, state: "complete", value, completedAt: 1 };
}

interface Simulation {
  readonly contexts: SamplingContext[];
  readonly samples: Params[];
  readonly exhausted: boolean;
}

/** Runs a sequential study of up to `trials` trials with `sampler`, keeping every context and sample. */
export function simulate(
  sampler: Sampler,
  space: SearchSpace,
  trials: number,
  direction: StudyDirection = "minimize",
): Simulation {
  const history: FrozenTrial[] = [];
  const contexts: SamplingContext[] = [];
  const samples: Params[] = [];
  for (let t = 0; t < trials; t++) {
    const context: SamplingContext = {
      space,
      trials: [...history, makeTrial(t, space, {})],
      direction,
      trialNumber: t,
    };
    let params: Params;
    try {
      params = sampler.sample(context);
    } catch (error) {
      if (error instanceof SearchSpaceExhaustedError) return { contexts, samples, exhausted: true };
      throw error;
    }
    contexts.push(context);
    samples.push(params);
    // As the study does: the trial holds only the parameters active in the sample.
    const held = activeParams(space, params);
    history.push(makeTrial(t, space, held, contractObjective(space, held)));
  }
  return { contexts, samples, exhausted: false };
}

function assertValid(space: SearchSpace, params: Params, where: string): void {
  assert.deepEqual(Object.keys(params).sort(), Object.keys(space).sort(), `${where}: the parameters must be exactly the space's`);
  for (const [name, dist] of Object.entries(space)) {
    const value = params[name];
    assert.ok(contains(dist, value), `${where}: ${name}=${JSON.stringify(value)} must lie in ${JSON.stringify(dist)}`);
    if (dist.kind === "int") assert.ok(Number.isInteger(value), `${where}: ${name}=${String(value)} must be an integer`);
    if (dist.kind === "float") assert.equal(typeof value, "number", `${where}: ${name} must be a number`);
    if (dist.kind === "float" && dist.log) assert.ok((value as number) > 0, `${where}: ${name} on a log scale must be > 0`);
    if (dist.kind === "categorical") {
      const match = dist.choices.find((choice) => choice === value);
      assert.equal(typeof value, typeof match, `${where}: ${name} must keep its choice's JSON type`);
    }
    if (dist.kind === "fixed") assert.equal(value, dist.value, `${where}: fixed ${name} must be ${String(dist.value)}`);
  }
}

/**
 * Registers the contract tests for a sampler. `makeSampler(seed)` must return a fresh sampler
 * whose randomness comes from `seed` only.
 */
export function runSamplerContract(
  name: string,
  makeSampler: (seed: number) => Sampler,
  options: SamplerContractOptions = {},
): void {
  const trials = options.trials ?? 12;
  const timeout = options.timeout ?? 60_000;

  describe(`sampler contract: ${name}`, () => {
    for (const [label, space] of Object.entries(CONTRACT_SPACES)) {
      test(`${label}: every value lies in its distribution and keeps its type`, { timeout }, () => {
        for (const direction of ["minimize", "maximize"] as const) {
          const run = simulate(makeSampler(3), space, trials, direction);
          assert.ok(run.samples.length > 0, "the sampler must produce at least one trial");
          if (run.exhausted) {
            const distinct = new Set(run.samples.map((p) => JSON.stringify(p)));
            assert.equal(distinct.size, run.samples.length, "a sampler that reports exhaustion must not have repeated a point");
          }
          run.samples.forEach((params, t) => assertValid(space, params, `${label}, ${direction}, trial ${t}`));
        }
      });
    }

    test("the same seed gives the same trials", { timeout }, () => {
      for (const [label, space] of Object.entries(CONTRACT_SPACES)) {
        const first = simulate(makeSampler(11), space, trials).samples;
        const second = simulate(makeSampler(11), space, trials).samples;
        assert.deepEqual(second, first, `${label}: two samplers with seed 11 must agree`);
      }
    });

    test("different seeds give different trials", { timeout }, () => {
      for (const label of ["uniform floats", "mixed"]) {
        const space = CONTRACT_SPACES[label] as SearchSpace;
        const a = simulate(makeSampler(1), space, trials).samples;
        const b = simulate(makeSampler(2), space, trials).samples;
        assert.notDeepEqual(a, b, `${label}: seeds 1 and 2 must not give identical trials`);
      }
    });

    test("a sample depends only on the seed, the context and the trial number, not on call history", { timeout }, () => {
      const space = CONTRACT_SPACES["mixed"] as SearchSpace;
      const run = simulate(makeSampler(5), space, trials);
      const fresh = makeSampler(5);
      // Asked in reverse order, and each twice, a fresh sampler must repeat every answer.
      for (let t = run.contexts.length - 1; t >= 0; t--) {
        const context = run.contexts[t] as SamplingContext;
        assert.deepEqual(fresh.sample(context), run.samples[t], `trial ${t} asked out of order`);
        assert.deepEqual(fresh.sample(context), run.samples[t], `trial ${t} asked again`);
      }
    });

    test("a history with failed, pruned and pending (running) trials is handled", { timeout }, () => {
      for (const label of ["mixed", "uniform floats"]) {
        const space = CONTRACT_SPACES[label] as SearchSpace;
        const run = simulate(makeSampler(13), space, trials);
        // Recast the history: every third trial failed (no value), every fifth pruned, the last two pending.
        const history: FrozenTrial[] = run.samples.map((params, t) => {
          const trial = makeTrial(t, space, params, contractObjective(space, params));
          if (t >= run.samples.length - 2) return { ...makeTrial(t, space, params), distributions: space };
          if (t % 3 === 1) {
            const { value: _dropped, ...rest } = trial;
            return { ...rest, state: "failed", metrics: {}, error: "objective returned NaN" };
          }
          if (t % 5 === 4) return { ...trial, state: "pruned" };
          return trial;
        });
        const trialNumber = history.length;
        const context: SamplingContext = {
          space,
          trials: [...history, makeTrial(trialNumber, space, {})],
          direction: "minimize",
          trialNumber,
        };
        const params = makeSampler(13).sample(context);
        assertValid(space, params, `${label}, after a mixed history`);
        assert.deepEqual(makeSampler(13).sample(context), params, `${label}: the same context gives the same sample`);
      }
    });

    for (const [label, space] of Object.entries(CONDITIONAL_SPACES)) {
      test(`conditional, ${label}: every active parameter is sampled within its distribution, from histories with absent ones`, { timeout }, () => {
        const run = simulate(makeSampler(3), space, Math.max(trials, 16));
        assert.ok(run.samples.length > 0, "the sampler must produce at least one trial");
        const seen = new Set<string>();
        run.samples.forEach((params, t) => {
          const active = activeNames(space, params);
          for (const name of active) seen.add(name);
          assert.ok(Object.keys(params).every((name) => name in space), `trial ${t}: only the space's parameters`);
          assertValid(activeSpace(space, params), activeParams(space, params), `${label}, trial ${t}`);
        });
        // Each parameter whose condition tests an always-present parent is active in some trial:
        // no sampler loses the conditional parameters. (Absent in another too, except that a grid
        // of distinct configurations rightly holds few without them: 1 in 13 for layers = 1.)
        const held = run.samples.map((params) => activeParams(space, params));
        const firstLevel = Object.keys(space).filter((n) => {
          const condition = space[n]!.condition;
          return condition !== undefined && space[condition.parent]!.condition === undefined;
        });
        for (const name of firstLevel) {
          assert.ok(held.some((p) => name in p), `${label}: "${name}" must be active in some trial`);
        }
        if (run.exhausted) {
          const distinct = new Set(held.map((p) => JSON.stringify(p)));
          assert.equal(distinct.size, held.length, "a sampler that reports exhaustion must not have repeated a configuration");
        }
      });
    }

    test("conditional: the same seed gives the same trials, and a resumed study asks the same", { timeout }, () => {
      for (const [label, space] of Object.entries(CONDITIONAL_SPACES)) {
        const run = simulate(makeSampler(7), space, trials);
        assert.deepEqual(simulate(makeSampler(7), space, trials).samples, run.samples, `${label}: two samplers with seed 7 must agree`);
        const fresh = makeSampler(7);
        for (let t = run.contexts.length - 1; t >= 0; t--) {
          assert.deepEqual(fresh.sample(run.contexts[t] as SamplingContext), run.samples[t], `${label}: trial ${t} asked again from its stored history`);
        }
      }
    });

    test("a space of one point is sampled at that point", { timeout }, () => {
      const space: SearchSpace = { f: fixed(true), g: floatDistribution(2, 2), h: intDistribution(7, 7), c: categorical(["only"]) };
      const params = makeSampler(0).sample({ space, trials: [makeTrial(0, space, {})], direction: "minimize", trialNumber: 0 });
      assert.deepEqual(params, { f: true, g: 2, h: 7, c: "only" });
    });
  });
}

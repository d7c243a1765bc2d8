/** `--strategy auto`: the rule, its reasons, the planned hand-over, and the sampler it makes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseStrategy, GP_MAX_TRIALS } from "../../../src/magic/tune/auto-strategy";
import { makeSampler } from "../../../src/magic/tune/study-setup";
import { SwitchingSampler } from "../../../src/engine/samplers/switching";
import { RandomSampler } from "../../../src/engine/samplers";
import { categorical, fixed, floatDistribution, intDistribution } from "../../../src/engine/distributions";
import type { Params, Sampler, SamplingContext, SearchSpace } from "../../../src/engine/types";

const numeric = (n: number): SearchSpace => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x${i}`, floatDistribution(0, 1)]));

test("a finite space the budget covers is searched as a grid, otherwise not", () => {
  const small = { units: categorical([16, 32, 64]), layers: intDistribution(1, 3) };
  const choice = chooseStrategy(small, 20);
  assert.equal(choice.strategy, "grid");
  assert.match(choice.reason, /9 points and the budget of 20 trials covers them all/);
  assert.notEqual(chooseStrategy(small, 8).strategy, "grid");
});

test("few numeric parameters: the GP, handing over to TPE past its trial limit", () => {
  const space = { lr: floatDistribution(1e-4, 1e-1, { log: true }), units: intDistribution(16, 256, { log: true }), act: categorical(["relu", "tanh"]) };
  const modest = chooseStrategy(space, 30);
  assert.equal(modest.strategy, "bayes");
  assert.equal(modest.switchTo, undefined);
  assert.match(modest.reason, /2 numeric parameters and 1 choice and 30 trials: the Gaussian process/);
  const long = chooseStrategy(space, 1000);
  assert.equal(long.strategy, "bayes");
  assert.deepEqual({ strategy: long.switchTo?.strategy, at: long.switchTo?.atTrial }, { strategy: "tpe", at: GP_MAX_TRIALS });
  assert.match(long.reason, new RegExp(`from trial ${GP_MAX_TRIALS} on, TPE takes over`));
});

test("a conditional space follows the same rule: few numeric parameters go to the GP, which imputes the absent ones", () => {
  const space: SearchSpace = {
    layers: intDistribution(1, 3),
    units1: intDistribution(16, 256, { log: true }),
    units2: { ...intDistribution(16, 256, { log: true }), condition: { parent: "layers", operator: ">=", value: 2 } },
    lr: floatDistribution(1e-4, 1e-1, { log: true }),
  };
  const choice = chooseStrategy(space, 40);
  assert.equal(choice.strategy, "bayes");
  assert.match(choice.reason, /4 numeric parameters and 40 trials: the Gaussian process finds good values in the fewest trials \(it imputes the 1 conditional one where absent\)/);
  const choices: SearchSpace = { ...space, act: categorical(["relu", "tanh"]), opt: categorical(["adam", "sgd"]), init: categorical(["he", "glorot"]), norm: categorical([true, false]) };
  assert.equal(chooseStrategy(choices, 40).strategy, "tpe", "mostly choices: still TPE");
});

test("mostly choices: TPE; many numeric dimensions: CMA-ES with budget, else TPE; all fixed: random", () => {
  const choices = { a: categorical(["x", "y", "z"]), b: categorical([1, 2, 3, 4]), lr: floatDistribution(0, 1) };
  assert.equal(chooseStrategy(choices, 50).strategy, "tpe");
  assert.equal(chooseStrategy(numeric(12), 200).strategy, "cmaes");
  assert.equal(chooseStrategy(numeric(12), 60).strategy, "tpe");
  assert.equal(chooseStrategy({ a: fixed(1), b: floatDistribution(0, 1) }, 20).strategy, "bayes");
  assert.equal(chooseStrategy({ lr: floatDistribution(0, 1) }, 20).reason.startsWith("1 numeric parameter and 20 trials"), true);
  assert.equal(chooseStrategy({ lr: floatDistribution(0, 1) }, 20, "hyperband").strategy, "bohb");
  assert.equal(chooseStrategy({ lr: floatDistribution(0, 1) }, 20, "asha").strategy, "bayes");
});

test("a planned hand-over makes a switching sampler that says when it switches, by trial number", () => {
  const messages: string[] = [];
  const sampler = makeSampler({ strategy: "bayes", strategySwitch: { strategy: "tpe", atTrial: 5, reason: "why" } }, 3, 50, (m) => messages.push(m));
  assert.ok(sampler instanceof SwitchingSampler);
  assert.equal(sampler.name, "gp→tpe");
  assert.equal(sampler.samplerFor(4).name, "gp");
  assert.equal(sampler.samplerFor(5).name, "tpe");
  assert.throws(() => makeSampler({ strategy: "auto" }, 1, 20), /must be resolved/);
});

test("SwitchingSampler delegates by trial number and announces the hand-over once", () => {
  const calls: string[] = [];
  const recording = (name: string): Sampler => ({ name, sample: (context: SamplingContext): Params => (calls.push(`${name}:${context.trialNumber}`), { x: 0.5 }) });
  const messages: string[] = [];
  const sampler = new SwitchingSampler({ first: recording("a"), then: recording("b"), at: 2, onSwitch: (m) => messages.push(m), reason: "test" });
  const context = (trialNumber: number): SamplingContext => ({ space: { x: floatDistribution(0, 1) }, trials: [], direction: "minimize", trialNumber });
  for (const n of [0, 1, 2, 3]) sampler.sample(context(n));
  assert.deepEqual(calls, ["a:0", "a:1", "b:2", "b:3"]);
  assert.deepEqual(messages, ["Trial 2: switching from a to b (test)."]);
  assert.throws(() => new SwitchingSampler({ first: new RandomSampler(), then: new RandomSampler(), at: 0 }), /`at` must be a positive integer/);
});

/**
 * Population-based training's pure decisions (src/engine/pbt): truncation selection, explore
 * within the distributions, the seeded plan of a round, and which parameters are perturbable.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../src/common/random";
import { categorical, contains, floatDistribution, intDistribution } from "../../src/engine/distributions";
import { exploreParams, initialPopulation, perturbableParams, planNextRound, truncationSelection, type RoundInput } from "../../src/engine/pbt";
import type { Params, SearchSpace } from "../../src/engine/types";

const SPACE: SearchSpace = {
  units: intDistribution(4, 64, { log: true }),
  lr: floatDistribution(1e-4, 1e-1, { log: true }),
  dropout: floatDistribution(0, 0.5),
  activation: categorical(["relu", "tanh", "elu", "selu"]),
};

/** Eight members with distinct parameters. */
function population(): Params[] {
  return Array.from({ length: 8 }, (_, m) => ({ units: 8 + m, lr: 1e-3 * (m + 1), dropout: 0.05 * m, activation: ["relu", "tanh", "elu", "selu"][m % 4]! }));
}

function roundInput(seed: number, values: readonly (number | undefined)[]): RoundInput {
  return { seed, round: 2, direction: "maximize", params: population(), values, space: SPACE, perturbable: ["lr", "dropout", "activation"] };
}

const VALUES = [0.71, 0.93, 0.55, 0.88, 0.62, 0.97, 0.4, 0.8];

test("truncation selection: the bottom quarter copies a member of the top quarter, in rank order", () => {
  const scores = VALUES.map((value, member) => ({ member, value }));
  const decisions = truncationSelection(scores, "maximize", 0.25, createRng(1));
  // Ranked by value (maximize): 5 (0.97), 1 (0.93) top; 2 (0.55), 6 (0.4) bottom, worst last.
  assert.deepEqual(decisions.map((d) => d.member), [2, 6]);
  for (const d of decisions) assert.ok([5, 1].includes(d.parent), `member ${d.member} copies a top member, not ${d.parent}`);
  const minimizing = truncationSelection(scores, "minimize", 0.25, createRng(1));
  assert.deepEqual(minimizing.map((d) => d.member), [1, 5]);
  for (const d of minimizing) assert.ok([6, 2].includes(d.parent));
});

test("truncation selection: failed members always copy, after the bottom quarter; all failed is an error naming it", () => {
  const scores = [0.5, undefined, 0.9, 0.7, Number.NaN, 0.6, 0.8, 0.3].map((value, member) => ({ member, value }));
  const decisions = truncationSelection(scores, "maximize", 0.25, createRng(4));
  assert.deepEqual(decisions.map((d) => d.member), [0, 7, 1, 4]);
  for (const d of decisions) assert.ok([2, 6].includes(d.parent));
  assert.throws(() => truncationSelection([{ member: 0, value: undefined }, { member: 1, value: undefined }], "minimize", 0.25, createRng(1)), /every one of the 2 members failed/);
  assert.throws(() => truncationSelection([], "minimize", 0.75, createRng(1)), /quantile must be in \(0, 0.5\], but got 0.75/);
  // Two members: the worse copies the better.
  assert.deepEqual(truncationSelection([{ member: 0, value: 1 }, { member: 1, value: 2 }], "minimize", 0.25, createRng(1)), [{ member: 1, parent: 0 }]);
});

test("explore: perturbed numbers are ×0.8 or ×1.2 within bounds, choices move to a neighbour, resampled values lie in the distribution, the rest is kept", () => {
  const params = { units: 16, lr: 0.01, dropout: 0.25, activation: "elu" };
  let perturbed = 0;
  let resampled = 0;
  for (let seed = 0; seed < 200; seed++) {
    const { params: next, changes } = exploreParams(params, SPACE, ["lr", "dropout", "activation"], createRng(seed));
    assert.equal(next["units"], 16, "architecture kept");
    for (const name of ["lr", "dropout", "activation"]) {
      assert.ok(contains(SPACE[name]!, next[name]), `${name}=${String(next[name])} in its distribution`);
      const change = changes[name];
      if (change === "resampled") {
        resampled++;
        continue;
      }
      perturbed++;
      if (name === "activation") assert.ok(["tanh", "selu"].includes(next[name] as string), `neighbour of elu, got ${String(next[name])}`);
      else assert.ok(Math.abs((next[name] as number) / (params[name as "lr"] as number) - Number(change!.slice(1))) < 1e-12, `${name} ${change}`);
    }
  }
  // p_resample = 0.25 over 600 draws: about 150.
  assert.ok(resampled > 100 && resampled < 200, `${resampled} resampled of ${resampled + perturbed}`);
  // At a bound, a number stays inside; an integer moves one step inward when the factor cannot move it.
  const atBound = exploreParams({ n: 4 }, { n: intDistribution(1, 4) }, ["n"], createRng(3), { resampleProbability: 0, factors: [1.2] });
  assert.equal(atBound.params["n"], 3);
});

test("a round's plan: the same seed and values give the same lineage and perturbations; another seed another", () => {
  const a = planNextRound(roundInput(7, VALUES));
  const b = planNextRound(roundInput(7, VALUES));
  assert.deepEqual(a, b);
  const copies = a.filter((p) => p.parent !== undefined);
  assert.deepEqual(copies.map((p) => p.member), [2, 6]);
  for (const plan of a) {
    if (plan.parent === undefined) {
      assert.deepEqual(plan.params, population()[plan.member], "members that do not copy go on unchanged");
      continue;
    }
    assert.equal(plan.params["units"], population()[plan.parent]!["units"], "the copy takes its parent's architecture");
    assert.deepEqual(Object.keys(plan.changes).sort(), ["activation", "dropout", "lr"]);
  }
  const others = Array.from({ length: 10 }, (_, k) => JSON.stringify(planNextRound(roundInput(100 + k, VALUES))));
  assert.ok(others.some((plan) => plan !== JSON.stringify(a)), "the seed changes the draws");
  // Another value ranking changes who copies.
  const swapped = planNextRound(roundInput(7, [...VALUES].reverse()));
  assert.deepEqual(swapped.filter((p) => p.parent !== undefined).map((p) => p.member), [1, 5]);
});

test("perturbable: learning rate, dropout, weight decay and batch size by name, and parameters marked mutable; never fixed ones", () => {
  const space: SearchSpace = {
    units: intDistribution(4, 64),
    learningRate: floatDistribution(1e-4, 1e-1, { log: true }),
    dropout1: floatDistribution(0, 0.5),
    weight_decay: floatDistribution(0, 0.1),
    batchSize: categorical([16, 32, 64]),
    momentum: floatDistribution(0.5, 0.99),
    l2: { kind: "fixed", value: 0.01 },
  };
  assert.deepEqual(perturbableParams(space), ["learningRate", "dropout1", "weight_decay", "batchSize"]);
  assert.deepEqual(perturbableParams(space, ["momentum", "l2"]), ["learningRate", "dropout1", "weight_decay", "batchSize", "momentum"]);
});

test("the first population: seeded draws inside the space, as many members as asked even from a space of fewer points", () => {
  const members = initialPopulation(SPACE, 8, 3);
  assert.deepEqual(initialPopulation(SPACE, 8, 3), members);
  assert.notDeepEqual(initialPopulation(SPACE, 8, 4), members);
  for (const params of members) for (const [name, dist] of Object.entries(SPACE)) assert.ok(contains(dist, params[name]), `${name}=${String(params[name])}`);
  const small = initialPopulation({ units: categorical([4, 8]) }, 6, 1);
  assert.equal(small.length, 6);
  assert.ok(small.every((p) => [4, 8].includes(p["units"] as number)));
});

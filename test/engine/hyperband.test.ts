/** Hyperband: the bracket arithmetic against the paper, bracket assignment, pruning within a bracket, resume from a journal. */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { HyperbandPruner, bracketCycle, hyperbandBrackets } from "../../src/engine/pruners/hyperband";
import { SuccessiveHalvingPruner } from "../../src/engine/pruners/asha";
import { floatDistribution } from "../../src/engine/distributions";
import { JournalStorage } from "../../src/engine/storage/journal";
import { createStudy, TrialPruned, type Objective } from "../../src/engine/index";
import { RandomSampler } from "../../src/engine/samplers/random";
import type { FrozenTrial, IntermediateValue, TrialState } from "../../src/engine/types";

function trial(number: number, state: TrialState, curve: readonly number[]): FrozenTrial {
  const intermediateValues: IntermediateValue[] = curve.map((value, step) => ({ step, value }));
  return { number, state, params: {}, distributions: {}, metrics: {}, intermediateValues, userAttrs: {} };
}

describe("hyperbandBrackets", () => {
  test("R = 81, η = 3 gives the table of Li et al. (2018), §3.3: n_i and r_i per round of brackets s = 4 … 0", () => {
    const brackets = hyperbandBrackets({ minResource: 1, maxResource: 81, reductionFactor: 3 });
    const table = brackets.map((b) => ({ s: b.s, rounds: b.rounds.map((r) => [r.trials, r.resource]) }));
    assert.deepEqual(table, [
      { s: 4, rounds: [[81, 1], [27, 3], [9, 9], [3, 27], [1, 81]] },
      { s: 3, rounds: [[34, 3], [11, 9], [3, 27], [1, 81]] },
      { s: 2, rounds: [[15, 9], [5, 27], [1, 81]] },
      { s: 1, rounds: [[8, 27], [2, 81]] },
      { s: 0, rounds: [[5, 81]] },
    ]);
    assert.deepEqual(brackets.map((b) => b.id), [0, 1, 2, 3, 4], "bracket id k = s_max − s");
  });

  test("the resource range sets the number of brackets; rungs stay on minResource·η^(k+i) below maxResource", () => {
    const brackets = hyperbandBrackets({ minResource: 2, maxResource: 20, reductionFactor: 3 });
    // s_max = ⌊log_3(20 / 2)⌋ = 2.
    assert.deepEqual(brackets.map((b) => b.rounds.map((r) => r.resource)), [[2, 6, 20], [6, 20], [20]]);
    assert.equal(hyperbandBrackets({ maxResource: 1 }).length, 1, "one step of training: a single bracket that never prunes");
  });

  test("bad options are named with the rule they break", () => {
    assert.throws(() => hyperbandBrackets({ minResource: 5, maxResource: 3 }), /`maxResource >= minResource` must hold, but got \(minResource=5, maxResource=3\)/);
    assert.throws(() => new HyperbandPruner({ maxResource: 9, reductionFactor: 1 }), /`reductionFactor` must be an integer >= 2, but got reductionFactor=1/);
    assert.throws(() => new HyperbandPruner({ maxResource: 9, minResource: 0 }), /`minResource > 0` must hold/);
  });
});

describe("bracket assignment", () => {
  const pruner = new HyperbandPruner({ maxResource: 81, reductionFactor: 3 });

  test("over one cycle each bracket gets as many trials as its first round's n", () => {
    const cycle = bracketCycle(pruner.brackets);
    assert.equal(cycle.length, 81 + 34 + 15 + 8 + 5);
    const counts = pruner.brackets.map((b) => cycle.filter((id) => id === b.id).length);
    assert.deepEqual(counts, [81, 34, 15, 8, 5]);
  });

  test("in the paper's order: bracket s_max's n trials first, then s_max − 1's, …, then the loop repeats", () => {
    const small = new HyperbandPruner({ maxResource: 9, reductionFactor: 3 });
    // R = 9, η = 3: n = 9, 5, 3 for s = 2, 1, 0 (Li et al., 2018, Algorithm 1's outer loop).
    const expected = [...new Array(9).fill(0), ...new Array(5).fill(1), ...new Array(3).fill(2)];
    assert.deepEqual(Array.from({ length: 17 }, (_, t) => small.bracketOf(t)), expected);
    assert.deepEqual(Array.from({ length: 17 }, (_, t) => small.bracketOf(17 + t)), expected, "the next cycle starts again with the most exploratory bracket");
  });

  test("depends on the trial number alone: another pruner object agrees, and the cycle repeats", () => {
    const other = new HyperbandPruner({ maxResource: 81, reductionFactor: 3 });
    for (let t = 0; t < 300; t++) assert.equal(other.bracketOf(t), pruner.bracketOf(t));
    assert.equal(pruner.bracketOf(143 + 7), pruner.bracketOf(7));
    assert.throws(() => pruner.bracketOf(-1), /expected a trial number \(a non-negative integer\), but got -1/);
  });
});

describe("HyperbandPruner.shouldPrune", () => {
  // maxResource 9, η 3: bracket 0 has rungs at steps 1 and 3, bracket 1 at 3, bracket 2 none.
  const pruner = new HyperbandPruner({ maxResource: 9, reductionFactor: 3 });
  const inBracket = (id: number, count: number): number[] => {
    const numbers: number[] = [];
    for (let t = 0; numbers.length < count; t++) if (pruner.bracketOf(t) === id) numbers.push(t);
    return numbers;
  };

  test("a trial is compared only with the trials of its own bracket", () => {
    const [a, b, c] = inBracket(0, 3) as [number, number, number];
    const [x, y] = inBracket(1, 2) as [number, number];
    // Trials of bracket 1 that are better at step 1 do not count against a trial of bracket 0.
    const others = [trial(x, "complete", [0.1, 0.1, 0.1, 0.1]), trial(y, "complete", [0.2, 0.2, 0.2, 0.2])];
    const current = trial(c, "running", [0.9, 0.9]);
    assert.equal(pruner.shouldPrune({ trial: current, trials: [...others, current], direction: "minimize" }), false);
    // Two peers of its own bracket that are better at step 1: not among the best ⌊3/3⌋ = 1, pruned.
    const peers = [trial(a, "pruned", [0.3, 0.3]), trial(b, "complete", [0.4, 0.4, 0.4, 0.4])];
    assert.equal(pruner.shouldPrune({ trial: current, trials: [...others, ...peers, current], direction: "minimize" }), true);
    // The same decision as a plain ASHA over the bracket's trials.
    const asha = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3, minEarlyStoppingRate: 0, maxResource: 9 });
    assert.equal(asha.shouldPrune({ trial: current, trials: [...peers, current], direction: "minimize" }), true);
  });

  test("bracket 1 first judges at step 3; the last bracket never prunes a finite curve", () => {
    const [a, b, c] = inBracket(1, 3) as [number, number, number];
    const peers = [trial(a, "complete", [0.1, 0.1, 0.1, 0.1]), trial(b, "complete", [0.2, 0.2, 0.2, 0.2])];
    const atStep1 = trial(c, "running", [0.9, 0.9]);
    assert.equal(pruner.shouldPrune({ trial: atStep1, trials: [...peers, atStep1], direction: "minimize" }), false, "no rung at step 1");
    const atStep3 = trial(c, "running", [0.9, 0.9, 0.9, 0.9]);
    assert.equal(pruner.shouldPrune({ trial: atStep3, trials: [...peers, atStep3], direction: "minimize" }), true);
    const [p, q, r] = inBracket(2, 3) as [number, number, number];
    const best = [trial(p, "complete", new Array(9).fill(0.1)), trial(q, "complete", new Array(9).fill(0.2))];
    const worst = trial(r, "running", new Array(9).fill(5));
    assert.equal(pruner.shouldPrune({ trial: worst, trials: [...best, worst], direction: "minimize" }), false);
  });
});

describe("HyperbandPruner.shouldPrune when R is not a power of η", () => {
  // maxResource 20, η 3: s_max = 2, rounds to steps 1, 3 and 20 (bracket 0), 3 and 20 (1), 20 (2).
  const pruner = new HyperbandPruner({ maxResource: 20, reductionFactor: 3 });
  const numbersOf = (id: number): number[] => Array.from({ length: 17 }, (_, t) => t).filter((t) => pruner.bracketOf(t) === id);

  test("a bracket judges only its rounds' rungs: none at step 9, so the last bracket trains every trial to R", () => {
    assert.deepEqual(pruner.brackets.map((b) => b.rounds.map((r) => r.resource)), [[1, 3, 20], [3, 20], [20]]);
    for (const id of [0, 1, 2]) {
      const [a, b, c] = numbersOf(id) as [number, number, number];
      const good = [trial(a, "complete", new Array(20).fill(0.1)), trial(b, "complete", new Array(20).fill(0.2))];
      // Worse than both peers everywhere: judged at its bracket's rungs below 9 only.
      const atStep9 = trial(c, "running", [...new Array(3).fill(0.05), ...new Array(7).fill(5)]);
      assert.equal(pruner.shouldPrune({ trial: atStep9, trials: [...good, atStep9], direction: "minimize" }), false, `bracket ${id}: no rung at step 9`);
    }
    const [a, b, c] = numbersOf(1) as [number, number, number];
    const good = [trial(a, "complete", new Array(20).fill(0.1)), trial(b, "complete", new Array(20).fill(0.2))];
    const atStep3 = trial(c, "running", [0.05, 0.05, 0.05, 5]);
    assert.equal(pruner.shouldPrune({ trial: atStep3, trials: [...good, atStep3], direction: "minimize" }), true, "bracket 1 judges at step 3");
  });
});

describe("a Hyperband study in a journal", () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-hyperband-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const space = { x: floatDistribution(0, 1) };
  const MAX = 9;

  /** A learning curve that improves with steps and is better for small x; records the bracket. */
  const objective =
    (pruner: HyperbandPruner): Objective =>
    (live) => {
      live.setUserAttr("bracket", pruner.bracketOf(live.number));
      const x = live.params["x"] as number;
      if (live.number === 2) throw new Error("diverged"); // a failed trial: recorded, and the search goes on
      for (let step = 0; step < MAX; step++) {
        live.report(x + 1 / (step + 1), step);
        if (live.shouldPrune()) throw new TrialPruned();
      }
      return x + 1 / MAX;
    };

  test("reopened in a new Study, every trial keeps its bracket and the search continues", async () => {
    const path = join(dir, "study.jsonl");
    const firstPruner = new HyperbandPruner({ maxResource: MAX, reductionFactor: 3 });
    const first = await createStudy({ storage: JournalStorage.open(path), studyName: "hb", seed: 5, sampler: new RandomSampler({ seed: 5 }), pruner: firstPruner });
    await first.optimize(objective(firstPruner), { trials: 14, space });
    const before = first.trials;
    await first.storage.close();
    assert.ok(before.some((t) => t.state === "pruned"), "some trials were pruned");
    assert.ok(before.some((t) => t.state === "complete"));
    assert.equal(before[2]?.state, "failed");

    const pruner = new HyperbandPruner({ maxResource: MAX, reductionFactor: 3 });
    const resumed = await createStudy({ storage: JournalStorage.open(path), studyName: "hb", seed: 5, sampler: new RandomSampler({ seed: 5 }), pruner });
    assert.deepEqual(resumed.trials, before);
    for (const t of resumed.trials) assert.equal(pruner.bracketOf(t.number), t.userAttrs["bracket"], `trial ${t.number}`);
    // The stored trials lead to the same pruning decisions in the reopened study.
    for (const t of before.filter((s) => s.state === "pruned")) {
      assert.equal(pruner.shouldPrune({ trial: t, trials: before.filter((s) => s.number < t.number || s === t), direction: "minimize" }), true);
    }
    await resumed.optimize(objective(pruner), { trials: 10, space });
    assert.equal(resumed.trials.length, 24);
    assert.deepEqual(resumed.trials.slice(0, 14), before, "the first trials are kept as they were");
    for (const t of resumed.trials) assert.equal(t.userAttrs["bracket"], pruner.bracketOf(t.number));
    const brackets = new Set(resumed.trials.map((t) => t.userAttrs["bracket"]));
    assert.deepEqual([...brackets].sort(), [0, 1, 2], "every bracket ran trials");
    await resumed.storage.close();
  });
});

describe("promotion of paused trials (ASHA's rule, Li et al. 2020, Algorithm 2)", () => {
  const pruner = new HyperbandPruner({ maxResource: 20, reductionFactor: 3 });
  const numbersOf = (id: number): number[] => Array.from({ length: 17 }, (_, t) => t).filter((t) => pruner.bracketOf(t) === id);

  test("a trial stops at its bracket's rungs below the full resource: steps 1 and 3, then 3, then none", () => {
    const [b0, b1, b2] = [numbersOf(0)[0]!, numbersOf(1)[0]!, numbersOf(2)[0]!];
    assert.deepEqual([b0, b1, b2].map((number) => pruner.rungSteps({ number, params: {} })), [[1, 3], [3], []]);
    assert.deepEqual(new SuccessiveHalvingPruner({ minResource: 2, reductionFactor: 2, maxResource: 16 }).rungSteps(), [2, 4, 8]);
  });

  test("none is promotable while fewer than η trials reached the rung, then the best ⌊n/η⌋ of them", () => {
    const [a, b, c, d, e, f] = numbersOf(0) as [number, number, number, number, number, number];
    const best = trial(a, "running", [0.5, 0.9]);
    assert.equal(pruner.isPromotable(best, [best], 0, "maximize"), false, "alone");
    const second = trial(b, "running", [0.5, 0.8]);
    assert.equal(pruner.isPromotable(best, [best, second], 0, "maximize"), false, "⌊2/3⌋ = 0");
    const third = trial(c, "running", [0.5, 0.7]);
    const three = [best, second, third];
    assert.deepEqual(three.map((t) => pruner.isPromotable(t, three, 0, "maximize")), [true, false, false]);
    const six = [...three, trial(d, "pruned", [0.5, 0.6]), trial(e, "running", [0.5, 0.5]), trial(f, "running", [0.5, 0.4])];
    assert.deepEqual(six.map((t) => pruner.isPromotable(t, six, 0, "maximize")), [true, true, false, false, false, false]);
    // Minimising, the order turns over.
    assert.deepEqual(six.map((t) => pruner.isPromotable(t, six, 0, "minimize")), [false, false, false, false, true, true]);
  });

  test("only the trial's own bracket counts, at the rung's step; a trial without a value there is not promotable", () => {
    const [x, y] = numbersOf(0) as [number, number];
    const others = numbersOf(1).slice(0, 3).map((t) => trial(t, "running", [0.1, 0.1, 0.1, 0.1]));
    const own = trial(x, "running", [0.5, 0.9]);
    assert.equal(pruner.isPromotable(own, [own, ...others], 0, "maximize"), false, "bracket 1's trials are not its peers");
    const early = trial(y, "running", [0.9]);
    assert.equal(pruner.isPromotable(early, [early, ...others], 0, "maximize"), false);
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { SuccessiveHalvingPruner } from "../../src/engine/pruners/asha";
import { MedianPruner } from "../../src/engine/pruners/median";
import { NopPruner } from "../../src/engine/pruners/none";
import type { FrozenTrial, IntermediateValue, StudyDirection, TrialState } from "../../src/engine/types";

function trial(number: number, state: TrialState, curve: readonly number[], steps?: readonly number[]): FrozenTrial {
  const intermediateValues: IntermediateValue[] = curve.map((value, i) => ({ step: steps?.[i] ?? i, value }));
  return { number, state, params: {}, distributions: {}, metrics: {}, intermediateValues, userAttrs: {} };
}

function decide(pruner: { shouldPrune: MedianPruner["shouldPrune"] }, current: FrozenTrial, others: FrozenTrial[], direction: StudyDirection = "minimize"): boolean {
  return pruner.shouldPrune({ trial: current, trials: [...others, current], direction });
}

describe("MedianPruner", () => {
  const complete = [trial(0, "complete", [5, 4, 3]), trial(1, "complete", [6, 5, 4]), trial(2, "complete", [7, 6, 5])];

  test("prunes a trial whose best value so far is worse than the median at its step", () => {
    const pruner = new MedianPruner({ startupTrials: 3 });
    assert.equal(decide(pruner, trial(3, "running", [9, 8]), complete), true, "8 > median 5 at step 1");
    assert.equal(decide(pruner, trial(3, "running", [9, 4.5]), complete), false, "4.5 < median 5 at step 1");
    assert.equal(decide(pruner, trial(3, "running", [4, 9]), complete), false, "its best so far (4) counts, not its last");
  });

  test("in a maximised study, prunes values below the median", () => {
    const pruner = new MedianPruner({ startupTrials: 3 });
    assert.equal(decide(pruner, trial(3, "running", [5.5]), complete, "maximize"), true, "5.5 < median 6 at step 0");
    assert.equal(decide(pruner, trial(3, "running", [6.5]), complete, "maximize"), false);
  });

  test("waits for start-up trials, warm-up steps and the interval; ignores running and pruned trials", () => {
    const bad = trial(9, "running", [100, 100, 100, 100]);
    assert.equal(decide(new MedianPruner({ startupTrials: 4 }), bad, complete), false, "only 3 trials are complete");
    assert.equal(decide(new MedianPruner({ startupTrials: 3, warmupSteps: 4 }), bad, complete), false, "step 3 is within warm-up");
    assert.equal(decide(new MedianPruner({ startupTrials: 3, intervalSteps: 2 }), bad, complete), false, "step 3 is off the interval");
    assert.equal(decide(new MedianPruner({ startupTrials: 3, intervalSteps: 3 }), bad, complete), false, "no complete trial reported step 3");
    assert.equal(decide(new MedianPruner({ startupTrials: 3, intervalSteps: 2 }), trial(9, "running", [100, 100, 100]), complete), true);
    const notComplete = [trial(0, "running", [1, 1, 1]), trial(1, "pruned", [1, 1]), trial(2, "failed", [1])];
    assert.equal(decide(new MedianPruner({ startupTrials: 0 }), bad, notComplete), false, "no complete trial to compare with");
    assert.equal(decide(new MedianPruner(), trial(3, "running", []), complete), false, "nothing reported yet");
  });

  test("steps reported out of order: judged at the largest step, as Optuna's last_step", () => {
    // Complete trials improve with steps: the median is 8 at step 2 and 1 at step 9.
    const improving = [0, 1, 2].map((n) => trial(n, "complete", Array.from({ length: 10 }, (_, s) => 10 - s + n - 1)));
    const late = trial(3, "running", [5, 6], [9, 2]);
    assert.equal(decide(new MedianPruner({ startupTrials: 3 }), late, improving), true, "best 5 > median 1 at step 9 (step 2 came last)");
  });

  test("a trial with 300 000 reports is judged (no stack overflow)", () => {
    const long = Array.from({ length: 300_000 }, (_, s) => 1 + 1 / (s + 1));
    const others = [0, 1, 2].map((n) => trial(n, "complete", long.map((v) => v - 0.5)));
    assert.equal(decide(new MedianPruner({ startupTrials: 3 }), trial(3, "running", long), others), true);
  });

  test("rejects bad options with the rule and the value", () => {
    assert.throws(() => new MedianPruner({ startupTrials: -1 }), /`startupTrials` must be a non-negative integer, but got startupTrials=-1/);
    assert.throws(() => new MedianPruner({ intervalSteps: 0 }), /`intervalSteps >= 1` must hold, but got intervalSteps=0/);
  });
});

describe("SuccessiveHalvingPruner (ASHA)", () => {
  // η = 2, rungs at steps 1, 2, 4, 8.
  const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
  const peers = [1, 2, 3, 4].map((v, i) => trial(i, i < 2 ? "complete" : "pruned", [v + 10, v]));

  test("places its rungs at minResource · η^(s + r)", () => {
    assert.deepEqual([0, 1, 2, 3].map((r) => pruner.rungResource(r)), [1, 2, 4, 8]);
    const late = new SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3, minEarlyStoppingRate: 1 });
    assert.deepEqual([0, 1].map((r) => late.rungResource(r)), [9, 27]);
  });

  test("on reaching a rung, keeps only the best 1/η of every trial that reached it", () => {
    // Rung 0 (step 1) values: peers 1, 2, 3, 4 and the newcomer; the best ⌊5/2⌋ = 2 go on: cutoff 2.
    assert.equal(decide(pruner, trial(4, "running", [0, 5]), peers), true);
    assert.equal(decide(pruner, trial(4, "running", [0, 2]), peers), false);
    assert.equal(decide(pruner, trial(4, "running", [0, 1.5]), peers), false);
    assert.equal(decide(pruner, trial(4, "running", [0, 5]), peers, "maximize"), false, "5 is the best when maximising");
  });

  test("before the first rung, and between rungs, never prunes", () => {
    assert.equal(decide(pruner, trial(4, "running", [99]), peers), false, "step 0 is below rung 0");
    // Promoted at rung 0 (step 1: value 1), then poor at step 3: rung 1 (step 2) is judged at step 2 only.
    const promoted = trial(4, "running", [0, 1, 50, 60]);
    const atRung1 = [trial(5, "complete", [0, 1, 2]), trial(6, "complete", [0, 1, 3])];
    assert.equal(decide(pruner, promoted, [...peers, ...atRung1]), false, "step 3 reaches no new rung");
    assert.equal(decide(pruner, trial(4, "running", [0, 1, 50]), [...peers, ...atRung1]), true, "at rung 1, 50 is not in the best half");
  });

  test("judges a rung by the first value at or past its step, even if steps were skipped", () => {
    const skipping = trial(4, "running", [0, 7], [0, 5]); // reaches rungs 0, 1 and 2 at once (steps 1, 2, 4)
    assert.equal(decide(pruner, skipping, peers), true, "7 at rung 0 is worse than the cutoff 2");
  });

  test("bootstrapCount holds off pruning until enough trials reached the rung", () => {
    const cautious = new SuccessiveHalvingPruner({ reductionFactor: 2, bootstrapCount: 6 });
    assert.equal(decide(cautious, trial(4, "running", [0, 5]), peers), false);
  });

  describe("with stepCost (rungs after the same work: ρ(s) = (s + 1)·c − 1)", () => {
    // η = 3, rungs at resource 1 and 3; a step of a trial with params.cost = c costs c.
    const byWork = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3, maxResource: 9, stepCost: (params) => params["cost"] as number });
    const costly = (number: number, curve: readonly number[]): FrozenTrial => ({ ...trial(number, "complete", curve), params: { cost: 1 } });
    const cheap = (number: number, curve: readonly number[]): FrozenTrial => ({ ...trial(number, "running", curve), params: { cost: 0.25 } });
    const leaders = [costly(0, [9, 1]), costly(1, [9, 2])];

    test("a trial whose steps cost a quarter reaches each rung after four times the steps", () => {
      assert.deepEqual(byWork.rungSteps({ cost: 0.25 }), [7, 15], "(s + 1)·0.25 − 1 reaches 1 at s = 7 and 3 at s = 15");
      assert.deepEqual(byWork.rungSteps({ cost: 1 }), [1, 3], "cost 1: the rungs' own steps");
      assert.deepEqual(byWork.rungSteps({ cost: 0.5 }), [3, 7]);
    });

    test("it is not judged at the costly trials' rung step, but at its own, against their values there", () => {
      const early = cheap(2, [50, 50]);
      assert.equal(decide(byWork, early, leaders), false, "step 1 has resource −0.5: no rung yet");
      const atRung = cheap(2, [50, 50, 50, 50, 50, 50, 50, 5]);
      assert.equal(decide(byWork, atRung, leaders), true, "at step 7 (resource 1) 5 is not the best of 1, 2, 5");
      const best = cheap(2, [50, 50, 50, 50, 50, 50, 50, 0.5]);
      assert.equal(decide(byWork, best, leaders), false, "0.5 is the best at rung 0");
      assert.equal(decide(byWork, cheap(2, [50, 50, 50, 50, 50, 50, 50, 0.5, 70]), leaders), false, "step 8 reaches no new rung");
    });

    test("its rung value is what it had after the same work as the others' (the value at its own rung step)", () => {
      // A costly newcomer at rung 0 meets the cheap trial's value at step 7 (0.5), not at step 1 (50).
      const others = [...leaders, cheap(2, [50, 50, 50, 50, 50, 50, 50, 0.5])];
      assert.equal(decide(byWork, costly(3, [9, 0.8]), others), true, "0.8 is not the best ⌊4/3⌋ = 1 of 1, 2, 0.5, 0.8 (by steps, the cheap trial's 50 would have let it on)");
    });

    test("cost 1 for every trial decides as without stepCost", () => {
      const plain = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
      const unit = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2, stepCost: () => 1 });
      for (const curve of [[0, 5], [0, 2], [0, 1.5], [99], [0, 1, 50], [0, 7]]) {
        assert.equal(decide(unit, trial(4, "running", curve), peers), decide(plain, trial(4, "running", curve), peers), `curve ${curve.join(", ")}`);
      }
    });

    test("a cost that is not a positive number is an error naming it", () => {
      const broken = new SuccessiveHalvingPruner({ stepCost: () => 0 });
      assert.throws(() => broken.rungSteps({ batchSize: 0 }), /`stepCost` must return a finite number > 0, but got 0 for \{"batchSize":0\}/);
    });
  });

  test("rejects bad options with the rule and the value", () => {
    assert.throws(() => new SuccessiveHalvingPruner({ reductionFactor: 1 }), /`reductionFactor >= 2` must hold, but got reductionFactor=1/);
    assert.throws(() => new SuccessiveHalvingPruner({ minResource: 0 }), /`minResource > 0` must hold/);
    assert.throws(() => new SuccessiveHalvingPruner({ minEarlyStoppingRate: 0.5 }), /`minEarlyStoppingRate` must be a non-negative integer/);
  });
});

describe("NopPruner", () => {
  test("never prunes", () => {
    assert.equal(decide(new NopPruner(), trial(0, "running", [1e9]), [trial(1, "complete", [0])]), false);
  });
});

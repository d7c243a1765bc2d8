/**
 * The scheduler of paused trials on its own (paused-halving.ts): places on threads, pauses at a
 * rung, promotion of paused trials before new trials, the end of never-promoted trials. The
 * study is a real one (its trials' reports are the rung values); the optimize lanes are played by
 * the test.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createStudy, type Study, type Trial } from "../../../src/engine/index";
import { SuccessiveHalvingPruner } from "../../../src/engine/pruners/asha";
import { rungPromotionOf } from "../../../src/engine/pruners";
import { RandomSampler } from "../../../src/engine/samplers/random";
import { floatDistribution } from "../../../src/engine/distributions";
import { PausedHalving } from "../../../src/magic/tune/paused-halving";

const SPACE = { x: floatDistribution(0, 1) };

/** A study with ASHA rungs at steps 1 and 3 (η = 3, maxResource 9) and its scheduler of `capacity` threads. */
async function setUp(capacity: number, budget: number, signal?: AbortSignal): Promise<{ study: Study; halving: PausedHalving }> {
  const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3, maxResource: 9 });
  const study = await createStudy({ direction: "maximize", sampler: new RandomSampler({ seed: 1 }), pruner });
  const promotion = rungPromotionOf(pruner)!;
  return { study, halving: new PausedHalving({ trials: () => study.trials, direction: "maximize", promotion }, capacity, budget, signal) };
}

/** A lane admitted and its trial started and claimed, having reported `value` at steps 0 and 1 (its first rung). */
async function startAtRung(study: Study, halving: PausedHalving, value: number): Promise<Trial> {
  assert.equal(await halving.admission.wait(), true);
  const trial = await study.ask(SPACE);
  halving.claim();
  trial.report(value, 0);
  trial.report(value, 1);
  return trial;
}

describe("PausedHalving", () => {
  test("the rung stops below the last step, then the last step", async () => {
    const { study, halving } = await setUp(1, 1);
    const trial = await study.ask(SPACE);
    assert.deepEqual(halving.stopsOf(trial, 19), [1, 3, 19]);
    assert.deepEqual(halving.stopsOf(trial, 2), [1, 2]);
  });

  test("with a step cost, a trial stops where its own steps reach the rungs (a quarter of the cost: 4× the steps)", async () => {
    const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3, maxResource: 9, stepCost: (params) => (params["x"] as number) < 0.5 ? 0.25 : 1 });
    const study = await createStudy({ direction: "maximize", sampler: new RandomSampler({ seed: 1 }), pruner });
    const halving = new PausedHalving({ trials: () => study.trials, direction: "maximize", promotion: rungPromotionOf(pruner)! }, 1, 2);
    await study.enqueue({ x: 0.25 });
    await study.enqueue({ x: 0.75 });
    const [cheap, costly] = [await study.ask(SPACE), await study.ask(SPACE)];
    assert.deepEqual([cheap.params["x"], costly.params["x"]], [0.25, 0.75]);
    assert.deepEqual(halving.stopsOf(cheap, 19), [7, 15, 19], "(s + 1)·0.25 − 1 reaches rungs 1 and 3 at steps 7 and 15");
    assert.deepEqual(halving.stopsOf(costly, 19), [1, 3, 19]);
  });

  test("a trial alone at a rung waits; the third trial there promotes the best, which goes first before any new trial", async () => {
    const { study, halving } = await setUp(1, 5);
    const first = await startAtRung(study, halving, 0.9);
    const firstNext = halving.atRung(first, 0);
    const second = await startAtRung(study, halving, 0.5);
    const secondNext = halving.atRung(second, 0);
    // A lane waits for the one thread; the third trial, at the rung, makes ⌊3/3⌋ = 1 promotable: the first.
    const third = await startAtRung(study, halving, 0.4);
    let laneAdmitted = false;
    const lane = halving.admission.wait().then((admitted) => (laneAdmitted = admitted));
    const thirdNext = halving.atRung(third, 0);
    assert.equal(await firstNext, "resumed");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(laneAdmitted, false, "the promoted trial took the thread before the waiting lane");
    halving.release();
    await lane;
    assert.equal(laneAdmitted, true, "then the lane starts a new trial");
    assert.deepEqual(halving.counts, { paused: 3, resumed: 1, endedPaused: 0 });
    // The budget is 5: two more trials, below the others at the rung, then nothing runs: the paused ones end.
    const fourth = await study.ask(SPACE);
    halving.claim();
    fourth.report(0.1, 0);
    fourth.report(0.1, 1);
    const fourthNext = halving.atRung(fourth, 0);
    const fifth = await startAtRung(study, halving, 0.2);
    const fifthNext = halving.atRung(fifth, 0);
    assert.deepEqual(await Promise.all([secondNext, thirdNext, fourthNext, fifthNext]), ["ended", "ended", "ended", "ended"]);
    assert.equal(await halving.admission.wait(), false, "closed: no lane is admitted any more");
  });

  test("a trial among the best ⌊n/η⌋ when it reaches the rung goes on at once, keeping its thread", async () => {
    const { study, halving } = await setUp(2, 10);
    for (const value of [0.3, 0.2]) {
      const trial = await startAtRung(study, halving, value);
      void halving.atRung(trial, 0);
    }
    const best = await startAtRung(study, halving, 0.95);
    assert.equal(await halving.atRung(best, 0), "on");
  });

  test("an interrupt ends every paused trial and admits no lane", async () => {
    const controller = new AbortController();
    const { study, halving } = await setUp(2, 10, controller.signal);
    const trial = await startAtRung(study, halving, 0.5);
    const next = halving.atRung(trial, 0);
    controller.abort();
    assert.equal(await next, "ended");
    assert.equal(await halving.admission.wait(), false);
  });
});

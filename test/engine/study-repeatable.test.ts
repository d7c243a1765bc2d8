/**
 * `optimize({ concurrency, repeatable })`: with trials finishing in different orders from run to
 * run, the same seeds give every trial number the same parameters (model-based samplers included),
 * the sampler always sees the same window of pending trials, and N trials still run at once.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { describe, test } from "node:test";

import { floatDistribution, intDistribution } from "../../src/engine/distributions";
import { GPSampler } from "../../src/engine/samplers/gp";
import { TPESampler } from "../../src/engine/samplers/tpe";
import { createRng } from "../../src/common/random";
import { createStudy, type Trial } from "../../src/engine/index";
import type { Params, Sampler, SamplingContext, SearchSpace } from "../../src/engine/types";

const space: SearchSpace = { x: floatDistribution(-5, 5), n: intDistribution(1, 8) };

/** Wraps a sampler, recording for each trial number which other trials it saw running. */
class WindowRecorder implements Sampler {
  readonly name: string;
  readonly seenRunning = new Map<number, number[]>();
  constructor(private readonly inner: Sampler) {
    this.name = inner.name;
  }
  sample(context: SamplingContext): Params {
    const running = context.trials.filter((t) => t.state === "running" && t.number !== context.trialNumber).map((t) => t.number);
    this.seenRunning.set(context.trialNumber, running);
    return this.inner.sample(context);
  }
}

/**
 * Runs 12 trials two or three at once; each trial waits a time drawn from `timingSeed` (not from
 * its parameters), so trials finish in a different order for each timing seed.
 */
async function run(makeSampler: () => Sampler, timingSeed: number, concurrency: number, pendingWindow?: number) {
  const sampler = new WindowRecorder(makeSampler());
  const study = await createStudy({ seed: 11, sampler });
  const timing = createRng(timingSeed, "timing");
  let running = 0;
  let most = 0;
  const objective = async (trial: Trial): Promise<number> => {
    running++;
    most = Math.max(most, running);
    try {
      await delay(2 + timing.int(25));
      return ((trial.params["x"] as number) - 1) ** 2 + (trial.params["n"] as number);
    } finally {
      running--;
    }
  };
  await study.optimize(objective, { trials: 12, space, concurrency, repeatable: true, ...(pendingWindow === undefined ? {} : { pendingWindow }) });
  return { trials: study.trials.map((t) => ({ number: t.number, params: t.params, value: t.value })), seen: sampler.seenRunning, most };
}

describe("optimize with repeatable concurrency", () => {
  for (const [name, makeSampler] of [
    ["tpe", () => new TPESampler({ seed: 11, startupTrials: 3 })],
    ["gp", () => new GPSampler({ seed: 11, startupTrials: 3 })],
  ] as const) {
    test(`${name}: the same trials whatever order they finish in`, async () => {
      const a = await run(makeSampler, 1, 2);
      const b = await run(makeSampler, 2, 2);
      assert.equal(a.trials.length, 12);
      assert.deepEqual(b.trials, a.trials);
      for (let k = 0; k < 12; k++) {
        assert.deepEqual(a.seen.get(k), k === 0 ? [] : [k - 1], `trial ${k} sees only trial k-1 as running`);
      }
      assert.equal(a.most, 2, "two trials ran at once");
    });
  }

  test("three at once: trial k sees trials k-2 and k-1 as running, and runs are equal", async () => {
    const make = (): Sampler => new TPESampler({ seed: 11, startupTrials: 4 });
    const a = await run(make, 3, 3);
    const b = await run(make, 4, 3);
    assert.deepEqual(b.trials, a.trials);
    assert.deepEqual(a.seen.get(7), [5, 6]);
    assert.equal(a.most, 3);
  });

  test("a window of 2 pending with two at once: trial k sees k-2 and k-1 as running, runs are equal, a lane does not wait for a long trial one place before", async () => {
    const make = (): Sampler => new GPSampler({ seed: 11, startupTrials: 3 });
    const a = await run(make, 5, 2, 2);
    const b = await run(make, 6, 2, 2);
    assert.deepEqual(b.trials, a.trials);
    for (let k = 0; k < 12; k++) assert.deepEqual(a.seen.get(k), k === 0 ? [] : k === 1 ? [0] : [k - 2, k - 1]);
    // Trial 0 takes long: with the narrowest window trial 2 waits for it, so trials 1 and 2 never overlap
    // with trial 3 before trial 0 ends; with a window of 2 the other lane runs trials 1, 2 meanwhile.
    const study = await createStudy({ seed: 1 });
    const finished: number[] = [];
    await study.optimize(async (trial) => {
      await delay(trial.number === 0 ? 120 : 5);
      finished.push(trial.number);
      return trial.number;
    }, { trials: 4, space, concurrency: 2, repeatable: true, pendingWindow: 2 });
    assert.deepEqual(finished.slice(0, 2), [1, 2], `trials 1 and 2 ran while trial 0 did: ${finished.join(", ")}`);
  });

  test("pendingWindow below concurrency − 1 is refused", async () => {
    const study = await createStudy({ seed: 1 });
    await assert.rejects(study.optimize(() => 1, { trials: 2, space, concurrency: 3, repeatable: true, pendingWindow: 1 }), /pendingWindow must be an integer of at least concurrency − 1 = 2/);
  });
});

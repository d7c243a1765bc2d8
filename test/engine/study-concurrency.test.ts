import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { describe, test } from "node:test";

import { floatDistribution } from "../../src/engine/distributions";
import { PostgresStorage } from "../../src/engine/storage/postgres";
import { startThrowawayPostgres } from "../support/postgres";
import { GPSampler } from "../../src/engine/samplers/gp";
import { RandomSampler } from "../../src/engine/samplers/random";
import { createStudy, TooManyFailuresError, type Trial } from "../../src/engine/index";
import type { Params, Sampler, SamplingContext, SearchSpace } from "../../src/engine/types";

const space: SearchSpace = { x: floatDistribution(-5, 5) };

/** An objective that takes `ms` of wall time (awaiting, as a worker thread's trial does) and tracks how many run at once. */
function timedObjective(ms: number): { objective: (trial: Trial) => Promise<number>; maxRunning: () => number; calls: () => number } {
  let running = 0;
  let most = 0;
  let calls = 0;
  return {
    objective: async (trial) => {
      calls++;
      running++;
      most = Math.max(most, running);
      try {
        await delay(ms);
        return ((trial.params["x"] as number) - 1) ** 2;
      } finally {
        running--;
      }
    },
    maxRunning: () => most,
    calls: () => calls,
  };
}

/** A random sampler that records how many other trials were running whenever it sampled. */
class PendingCountingSampler implements Sampler {
  readonly name = "counting";
  readonly runningSeen: number[] = [];
  private readonly inner = new RandomSampler({ seed: 3 });
  sample(context: SamplingContext): Params {
    this.runningSeen.push(context.trials.filter((t) => t.state === "running" && t.number !== context.trialNumber).length);
    return this.inner.sample(context);
  }
}

describe("optimize with concurrency", () => {
  test("keeps N trials running, runs exactly `trials`, and the sampler sees the running ones as pending", async () => {
    const sampler = new PendingCountingSampler();
    const study = await createStudy({ seed: 1, sampler });
    const timed = timedObjective(30);
    const told: number[] = [];
    const summary = await study.optimize(timed.objective, {
      trials: 7,
      space,
      concurrency: 3,
      callbacks: [(_study, trial) => void told.push(trial.number)],
    });
    assert.equal(summary.trialsRun, 7);
    assert.equal(summary.stopReason, "trials");
    assert.equal(timed.calls(), 7, "no trial beyond `trials` is started");
    assert.equal(study.trials.length, 7);
    assert.ok(study.trials.every((t) => t.state === "complete"));
    assert.equal(timed.maxRunning(), 3);
    assert.deepEqual([...told].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6], "one callback per trial");
    assert.equal(Math.max(...sampler.runningSeen), 2, "asked while two others ran");
  });

  test("is faster than one at a time for an objective that waits", async () => {
    const timeOf = async (concurrency: number): Promise<number> => {
      const study = await createStudy({ seed: 2 });
      const start = performance.now();
      await study.optimize(timedObjective(40).objective, { trials: 6, space, concurrency });
      return performance.now() - start;
    };
    const one = await timeOf(1);
    const three = await timeOf(3);
    assert.ok(three < one * 0.7, `3 at once took ${three.toFixed(0)} ms, one at a time ${one.toFixed(0)} ms`);
  });

  test("the GP sampler asks while trials run and still finishes the study", async () => {
    const study = await createStudy({ seed: 4, sampler: new GPSampler({ seed: 4, startupTrials: 3 }) });
    const summary = await study.optimize(timedObjective(5).objective, { trials: 10, space, concurrency: 2 });
    assert.equal(summary.trialsRun, 10);
    assert.equal(study.trials.filter((t) => t.state === "complete").length, 10);
  });

  test("stops starting trials at the timeout and finishes the running ones", async () => {
    const study = await createStudy({ seed: 5 });
    const timed = timedObjective(60);
    const summary = await study.optimize(timed.objective, { timeout: 0.1, space, concurrency: 2 });
    assert.equal(summary.stopReason, "timeout");
    assert.ok(summary.trialsRun >= 2 && summary.trialsRun <= 6, `ran ${summary.trialsRun}`);
    assert.ok(study.trials.every((t) => t.state === "complete"), "no trial is left running");
  });

  test("an abort starts no new trial; the running ones are told", async () => {
    const study = await createStudy({ seed: 6 });
    const controller = new AbortController();
    const timed = timedObjective(30);
    const summary = await study.optimize(timed.objective, {
      trials: 50,
      space,
      concurrency: 3,
      signal: controller.signal,
      callbacks: [(s) => (s.trials.filter((t) => t.state === "complete").length === 4 ? controller.abort() : undefined)],
    });
    assert.equal(summary.stopReason, "aborted");
    assert.ok(summary.trialsRun >= 4 && summary.trialsRun <= 6, `ran ${summary.trialsRun}`);
    assert.equal(timed.calls(), summary.trialsRun, "every started trial was told");
    assert.ok(study.trials.every((t) => t.state === "complete"));
  });

  test("too many failures in a row stop the search after the running trials end", async () => {
    const study = await createStudy({ seed: 7, maxConsecutiveFailures: 3 });
    let calls = 0;
    await assert.rejects(
      study.optimize(
        async () => {
          calls++;
          await delay(10);
          throw new Error("broken objective");
        },
        { trials: 20, space, concurrency: 2 },
      ),
      (error: unknown) => error instanceof TooManyFailuresError && /broken objective/.test(error.message),
    );
    assert.ok(calls >= 3 && calls <= 4, `${calls} trials started`);
    assert.ok(study.trials.every((t) => t.state === "failed"), "no trial left running");
  });

  test("countStudyTrials: failed trials are replaced until exactly N finished, with no overshoot", async () => {
    const study = await createStudy({ seed: 8 });
    let calls = 0;
    const summary = await study.optimize(
      async (trial) => {
        calls++;
        await delay(10);
        if (trial.number % 3 === 0) throw new Error("flaky");
        return trial.params["x"] as number;
      },
      { trials: 5, space, concurrency: 3, countStudyTrials: true },
    );
    assert.equal(summary.stopReason, "trials");
    assert.equal(study.trials.filter((t) => t.state === "complete").length, 5);
    assert.ok(study.trials.every((t) => t.state !== "running"));
    assert.equal(calls, study.trials.length);
  });

  test("two workers with two lanes each on one PostgreSQL study: exactly `trials` finished, each trial run once", async () => {
    const server = await startThrowawayPostgres();
    const storages = await Promise.all([0, 1].map(() => PostgresStorage.connect(server.url, { heartbeatIntervalMs: 200, staleTrialTimeoutMs: 10_000 })));
    try {
      const studies = await Promise.all(storages.map((storage, i) => createStudy({ storage, studyName: "lanes", seed: i + 1, sampler: new RandomSampler({ seed: i + 1 }) })));
      const runs: number[] = [];
      const summaries = await Promise.all(
        studies.map((study) =>
          study.optimize(
            async (trial) => {
              runs.push(trial.number);
              await delay(25);
              return trial.params["x"] as number;
            },
            { trials: 9, space, concurrency: 2, countStudyTrials: true },
          ),
        ),
      );
      const trials = (await storages[0]!.readTrials("lanes")) ?? [];
      assert.equal(trials.filter((t) => t.state === "complete").length, 9);
      assert.ok(trials.every((t) => t.state === "complete"), JSON.stringify(trials.map((t) => t.state)));
      assert.deepEqual([...runs].sort((a, b) => a - b), trials.map((t) => t.number), "each trial run by one lane of one worker");
      assert.equal(summaries[0]!.trialsRun + summaries[1]!.trialsRun, 9);
    } finally {
      await Promise.all(storages.map((storage) => storage.close()));
      await server.stop();
    }
  });

  test("rejects a concurrency that is not a positive integer", async () => {
    const study = await createStudy();
    await assert.rejects(study.optimize(() => 1, { trials: 1, concurrency: 0 }), /concurrency must be a positive integer.*got 0/);
    await assert.rejects(study.optimize(() => 1, { trials: 1, concurrency: 1.5 }), /got 1\.5/);
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { categorical, floatDistribution, intDistribution } from "../../src/engine/distributions";
import { SearchSpaceExhaustedError } from "../../src/engine/errors";
import { MedianPruner } from "../../src/engine/pruners/median";
import { GridSampler } from "../../src/engine/samplers/grid";
import { RandomSampler } from "../../src/engine/samplers/random";
import { createStudy, TooManyFailuresError, TrialPruned, type Study } from "../../src/engine/index";
import type { SearchSpace } from "../../src/engine/types";

const space: SearchSpace = {
  x: floatDistribution(-5, 5),
  n: intDistribution(1, 64, { log: true }),
  act: categorical(["relu", "tanh"]),
};

function quadratic(params: Readonly<Record<string, unknown>>): number {
  return ((params["x"] as number) - 1) ** 2 + Math.log2(params["n"] as number) + (params["act"] === "tanh" ? 0.5 : 0);
}

describe("ask and tell", () => {
  test("with a space, samples every parameter up front and records the result", async () => {
    const study = await createStudy({ seed: 1 });
    const trial = await study.ask(space);
    assert.deepEqual(Object.keys(trial.params), ["x", "n", "act"]);
    assert.equal(trial.suggestFloat("x", -5, 5), trial.params["x"], "suggest returns the value sampled up front");
    const told = await study.tell(trial, quadratic(trial.params));
    assert.equal(told.state, "complete");
    assert.equal(told.value, quadratic(trial.params));
    assert.deepEqual(told.metrics, { value: told.value });
    assert.equal(study.trials.length, 1);
    assert.ok(told.completedAt !== undefined && told.startedAt !== undefined);
  });

  test("define-by-run: suggest samples as the objective asks, and repeats a name's value", async () => {
    const study = await createStudy({ seed: 2 });
    const trial = await study.ask();
    const x = trial.suggestFloat("x", 0, 1);
    const units = trial.suggestInt("units", 16, 256, { log: true });
    const act = trial.suggestCategorical("act", ["relu", "elu", null]);
    assert.equal(trial.suggestFloat("x", 0, 1), x);
    assert.throws(() => trial.suggestInt("x", 0, 1), /"x" was suggested with .*cannot be suggested again/);
    assert.deepEqual(trial.params, { x, units, act });
    await study.tell(trial, x);
    assert.deepEqual(Object.keys(study.trials[0]?.distributions ?? {}), ["x", "units", "act"]);
  });

  test("a trial is told once; NaN and infinities fail it with the reason kept", async () => {
    const study = await createStudy();
    const a = await study.ask(space);
    await study.tell(a, Number.NaN);
    await assert.rejects(study.tell(a, 1), /trial 0 is failed; only a running trial can be told \(once\)/);
    const b = await study.ask(space);
    const told = await study.tell(b, Number.POSITIVE_INFINITY);
    assert.equal(study.trials[0]?.error, "the objective returned NaN");
    assert.equal(told.error, "the objective returned Infinity");
    assert.equal(study.bestTrial, undefined);
    assert.equal(study.bestValue, undefined);
  });

  test("pruned trials keep their last reported value; reports need finite values and integer steps", async () => {
    const study = await createStudy();
    const trial = await study.ask(space);
    trial.report(3, 0);
    trial.report(2, 1);
    trial.report(99, 1); // a step already reported is ignored
    assert.throws(() => trial.report(Number.NaN, 2), /finite value, but got NaN at step 2/);
    assert.throws(() => trial.report(1, -1), /non-negative integer step, but got step=-1/);
    const told = await study.tell(trial, { state: "pruned" });
    assert.equal(told.state, "pruned");
    assert.equal(told.value, 2);
    assert.deepEqual(told.intermediateValues, [{ step: 0, value: 3 }, { step: 1, value: 2 }]);
    assert.equal(study.bestTrial, undefined, "a pruned trial is never the best");
  });

  test("enqueued parameters are used first, then sampling resumes", async () => {
    const study = await createStudy({ seed: 3 });
    await study.enqueue({ x: 0.5, act: "tanh" });
    const first = await study.ask(space);
    assert.equal(first.number, 0);
    assert.equal(first.params["x"], 0.5);
    assert.equal(first.params["act"], "tanh");
    assert.ok(typeof first.params["n"] === "number");
    await study.tell(first, 1);
    await study.enqueue({ x: 99 });
    await assert.rejects(study.ask(space), /enqueued value 99 of "x" is not in/);
  });

  test("best trial, value and params respect the direction and ignore failures", async () => {
    for (const direction of ["minimize", "maximize"] as const) {
      const study = await createStudy({ direction, seed: 4 });
      const values = [3, Number.NaN, 1, 7, 1];
      for (const v of values) await study.tell(await study.ask(space), v);
      assert.equal(study.bestValue, direction === "minimize" ? 1 : 7);
      assert.equal(study.bestTrial?.number, direction === "minimize" ? 2 : 3);
      assert.deepEqual(study.bestParams, study.trials[study.bestTrial?.number ?? -1]?.params);
    }
  });
});

describe("optimize", () => {
  test("the same seed gives the same trials; different seeds differ", async () => {
    const run = async (seed: number): Promise<Study> => {
      const study = await createStudy({ seed, sampler: new RandomSampler({ seed }) });
      await study.optimize((trial) => quadratic(trial.params), { trials: 8, space });
      return study;
    };
    const [a, b, c] = [await run(5), await run(5), await run(6)];
    assert.deepEqual(b.trials.map((t) => t.params), a.trials.map((t) => t.params));
    assert.notDeepEqual(c.trials.map((t) => t.params), a.trials.map((t) => t.params));
  });

  test("a throwing objective fails its trial, keeps the reason, and the search goes on", async () => {
    const study = await createStudy({ seed: 7 });
    const summary = await study.optimize(
      async (trial) => {
        const x = trial.suggestFloat("x", 0, 1);
        if (trial.number % 2 === 1) throw new Error(`odd trial ${trial.number}`);
        return x;
      },
      { trials: 6 },
    );
    assert.equal(summary.trialsRun, 6);
    assert.equal(summary.stopReason, "trials");
    assert.deepEqual(study.trials.map((t) => t.state), ["complete", "failed", "complete", "failed", "complete", "failed"]);
    assert.equal(study.trials[3]?.error, "odd trial 3");
    assert.equal(study.bestTrial?.state, "complete");
  });

  test("too many failures in a row stop with a clear message", async () => {
    const study = await createStudy({ maxConsecutiveFailures: 3 });
    await assert.rejects(
      study.optimize(() => Number.NaN, { trials: 10 }),
      (error: unknown) =>
        error instanceof TooManyFailuresError && /the last 3 trials failed in a row \(the last with: the objective returned NaN\)/.test(error.message),
    );
    assert.equal(study.trials.length, 3);
  });

  test("record objectives: the study's metric is the value, every metric is kept, a missing one fails", async () => {
    const study = await createStudy({ metric: "val_acc", direction: "maximize" });
    await study.optimize(
      (trial) => {
        const lr = trial.suggestFloat("lr", 1e-4, 1e-1, { log: true });
        return trial.number === 2 ? { loss: 1 } : { val_acc: 1 - lr, loss: lr };
      },
      { trials: 3 },
    );
    const [a, , c] = study.trials;
    assert.equal(a?.value, 1 - (a?.params["lr"] as number));
    assert.deepEqual(Object.keys(a?.metrics ?? {}).sort(), ["loss", "val_acc"]);
    assert.equal(c?.state, "failed");
    assert.match(c?.error ?? "", /metrics \{loss\} without the study's metric "val_acc"/);
  });

  test("TrialPruned from the objective prunes the trial, with a median pruner deciding", async () => {
    const study = await createStudy({ seed: 8, pruner: new MedianPruner({ startupTrials: 2 }) });
    await study.optimize(
      (trial) => {
        const badness = trial.number < 2 ? trial.number : 10; // trials after the first two are worse at every step
        for (let step = 0; step < 5; step++) {
          trial.report(badness + 1 / (step + 1), step);
          if (trial.shouldPrune()) throw new TrialPruned();
        }
        return badness;
      },
      { trials: 4 },
    );
    assert.deepEqual(study.trials.map((t) => t.state), ["complete", "complete", "pruned", "pruned"]);
    assert.equal(study.trials[2]?.value, 11, "pruned at step 0 with its last value");
  });

  test("an AbortSignal stops between trials, keeping every finished one", async () => {
    const controller = new AbortController();
    const study = await createStudy();
    const summary = await study.optimize(
      async (trial) => {
        if (trial.number === 2) controller.abort();
        await new Promise((resolve) => setImmediate(resolve));
        return trial.number;
      },
      { trials: 100, signal: controller.signal, space },
    );
    assert.equal(summary.stopReason, "aborted");
    assert.equal(summary.trialsRun, 3);
    assert.deepEqual(study.trials.map((t) => t.state), ["complete", "complete", "complete"]);
  });

  test("a timeout stops before starting a trial past it", async () => {
    let now = 0;
    const study = await createStudy({ clock: () => now });
    const summary = await study.optimize(
      () => {
        now += 400;
        return 1;
      },
      { timeout: 1, space },
    );
    assert.equal(summary.stopReason, "timeout");
    assert.equal(summary.trialsRun, 3);
    await assert.rejects(study.optimize(() => 1), /needs `trials`, `timeout` or `signal`/);
  });

  test("a grid study stops cleanly when exhausted and says so", async () => {
    const grid: SearchSpace = { a: categorical([1, 2, 3]), b: intDistribution(0, 1) };
    const study = await createStudy({ sampler: new GridSampler({ seed: 1 }) });
    const summary = await study.optimize((trial) => (trial.params["a"] as number) * 10 + (trial.params["b"] as number), {
      trials: Infinity,
      space: grid,
    });
    assert.equal(summary.stopReason, "exhausted");
    assert.match(summary.message, /exhausted: all 6 combinations have been tried/);
    assert.equal(study.trials.length, 6);
    assert.equal(new Set(study.trials.map((t) => JSON.stringify(t.params))).size, 6);
    assert.equal(study.bestValue, 10);
  });

  test("in a discrete space, duplicates are replaced by untried points until the space is exhausted", async () => {
    const small: SearchSpace = { a: categorical(["p", "q"]), b: intDistribution(1, 3) };
    const study = await createStudy({ seed: 9 });
    const summary = await study.optimize(() => 0, { trials: 50, space: small });
    assert.equal(summary.stopReason, "exhausted");
    assert.equal(study.trials.length, 6);
    assert.equal(new Set(study.trials.map((t) => JSON.stringify(t.params))).size, 6);
    await assert.rejects(study.ask(small), SearchSpaceExhaustedError);
  });

  test("define-by-run samples jointly over the parameters earlier trials shared", async () => {
    const seen: Record<string, unknown>[] = [];
    const sampler = {
      name: "spy",
      inner: new RandomSampler({ seed: 1 }),
      sample(context: Parameters<RandomSampler["sample"]>[0]) {
        seen.push({ trial: context.trialNumber, names: Object.keys(context.space) });
        return this.inner.sample(context);
      },
    };
    const study = await createStudy({ sampler });
    await study.optimize(
      (trial) => {
        trial.suggestFloat("x", 0, 1);
        trial.suggestInt("k", 1, 3);
        if (trial.number === 1) trial.suggestCategorical("c", ["u", "v"]);
        return 0;
      },
      { trials: 4 },
    );
    assert.deepEqual(seen, [
      { trial: 0, names: ["x"] },
      { trial: 0, names: ["k"] },
      { trial: 1, names: ["x", "k"] }, // joint: the space every complete trial shared
      { trial: 1, names: ["c"] },
      { trial: 2, names: ["x", "k"] }, // "c" is not shared by trial 0
      { trial: 3, names: ["x", "k"] },
    ]);
  });

  test("callbacks see every finished trial", async () => {
    const study = await createStudy();
    const states: string[] = [];
    await study.optimize((trial) => (trial.number === 1 ? Number.NaN : 1), {
      trials: 3,
      space,
      callbacks: [(_study, trial) => void states.push(`${trial.number}:${trial.state}`)],
    });
    assert.deepEqual(states, ["0:complete", "1:failed", "2:complete"]);
  });
});

describe("export", () => {
  test("toJSON and toCSV carry every trial", async () => {
    const study = await createStudy({ seed: 10, studyName: "export" });
    await study.optimize(
      (trial) => {
        trial.setUserAttr("note", "a,b");
        const act = trial.suggestCategorical("act", ["relu", 'say "hi"']);
        if (trial.number === 1) throw new Error("boom, again");
        return { value: act === "relu" ? 1 : 2, acc: 0.5 };
      },
      { trials: 3 },
    );
    const json = JSON.parse(JSON.stringify(study.toJSON())) as { studyName: string; trials: unknown[]; bestTrial: number };
    assert.equal(json.studyName, "export");
    assert.equal(json.trials.length, 3);
    assert.equal(json.bestTrial, study.bestTrial?.number);
    const lines = study.toCSV().trimEnd().split("\n");
    assert.equal(lines[0], "number,state,value,params_act,metrics_value,metrics_acc,started_at,completed_at,duration_ms,error");
    assert.equal(lines.length, 4);
    assert.match(lines[2] ?? "", /^1,failed,,.*,"boom, again"$/);
    const quoted = study.trials.some((t) => t.params["act"] !== "relu");
    if (quoted) assert.match(study.toCSV(), /"say ""hi"""/);
  });
});

describe("pending trials", () => {
  test("several trials asked at once get distinct numbers, and the sampler sees the earlier ones running", async () => {
    const pending: number[][] = [];
    const inner = new RandomSampler({ seed: 1 });
    const sampler = {
      name: "spy",
      sample(context: Parameters<RandomSampler["sample"]>[0]) {
        pending.push(context.trials.filter((t) => t.state === "running" && Object.keys(t.params).length > 0).map((t) => t.number));
        return inner.sample(context);
      },
    };
    const study = await createStudy({ sampler });
    const trials = await Promise.all([study.ask(space), study.ask(space), study.ask(space)]);
    assert.deepEqual(trials.map((t) => t.number), [0, 1, 2]);
    assert.deepEqual(pending, [[], [0], [0, 1]]);
    await Promise.all(trials.map((t) => study.tell(t, t.number)));
    assert.deepEqual(study.trials.map((t) => t.state), ["complete", "complete", "complete"]);
  });
});

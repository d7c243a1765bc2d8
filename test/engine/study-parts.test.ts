/** The study's parts on their own: choosing parameters, interpreting outcomes, the loop, export. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { categorical, floatDistribution, intDistribution } from "../../src/engine/distributions";
import { SearchSpaceExhaustedError, TooManyFailuresError } from "../../src/engine/errors";
import { RandomSampler } from "../../src/engine/samplers/random";
import { newTrial } from "../../src/engine/storage/storage";
import { avoidDuplicate, chooseParams, type SamplingSetup } from "../../src/engine/study-ask";
import { trialsToCSV } from "../../src/engine/study-export";
import { runOptimizeLoop, type OptimizeHost } from "../../src/engine/study-optimize";
import { interpretObjectiveResult, outcomeOf, type TrialRun } from "../../src/engine/study-tell";
import type { Trial } from "../../src/engine/trial";
import type { FrozenTrial, Params, TrialState } from "../../src/engine/types";

function trial(number: number, state: TrialState, params: Params = {}, fields: Partial<FrozenTrial> = {}): FrozenTrial {
  return { number, ...newTrial(state, { params }), ...fields };
}

const setup: SamplingSetup = { sampler: new RandomSampler({ seed: 1 }), direction: "minimize", seed: 1, duplicateRetries: 20 };

describe("study-ask", () => {
  test("avoidDuplicate replaces a held point by an untried one, and says when none is left", () => {
    const space = { n: intDistribution(0, 1), c: categorical(["a"]) };
    const trials = [trial(0, "complete", { n: 0, c: "a" })];
    assert.deepEqual(avoidDuplicate(setup, trials, space, { n: 0, c: "a" }, 1), { n: 1, c: "a" });
    assert.deepEqual(avoidDuplicate(setup, [trial(0, "waiting", { n: 0, c: "a" })], space, { n: 0, c: "a" }, 1), { n: 0, c: "a" }, "a waiting trial holds no point");
    const full = [...trials, trial(1, "failed", { n: 1, c: "a" })];
    assert.throws(() => avoidDuplicate(setup, full, space, { n: 0, c: "a" }, 2), SearchSpaceExhaustedError);
  });

  test("chooseParams keeps enqueued values, samples the rest, and refuses an enqueued value outside the space", () => {
    const space = { x: floatDistribution(0, 1), n: intDistribution(1, 3) };
    const choice = chooseParams(setup, [], space, 0, { n: 2, extra: "kept" });
    assert.equal(choice.params["n"], 2);
    assert.ok((choice.params["x"] as number) >= 0 && (choice.params["x"] as number) <= 1);
    assert.equal(choice.sampledAll, false);
    assert.deepEqual([...choice.presets.keys()], ["extra"], "only values outside the space wait for suggest");
    assert.throws(() => chooseParams(setup, [], space, 0, { n: 9 }), /enqueued value 9 of "n"/);
  });

  test("without a space, chooseParams presets the intersection of complete trials' parameters", () => {
    const dists = { x: floatDistribution(0, 1) };
    const done = { ...trial(0, "complete", { x: 0.5 }), distributions: dists };
    const choice = chooseParams(setup, [done], undefined, 1, {});
    assert.deepEqual(choice.params, {});
    assert.deepEqual([...choice.presets.keys()], ["x"]);
  });
});

describe("study-tell", () => {
  test("interprets numbers, records of metrics and anything else", () => {
    assert.equal(interpretObjectiveResult(0.5, "value"), 0.5);
    assert.deepEqual(interpretObjectiveResult({ acc: 0.9, loss: 0.1, note: "x" }, "acc"), { state: "complete", value: 0.9, metrics: { acc: 0.9, loss: 0.1 } });
    assert.match((interpretObjectiveResult({ loss: 1 }, "acc") as { error: string }).error, /without the study's metric "acc"/);
    assert.match((interpretObjectiveResult("1", "value") as { error: string }).error, /returned string/);
  });

  test("outcomes: NaN fails, a pruned trial keeps its value at its last step", () => {
    const running = trial(0, "running", {}, { intermediateValues: [{ step: 0, value: 3 }, { step: 1, value: 2 }] });
    assert.deepEqual(outcomeOf(running, 1, "loss", 9), { state: "complete", value: 1, metrics: { loss: 1 }, completedAt: 9 });
    assert.deepEqual(outcomeOf(running, NaN, "loss", 9), { state: "failed", completedAt: 9, error: "the objective returned NaN" });
    assert.deepEqual(outcomeOf(running, { state: "pruned" }, "loss", 9), { state: "pruned", value: 2, metrics: {}, completedAt: 9 });
    // Steps reported out of order: the value at the largest step (Optuna's last_step), not the last reported.
    const unordered = trial(1, "running", {}, { intermediateValues: [{ step: 5, value: 0.5 }, { step: 1, value: 2 }] });
    assert.deepEqual(outcomeOf(unordered, { state: "pruned" }, "loss", 9), { state: "pruned", value: 0.5, metrics: {}, completedAt: 9 });
  });
});

describe("study-optimize", () => {
  /** A host whose trials end as `outcomes` says, in order; it counts asks. */
  function fakeHost(outcomes: readonly TrialState[], maxConsecutiveFailures = 3): OptimizeHost & { asked: number } {
    let time = 0;
    const told: FrozenTrial[] = [];
    const host = {
      asked: 0,
      clock: () => time++,
      maxConsecutiveFailures,
      shared: undefined,
      ask: async (): Promise<Trial> => {
        if (host.asked >= outcomes.length) throw new SearchSpaceExhaustedError(outcomes.length);
        return { number: host.asked++ } as Trial;
      },
      runTrial: async (t: Trial): Promise<TrialRun> => {
        const frozen = trial(t.number, outcomes[t.number] as TrialState, {}, { error: "boom" });
        told.push(frozen);
        return { kind: "told", frozen, exhausted: undefined };
      },
      refresh: async () => undefined,
      finishedCount: () => told.filter((t) => t.state === "complete" || t.state === "pruned").length,
      callbacks: [],
    };
    return host;
  }

  test("stops after `trials`, or when the space is exhausted, saying why", async () => {
    assert.deepEqual(await runOptimizeLoop(fakeHost(["complete", "complete", "complete"]), { trials: 2 }), { trialsRun: 2, stopReason: "trials", message: "ran 2 trials" });
    const exhausted = await runOptimizeLoop(fakeHost(["complete"]), { trials: 5 });
    assert.equal(exhausted.stopReason, "exhausted");
    assert.match(exhausted.message, /exhausted.*; ran 1 trial$/);
  });

  test("with countStudyTrials a failed trial is replaced; failures in a row stop the loop", async () => {
    const host = fakeHost(["complete", "failed", "complete"]);
    const summary = await runOptimizeLoop(host, { trials: 2, countStudyTrials: true });
    assert.equal(summary.message, "the study has 2 finished trials (3 run by this worker)");
    await assert.rejects(runOptimizeLoop(fakeHost(["failed", "failed", "failed", "complete"]), { trials: 4 }), TooManyFailuresError);
  });
});

describe("study-export", () => {
  test("CSV: a space's declaration order comes first (a conditional parameter seen in a later trial keeps its place)", () => {
    const trials = [
      trial(0, "complete", { optimizer: "adam", lr: 0.1, beta1: 0.9, units: 4 }, { value: 1 }),
      trial(1, "complete", { optimizer: "sgd", lr: 0.2, momentum: 0.5, units: 8 }, { value: 2 }),
    ];
    const header = (order?: readonly string[]): string => trialsToCSV(trials, undefined, order).split("\n")[0]!;
    assert.match(header(), /params_optimizer,params_lr,params_beta1,params_units,params_momentum,/);
    assert.match(header(["optimizer", "lr", "momentum", "beta1", "units", "unused"]), /,value,params_optimizer,params_lr,params_momentum,params_beta1,params_units,started_at,/);
  });

  test("CSV: parameter and metric columns in order of first appearance, quoted where needed", () => {
    const trials = [
      trial(0, "complete", { a: 1 }, { value: 2, metrics: { loss: 2 }, startedAt: 10, completedAt: 15 }),
      trial(1, "failed", { b: "x,y" }, { error: 'said "no"' }),
    ];
    assert.equal(
      trialsToCSV(trials),
      "number,state,value,params_a,params_b,metrics_loss,started_at,completed_at,duration_ms,error\n" +
        "0,complete,2,1,,2,10,15,5,\n" +
        '1,failed,,,"x,y",,,,,"said ""no"""\n',
    );
  });
});

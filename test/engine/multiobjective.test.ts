/**
 * Studies of several objectives through the real study: objectives returning arrays or records,
 * tell with several values, the Pareto front as `bestTrials`, the single-objective accessors
 * refusing, export, resuming from a journal (and reading a journal written before several
 * objectives existed), and the options refused with a clear error.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";

import { floatDistribution } from "../../src/engine/distributions";
import { MedianPruner } from "../../src/engine/pruners/median";
import { CmaEsSampler } from "../../src/engine/samplers/cmaes";
import { GPSampler } from "../../src/engine/samplers/gp";
import { NSGA2Sampler } from "../../src/engine/samplers/nsga2";
import { TPESampler } from "../../src/engine/samplers/tpe";
import { JournalStorage } from "../../src/engine/storage/journal";
import { createStudy, type Study } from "../../src/engine/study";
import { trialValues, type SearchSpace } from "../../src/engine/types";

const space: SearchSpace = { x: floatDistribution(0, 1), y: floatDistribution(0, 1) };
const dir = mkdtempSync(join(tmpdir(), "tunelab-multiobjective-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Tells one trial per row of `rows` (each objective's values) and returns the study. */
async function studyOf(rows: readonly (readonly number[])[]): Promise<Study> {
  const study = await createStudy({ directions: ["maximize", "minimize"], metrics: ["acc", "size"] });
  for (const values of rows) await study.tell(await study.ask(space), values);
  return study;
}

describe("objectives and values", () => {
  test("an objective returning a record stores each objective's value in order, value being the first", async () => {
    const study = await createStudy({ directions: ["maximize", "minimize"], metrics: ["acc", "size"], seed: 3 });
    await study.optimize((t) => ({ size: t.suggestFloat("x", 0, 1) * 100, acc: t.suggestFloat("y", 0, 1), loss: 0.5 }), { trials: 4 });
    for (const trial of study.trials) {
      assert.equal(trial.state, "complete");
      const acc = trial.params["y"] as number;
      const size = (trial.params["x"] as number) * 100;
      assert.deepEqual(trial.values, [acc, size]);
      assert.equal(trial.value, acc);
      assert.deepEqual(trial.metrics, { size, acc, loss: 0.5 });
      assert.deepEqual(trialValues(trial), [acc, size]);
    }
    assert.deepEqual(study.directions, ["maximize", "minimize"]);
    assert.deepEqual(study.metrics, ["acc", "size"]);
    assert.equal(study.isMultiObjective, true);
  });

  test("an objective returning an array names the objectives values_0, values_1, …", async () => {
    const study = await createStudy({ directions: ["minimize", "minimize", "maximize"] });
    await study.optimize((t) => [t.suggestFloat("x", 0, 1), 2, 3], { trials: 2 });
    const trial = study.trials[1];
    assert.deepEqual(trial?.values, [trial?.params["x"], 2, 3]);
    assert.deepEqual(Object.keys(trial?.metrics ?? {}), ["values_0", "values_1", "values_2"]);
  });

  test("a wrong number of values, one number, NaN or a missing metric fail the trial, saying why; the search goes on", async () => {
    const study = await createStudy({ directions: ["maximize", "minimize"], metrics: ["acc", "size"] });
    const answers: unknown[] = [[1], 0.5, [0.5, NaN], { acc: 1 }, [0.9, 3]];
    await study.optimize(() => answers.shift() as number[], { trials: 5 });
    const errors = study.trials.map((t) => t.error);
    assert.match(errors[0] ?? "", /returned 1 value, but the study has 2 objectives \(acc, size\)/);
    assert.match(errors[1] ?? "", /returned one number; a study of 2 objectives \(acc, size\) expects an array of 2 numbers/);
    assert.match(errors[2] ?? "", /returned NaN for objective 1 \("size"\)/);
    assert.match(errors[3] ?? "", /without the study's metrics "size"/);
    assert.deepEqual(study.trials.map((t) => t.state), ["failed", "failed", "failed", "failed", "complete"]);
    assert.equal(study.trials[0]?.values, undefined);
  });

  test("tell takes several values, as an array or an explicit outcome", async () => {
    const study = await createStudy({ directions: ["maximize", "minimize"] });
    const a = await study.tell(await study.ask(space), [0.8, 4]);
    const b = await study.tell(await study.ask(space), { state: "complete", values: [0.7, 2], metrics: { extra: 1 } });
    const c = await study.tell(await study.ask(space), { state: "complete", value: 0.7 });
    assert.deepEqual([a.values, b.values], [[0.8, 4], [0.7, 2]]);
    assert.deepEqual(b.metrics, { extra: 1, values_0: 0.7, values_1: 2 });
    assert.equal(c.state, "failed");
    assert.match(c.error ?? "", /returned 1 value, but the study has 2 objectives/);
  });

  test("optimize with several trials at once records every trial's values", async () => {
    const study = await createStudy({ directions: ["minimize", "minimize"], sampler: new NSGA2Sampler({ populationSize: 3, seed: 1 }) });
    await study.optimize(
      async (t) => {
        const x = t.suggestFloat("x", 0, 1);
        await new Promise((resolve) => setImmediate(resolve));
        return [x, 1 - x];
      },
      { trials: 9, concurrency: 3 },
    );
    assert.equal(study.trials.length, 9);
    for (const t of study.trials) assert.deepEqual(t.values, [t.params["x"], 1 - (t.params["x"] as number)]);
    assert.equal(study.bestTrials.length, 9, "on the line x + y = 1 no trial dominates another");
  });

  test("a single-objective study is unchanged: no values stored, an array of one value accepted", async () => {
    const study = await createStudy({ direction: "maximize" });
    const told = await study.tell(await study.ask(space), 3);
    assert.equal(told.values, undefined);
    assert.deepEqual(told.metrics, { value: 3 });
    const one = await study.tell(await study.ask(space), [4]);
    assert.equal(one.value, 4);
    assert.equal(study.bestValue, 4);
    assert.deepEqual(study.directions, ["maximize"]);
    assert.equal(study.isMultiObjective, false);
  });
});

describe("the Pareto front", () => {
  test("bestTrials holds the complete trials no other dominates, duplicates and ties included", async () => {
    // (acc ↑, size ↓): 0 and 2 are equal; 3 is dominated by 1; 4 by 0; 5 trades size for accuracy.
    const study = await studyOf([[0.9, 10], [0.8, 5], [0.9, 10], [0.7, 20], [0.9, 12], [0.95, 30], [0.8, 5]]);
    await study.tell(await study.ask(space), [NaN, 1]);
    assert.deepEqual(study.bestTrials.map((t) => t.number), [0, 1, 2, 5, 6]);
  });

  test("bestTrial, bestValue and bestParams refuse, pointing to bestTrials", async () => {
    const study = await studyOf([[0.9, 10]]);
    assert.throws(() => study.bestTrial, /has 2 objectives \(acc, size\): bestTrial is for a single objective; use study\.bestTrials/);
    assert.throws(() => study.bestValue, /bestValue is for a single objective/);
    assert.throws(() => study.bestParams, /bestParams is for a single objective/);
  });

  test("in a single-objective study, bestTrials is every trial with the best value", async () => {
    const study = await createStudy({ direction: "minimize" });
    for (const v of [3, 1, 2, 1]) await study.tell(await study.ask(space), v);
    assert.deepEqual(study.bestTrials.map((t) => t.number), [1, 3]);
  });
});

describe("export", () => {
  test("JSON carries the directions, metrics and front; CSV has one column per objective", async () => {
    const study = await studyOf([[0.9, 10], [0.7, 20]]);
    const json = study.toJSON();
    assert.equal(json.bestTrial, null);
    assert.deepEqual(json.directions, ["maximize", "minimize"]);
    assert.deepEqual(json.metrics, ["acc", "size"]);
    assert.deepEqual(json.bestTrials, [0]);
    const [header, first] = study.toCSV().split("\n");
    const columns = (header ?? "").split(",");
    assert.deepEqual(columns.slice(0, 4), ["number", "state", "values_acc", "values_size"]);
    assert.ok(!columns.includes("value"), `no single value column in ${header}`);
    assert.deepEqual((first ?? "").split(",").slice(0, 4), ["0", "complete", "0.9", "10"]);
  });
});

describe("resuming", () => {
  test("a journal keeps the directions, metrics and values; other directions are refused", async () => {
    const path = join(dir, "resume.jsonl");
    const options = { studyName: "mo", directions: ["maximize", "minimize"], metrics: ["acc", "size"] } as const;
    const first = await createStudy({ ...options, storage: await JournalStorage.open(path), sampler: new NSGA2Sampler({ populationSize: 4 }) });
    await first.optimize((t) => [t.suggestFloat("x", 0, 1), t.suggestFloat("y", 0, 1)], { trials: 6 });
    await first.storage.close();
    const storage = await JournalStorage.open(path);
    const again = await createStudy({ studyName: "mo", directions: ["maximize", "minimize"], storage });
    assert.deepEqual(again.metrics, ["acc", "size"], "the stored metric names are used when none are given");
    assert.deepEqual(again.trials.map((t) => t.values), first.trials.map((t) => t.values));
    assert.deepEqual(again.bestTrials.map((t) => t.number), first.bestTrials.map((t) => t.number));
    await assert.rejects(createStudy({ studyName: "mo", directions: ["minimize", "minimize"], storage }), /stored with directions \[maximize, minimize\], but directions \[minimize, minimize\] was asked for/);
    await assert.rejects(createStudy({ studyName: "mo", storage }), /stored with directions \[maximize, minimize\], but direction "minimize" was asked for/);
    await assert.rejects(createStudy({ ...options, metrics: ["a", "b"], storage }), /stored with metrics \[acc, size\], but \[a, b\] were asked for/);
    await storage.close();
  });

  test("a journal written before several objectives existed still loads", async () => {
    const path = join(dir, "old.jsonl");
    const lines = [
      { op: "createStudy", record: { name: "old", direction: "maximize", metric: "accuracy", createdAt: 1 } },
      { op: "createTrial", study: "old", number: 0, trial: { state: "running", params: {}, distributions: {}, metrics: {}, intermediateValues: [], userAttrs: {}, startedAt: 2 } },
      { op: "updateTrial", study: "old", number: 0, update: { params: { x: 0.5 }, distributions: { x: { kind: "float", low: 0, high: 1, log: false } } } },
      { op: "updateTrial", study: "old", number: 0, update: { state: "complete", value: 0.75, metrics: { accuracy: 0.75 }, completedAt: 3 } },
    ];
    writeFileSync(path, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const storage = await JournalStorage.open(path);
    const study = await createStudy({ studyName: "old", direction: "maximize", storage });
    assert.equal(study.metric, "accuracy");
    assert.equal(study.bestValue, 0.75);
    assert.deepEqual(trialValues(study.trials[0] as never), [0.75]);
    assert.deepEqual(study.bestTrials.map((t) => t.number), [0]);
    await storage.close();
  });
});

describe("options refused", () => {
  test("samplers of one objective, pruners and inconsistent options are refused with a clear error", async () => {
    const directions = ["maximize", "minimize"] as const;
    for (const sampler of [new GPSampler(), new TPESampler(), new CmaEsSampler()]) {
      await assert.rejects(createStudy({ directions, sampler }), new RegExp(`sampler "${sampler.name}" optimises a single objective; a study of 2 objectives needs one that handles several`));
    }
    await assert.rejects(createStudy({ directions, pruner: new MedianPruner() }), /pruning is not supported in a study of several objectives/);
    await assert.rejects(createStudy({ directions, direction: "minimize" }), /give direction \(one objective\) or directions \(several\), not both/);
    await assert.rejects(createStudy({ directions, metrics: ["a"] }), /metrics must have one name per direction \(2\), but got \["a"\]/);
    await assert.rejects(createStudy({ directions, metrics: ["a", "a"] }), /metrics must be distinct/);
    await assert.rejects(createStudy({ directions, metric: "a" }), /names them with metrics \(one per direction\), not metric/);
    await assert.rejects(createStudy({ directions: [] }), /directions must be a non-empty array/);
    await assert.rejects(createStudy({ directions: ["maximize", "up" as never] }), /directions\[1\] must be "minimize" or "maximize", but got "up"/);
    await assert.rejects(createStudy({ metrics: ["a", "b"] }), /metrics needs directions/);
  });

  test("one direction in directions is a single-objective study that keeps its samplers and pruners", async () => {
    const study = await createStudy({ directions: ["maximize"], sampler: new TPESampler(), pruner: new MedianPruner() });
    assert.equal(study.isMultiObjective, false);
    assert.equal(study.direction, "maximize");
  });
});

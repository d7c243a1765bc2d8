import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cellText, progressLine, studyInfo, validateStudyData, type StudyData } from "../../src/render";
import type { FrozenTrial } from "../../src/engine/types";
import { SPACE, T0, sampleStudy, trial } from "./fixtures";

const base: Omit<StudyData, "trials"> = { space: SPACE, direction: "minimize", metric: "val_loss" };

describe("studyInfo: table", () => {
  it("has #, state, every parameter in space order, the metric(s), duration, and error only when a trial failed", () => {
    const study = sampleStudy(12);
    const info = studyInfo(study, T0 + 1e6);
    assert.deepEqual(
      info.table.columns.map((c) => c.title),
      ["#", "state", "lr", "units", "dropout", "activation", "batchSize", "seed", "val_loss", "val_acc", "duration", "error"],
    );
    const noFailure = studyInfo({ ...base, trials: [trial(0, { state: "complete", value: 1 })] }, T0);
    assert.ok(!noFailure.table.columns.some((c) => c.kind === "error"));
  });

  it("orders rows by trial number whatever the input order, and marks the best trial", () => {
    const study = sampleStudy(10);
    const shuffled = [...study.trials].reverse();
    const info = studyInfo({ ...study, trials: shuffled }, T0 + 1e6);
    assert.deepEqual(info.table.rows.map((r) => r.number), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const complete = study.trials.filter((t) => t.state === "complete");
    const best = complete.reduce((a, b) => ((b.value as number) < (a.value as number) ? b : a));
    assert.equal(info.best?.number, best.number);
    assert.deepEqual(info.table.rows.filter((r) => r.isBest).map((r) => r.number), [best.number]);
  });

  it("shows failed and pruned trials: the failure reason, the pruned trial's last value, durations", () => {
    const info = studyInfo(sampleStudy(12), T0 + 1e6);
    const columns = info.table.columns;
    const column = (kind: string) => columns.find((c) => c.kind === kind) ?? assert.fail(kind);
    const failed = info.table.rows[3];
    assert.equal(failed.state, "failed");
    assert.equal(cellText(failed, column("error")), "objective returned NaN");
    assert.equal(cellText(failed, column("objective")), "");
    const pruned = info.table.rows[5];
    assert.equal(pruned.state, "pruned");
    assert.notEqual(cellText(pruned, column("objective")), "");
    assert.equal(cellText(pruned, column("duration")), "8.0 s");
  });

  it("measures a running trial's duration up to now", () => {
    const info = studyInfo({ ...base, trials: [trial(0, { state: "running" })] }, T0 + 2_500);
    assert.equal(info.table.rows[0].durationMs, 2_500);
  });

  it("picks the best by direction, the lowest number on ties, and never a pruned trial", () => {
    const trials: FrozenTrial[] = [
      trial(0, { state: "complete", value: 3 }),
      trial(1, { state: "complete", value: 5 }),
      trial(2, { state: "complete", value: 5 }),
      trial(3, { state: "pruned", value: 100 }),
      trial(4, { state: "pruned", value: -100 }),
    ];
    assert.equal(studyInfo({ ...base, trials }, T0).best?.number, 0);
    assert.equal(studyInfo({ ...base, direction: "maximize", trials }, T0).best?.number, 1);
  });
});

describe("studyInfo: series", () => {
  it("history: every started trial with the best complete value so far", () => {
    const trials: FrozenTrial[] = [
      trial(0, { state: "failed", error: "boom" }),
      trial(1, { state: "complete", value: 4 }),
      trial(2, { state: "pruned", value: 1 }),
      trial(3, { state: "complete", value: 2 }),
      trial(4, { state: "complete", value: 3 }),
      trial(5, { state: "waiting" }),
    ];
    const info = studyInfo({ ...base, trials }, T0 + 1e6);
    assert.deepEqual(
      info.history.map((p) => [p.number, p.state, p.value, p.bestSoFar]),
      [
        [0, "failed", undefined, undefined],
        [1, "complete", 4, 4],
        [2, "pruned", 1, 4],
        [3, "complete", 2, 2],
        [4, "complete", 3, 2],
      ],
    );
  });

  it("slices: one per searched parameter (not fixed ones), categoricals as shown text, pruned marked", () => {
    const info = studyInfo(sampleStudy(12), T0 + 1e6);
    assert.deepEqual(info.slices.map((s) => [s.parameter.name, s.parameter.scale]), [
      ["lr", "log"],
      ["units", "log"],
      ["dropout", "linear"],
      ["activation", "category"],
      ["batchSize", "category"],
    ]);
    const batch = info.slices[4];
    assert.deepEqual(batch.parameter.categories, ["16", "32", "64"]);
    assert.ok(batch.points.every((p) => typeof p.x === "string"));
    assert.equal(batch.points.length, 11); // 12 trials, one failed
    assert.deepEqual(batch.points.filter((p) => p.state === "pruned").map((p) => p.number), [5, 11]);
  });

  it("learning curves of trials that reported, keeping state and order", () => {
    const info = studyInfo(sampleStudy(8, { withRunning: true }), T0 + 1e6);
    assert.deepEqual(info.curves.map((c) => [c.number, c.state, c.steps.length]), [
      [0, "complete", 5],
      [1, "complete", 5],
      [2, "complete", 5],
      [4, "complete", 5],
      [5, "pruned", 2],
      [6, "complete", 5],
      [7, "running", 3],
    ]);
  });

  it("progress: finished of planned, elapsed, time left and best so far", () => {
    const trials = [trial(0, { state: "complete", value: 2 }), trial(1, { state: "complete", value: 1 }), trial(2, { state: "running" })];
    const info = studyInfo({ ...base, trials, plannedTrials: 10 }, T0 + 20_000);
    assert.deepEqual(info.progress, {
      finished: 2,
      running: 1,
      planned: 10,
      elapsedMs: 20_000,
      remainingMs: 80_000,
      best: { number: 1, value: 1, params: {} },
    });
    assert.equal(progressLine(info), "2 of 10 trials done · elapsed 20.0 s · 1 running · ~1 min 20 s left · best val_loss 1 (trial 1)");
  });
});

describe("studyInfo: edge cases and bad input", () => {
  it("an empty study has columns, no rows, no best, and zero progress", () => {
    const info = studyInfo({ ...base, trials: [] }, T0);
    assert.equal(info.table.rows.length, 0);
    assert.ok(info.table.columns.length > 0);
    assert.equal(info.best, undefined);
    assert.deepEqual(info.history, []);
    assert.equal(info.progress.elapsedMs, 0);
    assert.match(progressLine(info), /0 trials done .* no complete trial yet/);
  });

  it("one trial is the best and has no importance yet", () => {
    const info = studyInfo({ ...base, trials: [trial(0, { state: "complete", value: 0.5, params: { lr: 0.01 } })] }, T0);
    assert.equal(info.best?.number, 0);
    assert.ok(info.importance.every((e) => e.share === 0));
  });

  it("parameters only trials know about are added after the declared ones", () => {
    const extra = trial(0, {
      state: "complete",
      value: 1,
      params: { lr: 0.01, momentum: 0.9 },
      distributions: { ...SPACE, momentum: { kind: "float", low: 0, high: 1, log: false } },
    });
    const info = studyInfo({ ...base, trials: [extra] }, T0);
    assert.equal(info.parameters.at(-1)?.name, "momentum");
  });

  it("rejects bad input naming what is wrong and what was expected", () => {
    const bad = (study: unknown, pattern: RegExp) => assert.throws(() => validateStudyData(study as StudyData), pattern);
    bad({ ...base, trials: "x" }, /`trials` must be an array of FrozenTrial/);
    bad({ ...base, trials: [], direction: "down" }, /`direction` must be "minimize" or "maximize", got "down"/);
    bad({ ...base, trials: [], metric: "" }, /`metric` must be a non-empty string/);
    bad({ ...base, trials: [trial(1, { state: "complete", value: 1 }), trial(1, { state: "complete", value: 2 })] }, /trial number 1 appears twice/);
    bad({ ...base, trials: [trial(0, { state: "done" as never })] }, /state "done"; expected one of waiting, running/);
    bad({ ...base, trials: [trial(0, { state: "complete", value: Number.NaN })] }, /complete but its value is NaN; expected a finite number/);
    bad({ ...base, trials: [], plannedTrials: -1 }, /`plannedTrials` must be a non-negative integer/);
    bad({ ...base, trials: [{ ...trial(0, { state: "running" }), metrics: undefined }] }, /trial 0 has no `metrics` object; expected a record/);
    bad({ ...base, trials: [{ ...trial(0, { state: "running" }), intermediateValues: {} }] }, /`intermediateValues` must be an array/);
  });
});

/** The text `%%tune` prints after a search and after the --cv refit. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { refitReport, searchReport } from "../../../src/magic/tune/report";
import type { FrozenTrial } from "../../../src/engine/types";

const trial = (number: number, state: FrozenTrial["state"], value?: number): FrozenTrial =>
  ({ number, state, params: { lr: 0.0123456, act: "relu" }, ...(value === undefined ? {} : { value }) }) as unknown as FrozenTrial;

test("the search report: why it stopped, time and its share, the trials, the best trial", () => {
  const trials = [trial(0, "complete", 0.512345678), trial(1, "pruned"), trial(2, "complete", 0.9)];
  const text = searchReport(
    { name: "s", metric: "val_acc", trials, bestTrial: trials[2] },
    { message: "ran 3 trials", trialsRun: 3, wallTimeMs: 63_400, objectiveMs: 62_000, setupMs: 10 },
    "training",
    "study",
  );
  assert.equal(text, 'Ran 3 trials (1 min 03 s, 97 % of it training). Study "s": 3 trials (2 complete, 1 pruned); best trial #2: val_acc = 0.9 with {"lr":0.01235,"act":"relu"}.');
});

test("no trial run: no share; no trial complete: said so", () => {
  const text = searchReport(
    { name: "s", metric: "value", trials: [], bestTrial: undefined },
    { message: "nothing to do", trialsRun: 0, wallTimeMs: 2, objectiveMs: 0, setupMs: 1 },
    "in the objective",
    "study",
  );
  assert.equal(text, 'Nothing to do (2 ms). Study "s": 0 trials; no trial completed.');
});

test("the refit line", () => {
  const text = refitReport({ trialNumber: 4, rows: 150, data: "x,y", epochs: 20, durationMs: 1234, out: "study" });
  assert.match(text, /^Refitted the best parameters \(trial #4\) on all 150 rows of x,y for 20 epochs \(1\.2 s\): that model is study\.bestModel/);
  const long = refitReport({ trialNumber: 4, rows: 150, data: "x,y", epochs: 20, durationMs: 119_600, out: "study" });
  assert.match(long, /for 20 epochs \(2 min 00 s\)/, "render's formatDuration, never \"119.6 s\" or \"1 min 60 s\"");
});

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
  const allPruned = searchReport(
    { name: "s", metric: "val_loss", trials: [trial(0, "pruned"), trial(1, "pruned")], bestTrial: undefined },
    { message: "ran 2 trials", trialsRun: 2, wallTimeMs: 2, objectiveMs: 1, setupMs: 1 },
    "training",
    "study",
  );
  assert.match(allPruned, /; no trial completed: all 2 were pruned before the end, too few for the pruner to promote one to the last rung \(raise --trials, or lower --epochs or --max-resource\)\.$/);
});

test("the refit line", () => {
  const text = refitReport({ trialNumber: 4, rows: 150, data: "x,y", epochs: 20, durationMs: 1234, out: "study" });
  assert.match(text, /^Refitted the best parameters \(trial #4\) on all 150 rows of x,y for 20 epochs \(1\.2 s\): that model is study\.bestModel/);
  const long = refitReport({ trialNumber: 4, rows: 150, data: "x,y", epochs: 20, durationMs: 119_600, out: "study" });
  assert.match(long, /for 20 epochs \(2 min 00 s\)/, "render's formatDuration, never \"119.6 s\" or \"1 min 60 s\"");
});

test("failed trials: each distinct reason once with its trials, the first line of a long message, the rest counted", () => {
  const failed = (number: number, error: string): FrozenTrial => ({ ...trial(number, "failed"), error }) as FrozenTrial;
  const trials = [trial(0, "complete", 0.5), failed(1, "Error: too wide"), failed(2, "Error: too wide"), failed(3, "RangeError: bad\n    at build (cell-3.js:1:2)")];
  const text = searchReport(
    { name: "s", metric: "val_acc", trials, bestTrial: trials[0] },
    { message: "ran 4 trials", trialsRun: 4, wallTimeMs: 1000, objectiveMs: 900, setupMs: 1 },
    "training",
    "study",
  );
  assert.deepEqual(text.split("\n").slice(1), ["Failed #1, #2: Error: too wide", "Failed #3: RangeError: bad"]);
  const many = [0, 1, 2, 3, 4, 5].map((n) => failed(n, `reason ${n % 4}`));
  const lines = searchReport({ name: "s", metric: "v", trials: many, bestTrial: undefined }, { message: "ran 6 trials", trialsRun: 6, wallTimeMs: 10, objectiveMs: 5, setupMs: 1 }, "in the objective", "study").split("\n");
  assert.deepEqual(lines.slice(1), ["Failed #0, #4: reason 0", "Failed #1, #5: reason 1", "Failed #2: reason 2", "(1 other reason: see the trials table's error column)"]);
});

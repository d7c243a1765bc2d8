/** `--workers N` bounded by the machine's cores and the planned trials (no threads started here). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { boundedWorkers } from "../../../src/magic/tune/worker-search";

test("--workers is bounded by the cores and by the planned trials, and says so", () => {
  assert.deepEqual(boundedWorkers(2, 30, 4), { count: 2 });
  const byCores = boundedWorkers(64, 8, 2);
  assert.equal(byCores.count, 2);
  assert.match(byCores.note ?? "", /^--workers 64: this machine runs 2 threads at once and the search plans 8 trials, so 2 trials run at once\.$/);
  const byTrials = boundedWorkers(6, 3, 16);
  assert.equal(byTrials.count, 3);
  assert.match(byTrials.note ?? "", /^--workers 6: the search plans 3 trials, so 3 trials run at once\.$/);
  assert.equal(boundedWorkers(4, 1, 1).count, 1);
});

test("--workers auto: every core below 4, one left to the notebook from 4 up, bounded by the planned trials, and says how", () => {
  assert.deepEqual(boundedWorkers("auto", 30, 2), { count: 2, auto: "--workers auto: 2 cores" });
  assert.deepEqual(boundedWorkers("auto", 30, 8), { count: 7, auto: "--workers auto: 8 cores, one left to the notebook" });
  assert.deepEqual(boundedWorkers("auto", 3, 8), { count: 3, auto: "--workers auto: 8 cores, one left to the notebook, 3 planned trials" });
  assert.deepEqual(boundedWorkers("auto", 30, 1), { count: 1, auto: "--workers auto: 1 core" });
  assert.deepEqual(boundedWorkers("auto", 1, 2), { count: 1, auto: "--workers auto: 2 cores, 1 planned trial" });
});

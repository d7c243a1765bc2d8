/**
 * A journal on a file system that fills up mid-search (a real 64 KiB tmpfs, mounted for the test:
 * the tests run as root, see test/README.md): the search stops with an error naming the journal
 * and what was not kept, the file ends on a whole line, and once there is room the study resumes
 * with every trial told before, numbering on.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { RandomSampler } from "../../src/engine/samplers/random";
import { JournalStorage } from "../../src/engine/storage/journal";
import { StorageError } from "../../src/engine/storage/memory";
import { createStudy } from "../../src/engine/study";
import type { Trial } from "../../src/engine/trial";

const dir = mkdtempSync(join(tmpdir(), "tunelab-journal-full-"));
let mounted = false;
before(() => {
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
  mounted = true;
});
after(() => {
  if (mounted) execFileSync("umount", [dir]);
  rmSync(dir, { recursive: true, force: true });
});

/** Reports 40 intermediate values (a line each), then returns x². */
function objective(trial: Trial): number {
  const x = trial.suggestFloat("x", -1, 1);
  for (let step = 0; step < 40; step++) trial.report(x * x + 1 / (step + 1), step);
  return x * x;
}

test("a disk that fills mid-search: a clear error, a whole-line file, nothing told lost, the study resumes", async () => {
  const path = join(dir, "study.jsonl");
  const storage = JournalStorage.open(path);
  const study = await createStudy({ storage, studyName: "full", direction: "minimize", sampler: new RandomSampler({ seed: 1 }) });
  await assert.rejects(
    study.optimize(objective, { trials: 10_000 }),
    (error: unknown) =>
      error instanceof StorageError &&
      error.message.startsWith(`could not write to the journal ${path} (ENOSPC: no space left on device`) &&
      /\): .+ of "full".* is not kept; everything written before is\. Free space/.test(error.message),
  );
  const told = study.trials.filter((trial) => trial.state === "complete");
  assert.ok(told.length >= 2, `only ${told.length} trials fitted in 64 KiB`);
  assert.ok(readFileSync(path, "utf8").endsWith("\n"), "the failed write left part of a line");
  await storage.close();

  execFileSync("mount", ["-o", "remount,size=4m", dir]);
  const reopened = JournalStorage.open(path);
  assert.equal(reopened.replay.tornBytes, 0);
  const resumed = await createStudy({ storage: reopened, studyName: "full", direction: "minimize", sampler: new RandomSampler({ seed: 2 }) });
  const before = resumed.trials.length;
  for (const trial of told) assert.deepEqual(resumed.trials[trial.number], trial, `trial ${trial.number} as told`);
  // The trial whose write failed was running in a storage now closed: failed on resume, not left running.
  assert.ok(resumed.trials.every((trial) => trial.state === "complete" || trial.state === "failed"));
  await resumed.optimize(objective, { trials: 2 });
  assert.deepEqual(resumed.trials.slice(before).map((trial) => [trial.number, trial.state]), [[before, "complete"], [before + 1, "complete"]]);
  await reopened.close();
});

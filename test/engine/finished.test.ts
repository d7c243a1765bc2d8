/**
 * "Finished" has one meaning: complete or pruned (a trial with a result). A failed trial is over
 * but does not count toward a study's number of trials, with every storage.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";

import { floatDistribution } from "../../src/engine/distributions";
import { FINISHED_STATES, finishedCount, isFinished, isTerminal, remainingTrials } from "../../src/engine/search-space";
import { JournalStorage } from "../../src/engine/storage/journal";
import { MemoryStorage } from "../../src/engine/storage/memory";
import { PostgresStorage } from "../../src/engine/storage/postgres";
import type { StudyStorage } from "../../src/engine/storage/storage";
import { createStudy } from "../../src/engine/study";
import type { TrialState } from "../../src/engine/types";
import { startThrowawayPostgres } from "../support/postgres";

const space = { x: floatDistribution(0, 1) };

describe("finished trials", () => {
  test("finished means complete or pruned; terminal adds failed", () => {
    const states: TrialState[] = ["waiting", "running", "complete", "failed", "pruned"];
    assert.deepEqual(states.filter(isFinished), ["complete", "pruned"]);
    assert.deepEqual([...FINISHED_STATES], ["complete", "pruned"]);
    assert.deepEqual(states.filter(isTerminal), ["complete", "failed", "pruned"]);
  });

  /**
   * Runs 2 complete, 1 pruned and 1 failed trial, then resumes the study from `storage` and asks
   * for 5 trials over the study: what the study holds, and what remained before the second run.
   */
  async function countOn(storage: StudyStorage): Promise<{ remaining: number; states: TrialState[] }> {
    const first = await createStudy({ storage, studyName: "count", seed: 3 });
    await first.optimize((trial) => trial.params["x"] as number, { trials: 2, space });
    await first.tell(await first.ask(space), { state: "pruned" });
    await first.tell(await first.ask(space), { state: "failed", error: "broken" });
    const resumed = await createStudy({ storage, studyName: "count", seed: 3 });
    const remaining = remainingTrials(5, resumed.trials);
    await resumed.optimize((trial) => trial.params["x"] as number, { trials: 5, space, countStudyTrials: true });
    await resumed.refresh();
    assert.equal(finishedCount(resumed.trials), 5);
    return { remaining, states: resumed.trials.map((t) => t.state) };
  }

  test("every storage counts the same trials toward `trials`: a failed one is replaced", async () => {
    const expected = { remaining: 2, states: ["complete", "complete", "pruned", "failed", "complete", "complete"] };
    assert.deepEqual(await countOn(new MemoryStorage()), expected, "memory");
    const journal = JournalStorage.open(join(mkdtempSync(join(tmpdir(), "tunelab-finished-")), "study.jsonl"), { fsync: false });
    try {
      assert.deepEqual(await countOn(journal), expected, "journal");
    } finally {
      await journal.close();
    }
    const server = await startThrowawayPostgres();
    try {
      const postgres = await PostgresStorage.connect(server.url);
      try {
        assert.deepEqual(await countOn(postgres), expected, "PostgreSQL");
      } finally {
        await postgres.close();
      }
    } finally {
      await server.stop();
    }
  });
});

/** `Study.addTrial`: a complete trial from elsewhere, stored like any other and seen by the samplers. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStudy } from "../../src/engine/study";
import { JournalStorage } from "../../src/engine/storage/journal";
import { floatDistribution } from "../../src/engine/distributions";

test("addTrial stores a complete trial (resumed from a journal too), and refuses values outside the space or not finite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-add-trial-"));
  try {
    const path = join(dir, "study.jsonl");
    const space = { x: floatDistribution(-1, 1) };
    const study = await createStudy({ studyName: "s", storage: JournalStorage.open(path), metric: "loss" });
    const number = await study.addTrial({ params: { x: 0.5 }, distributions: space, value: 0.25, userAttrs: { seededFrom: "coarse#3" } });
    assert.equal(number, 0);
    assert.deepEqual({ state: study.trials[0]!.state, value: study.trials[0]!.value, metrics: study.trials[0]!.metrics }, { state: "complete", value: 0.25, metrics: { loss: 0.25 } });
    assert.equal(study.bestValue, 0.25);
    await assert.rejects(study.addTrial({ params: { x: 2 }, distributions: space, value: 1 }), /parameter x = 2 is outside/);
    await assert.rejects(study.addTrial({ params: { y: 0 }, distributions: space, value: 1 }), /parameter y = 0 is without a distribution/);
    await assert.rejects(study.addTrial({ params: { x: 0 }, distributions: space, value: Number.NaN }), /finite number/);
    const reopened = await createStudy({ studyName: "s", storage: JournalStorage.open(path), metric: "loss" });
    assert.deepEqual(reopened.trials.map((t) => [t.state, t.value, t.userAttrs["seededFrom"]]), [["complete", 0.25, "coarse#3"]]);
    const next = await reopened.ask(space);
    assert.equal(next.number, 1, "the next trial continues the numbering");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Objectives that throw or return what String() refuses: each trial is recorded failed with a
 * reason and the search goes on (before, `Object.create(null)` thrown by an objective ended
 * `optimize` with a TypeError and left its trial running in the storage).
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

import { createStudy, JournalStorage, type Trial } from "../../src/engine/index";

/** What the objective of trial n does: throw or return something hostile, or a good value. */
const behaviours: ReadonlyArray<{ readonly does: () => unknown; readonly reason: RegExp }> = [
  { does: () => { throw Object.create(null); }, reason: /^\[Object: null prototype\] \{\}$/ },
  { does: () => { throw { toString: () => { throw new Error("no string"); } }; }, reason: /toString/ },
  {
    does: () => {
      const error = new Error("hidden");
      Object.defineProperty(error, "message", { get: () => { throw new Error("no message"); } });
      throw error;
    },
    reason: /^Error whose message cannot be read$/,
  },
  { does: () => Promise.reject(Symbol("gone")), reason: /^Symbol\(gone\)$/ },
  { does: () => Promise.reject(), reason: /^the objective threw undefined, not an Error$/ },
  { does: () => { throw null; }, reason: /^the objective threw null, not an Error$/ },
  { does: () => ({ loss: Object.create(null) }), reason: /^the objective's metric "loss" is an object$/ },
  { does: () => ({ loss: { valueOf: () => 1, toString: () => { throw new Error("x"); } } }), reason: /^the objective's metric "loss" is an object$/ },
  { does: () => [Number.NaN], reason: /^the objective returned NaN$/ },
  { does: () => 0.5, reason: /^$/ },
];

test("hostile throws and returns fail their trial with a reason; the search goes on; nothing is left running", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "tunelab-hostile-")), "study.jsonl");
  const storage = JournalStorage.open(path, { fsync: false });
  const study = await createStudy({ storage, studyName: "hostile", direction: "minimize", metric: "loss", maxConsecutiveFailures: 100 });
  const objective = (trial: Trial): unknown => {
    trial.suggestFloat("x", 0, 1);
    return (behaviours[trial.number % behaviours.length] as (typeof behaviours)[number]).does();
  };
  await study.optimize(objective as (trial: Trial) => number, { trials: behaviours.length * 2 });
  await storage.close();

  // What a fresh process reads back from the journal.
  const reopened = JournalStorage.open(path, { fsync: false });
  const trials = await reopened.readTrials("hostile");
  await reopened.close();
  assert.equal(trials.length, behaviours.length * 2);
  for (const trial of trials) {
    const { reason } = behaviours[trial.number % behaviours.length] as (typeof behaviours)[number];
    if (reason.source === "^$") {
      assert.equal(trial.state, "complete", `trial ${trial.number}: ${trial.error}`);
    } else {
      assert.equal(trial.state, "failed", `trial ${trial.number}`);
      assert.match(trial.error ?? "", reason, `trial ${trial.number}`);
    }
  }
});

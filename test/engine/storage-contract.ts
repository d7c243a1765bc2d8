/**
 * The contract every study storage satisfies (see `StudyStorage` in src/engine/storage/storage.ts),
 * as a reusable suite: `runStorageContract("journal", () => fixture)`. It checks the storage
 * directly (numbering, merging updates, errors naming what is missing) and through a study
 * (resuming by name from a fresh storage object, enqueued trials, key order kept).
 *
 * Study names are unique per test, so one database or file can serve the whole suite.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { categorical, floatDistribution, intDistribution } from "../../src/engine/distributions";
import type { NewTrial, StudyStorage } from "../../src/engine/storage/storage";
import { createStudy } from "../../src/engine/study";
import type { SearchSpace } from "../../src/engine/types";

/** How the suite gets storages. */
export interface StorageFixture {
  /** A storage; the suite closes each one it opens. */
  open(): Promise<StudyStorage>;
  /**
   * A second, independent storage object over the same data (a new process would open this), or
   * `undefined` when the storage lives only in the object `open` returned (memory): then the
   * suite reuses that object.
   */
  readonly reopen: (() => Promise<StudyStorage>) | undefined;
}

const space: SearchSpace = {
  zeta: floatDistribution(1e-4, 1, { log: true }),
  alpha: categorical(["relu", "tanh", null, true]),
  mid: intDistribution(1, 64, { log: true }),
};

const running: NewTrial = { state: "running", params: {}, distributions: {}, metrics: {}, intermediateValues: [], userAttrs: {} };

let studies = 0;
const freshName = (label: string): string => `${label}-${process.pid}-${studies++}`;

/** Registers the contract's tests for one kind of storage. */
export function runStorageContract(kind: string, fixture: () => StorageFixture): void {
  describe(`storage contract: ${kind}`, () => {
    test("creates a study once and returns the stored record after; lists and loads studies", async () => {
      const storage = await fixture().open();
      try {
        const name = freshName("record");
        const first = await storage.createStudy({ name, direction: "maximize", metric: "accuracy", createdAt: 1000 });
        assert.deepEqual(first, { name, direction: "maximize", metric: "accuracy", createdAt: 1000 });
        const again = await storage.createStudy({ name, direction: "minimize", createdAt: 2000 });
        assert.deepEqual(again, first, "an existing study's record is returned unchanged");
        assert.deepEqual(await storage.loadStudy(name), first);
        assert.equal(await storage.loadStudy(freshName("absent")), undefined);
        const other = freshName("plain");
        assert.deepEqual(await storage.createStudy({ name: other, direction: "minimize", createdAt: 5 }), { name: other, direction: "minimize", createdAt: 5 });
        const listed = await storage.listStudies();
        assert.ok(listed.includes(name) && listed.includes(other), `both studies listed in ${JSON.stringify(listed)}`);
      } finally {
        await storage.close();
      }
    });

    test("numbers trials 0, 1, 2, … and applies updates: scalars replace, records merge, intermediate values append once", async () => {
      const storage = await fixture().open();
      try {
        const name = freshName("updates");
        await storage.createStudy({ name, direction: "minimize", createdAt: 0 });
        assert.equal(await storage.createTrial(name, running), 0);
        assert.equal(await storage.createTrial(name, { ...running, state: "waiting", params: { a: 2 } }), 1);
        assert.equal(await storage.createTrial(name, running), 2);
        await storage.updateTrial(name, 2, { params: { b: "x" }, distributions: { b: categorical(["x", "y"]) }, intermediate: { step: 0, value: 5 } });
        await storage.updateTrial(name, 2, { params: { a: 1.5 }, intermediate: { step: 0, value: 6 }, userAttrs: { note: { deep: [1, 2] } } });
        await storage.updateTrial(name, 2, { intermediate: { step: 3, value: 4 }, metrics: { loss: 2 }, startedAt: 10 });
        await storage.updateTrial(name, 2, { state: "complete", value: 2, metrics: { acc: 0.5 }, completedAt: 20 });
        const trials = await storage.readTrials(name);
        assert.deepEqual(
          trials.map((t) => [t.number, t.state]),
          [
            [0, "running"],
            [1, "waiting"],
            [2, "complete"],
          ],
        );
        const trial = trials[2];
        assert.deepEqual(trial?.params, { b: "x", a: 1.5 });
        assert.deepEqual(Object.keys(trial?.params ?? {}), ["b", "a"], "parameters keep the order they were set in");
        assert.deepEqual(trial?.distributions, { b: categorical(["x", "y"]) });
        assert.deepEqual(trial?.intermediateValues, [
          { step: 0, value: 5 },
          { step: 3, value: 4 },
        ]);
        assert.deepEqual(trial?.metrics, { loss: 2, acc: 0.5 });
        assert.deepEqual(trial?.userAttrs, { note: { deep: [1, 2] } });
        assert.equal(trial?.value, 2);
        assert.equal(trial?.startedAt, 10);
        assert.equal(trial?.completedAt, 20);
        assert.deepEqual(trials[1]?.params, { a: 2 });
      } finally {
        await storage.close();
      }
    });

    test("names a study or trial it does not hold", async () => {
      const storage = await fixture().open();
      try {
        const name = freshName("errors");
        await storage.createStudy({ name, direction: "minimize", createdAt: 0 });
        await storage.createTrial(name, running);
        await storage.createTrial(name, running);
        await assert.rejects(storage.readTrials("no-such-study"), /no study named "no-such-study" \(known: .*\)/);
        await assert.rejects(storage.createTrial("no-such-study", running), /no study named "no-such-study"/);
        await assert.rejects(storage.updateTrial(name, 7, {}), new RegExp(`study "${name}" has no trial 7 \\(it has trials 0…1\\)`));
      } finally {
        await storage.close();
      }
    });

    test("keeps a study of several objectives: its directions, metric names and each trial's values", async () => {
      const made = fixture();
      const storage = await made.open();
      const name = freshName("multi");
      const record = { name, direction: "maximize", directions: ["maximize", "minimize"], metrics: ["acc", "size"], createdAt: 7 } as const;
      let other = storage;
      try {
        assert.deepEqual(await storage.createStudy(record), record);
        const first = await createStudy({ storage, studyName: name, seed: 2, directions: ["maximize", "minimize"], metrics: ["acc", "size"] });
        await first.optimize((trial) => ({ acc: trial.params["zeta"] as number, size: trial.params["mid"] as number }), { trials: 5, space });
        const direct = await storage.createTrial(name, { ...running, state: "complete", value: 0.5, values: [0.5, 3], metrics: { acc: 0.5, size: 3 } });
        const running2 = await storage.createTrial(name, running);
        await storage.updateTrial(name, running2, { state: "complete", value: 0.25, values: [0.25, 1], completedAt: 9 });
        other = made.reopen === undefined ? storage : await made.reopen();
        assert.deepEqual(await other.loadStudy(name), record);
        const read = await other.readTrials(name);
        assert.deepEqual(read.slice(0, 5).map((t) => t.values), first.trials.map((t) => [t.params["zeta"], t.params["mid"]]));
        assert.deepEqual(read[direct]?.values, [0.5, 3]);
        assert.deepEqual(read[running2]?.values, [0.25, 1]);
        const resumed = await createStudy({ storage: other, studyName: name, directions: ["maximize", "minimize"] });
        assert.deepEqual(resumed.metrics, ["acc", "size"]);
        assert.deepEqual(resumed.trials.slice(0, 5), first.trials);
        // (acc ↑, size ↓): trial u beats t when no worse in both and better in one.
        const beats = ([ua, us]: readonly number[], [ta, ts]: readonly number[]): boolean => (ua as number) >= (ta as number) && (us as number) <= (ts as number) && (ua !== ta || us !== ts);
        const valued = resumed.trials.map((t) => t.values as readonly number[]);
        const front = valued.flatMap((v, i) => (valued.some((u) => beats(u, v)) ? [] : [i]));
        assert.ok(front.length > 0);
        assert.deepEqual(resumed.bestTrials.map((t) => t.number), front, "the resumed study's front is its non-dominated trials");
      } finally {
        await storage.close();
        if (other !== storage) await other.close();
      }
    });

    test("a study resumed from a fresh storage object has every trial and continues the numbering", async () => {
      const made = fixture();
      const storage = await made.open();
      const name = freshName("resume");
      const first = await createStudy({ storage, studyName: name, seed: 5, direction: "maximize" });
      await first.enqueue({ zeta: 0.5, alpha: "tanh", mid: 8 });
      await first.optimize(
        (trial) => {
          trial.report(1, 0);
          trial.report(2, 1);
          trial.setUserAttr("epochs", 2);
          return Math.log(trial.params["zeta"] as number);
        },
        { trials: 4, space },
      );
      assert.deepEqual(first.trials[0]?.params, { zeta: 0.5, alpha: "tanh", mid: 8 }, "the enqueued trial ran first");
      const other = made.reopen === undefined ? storage : await made.reopen();
      try {
        const resumed = await createStudy({ storage: other, studyName: name, seed: 5, direction: "maximize" });
        assert.deepEqual(resumed.trials, first.trials);
        assert.deepEqual(resumed.trials.map((t) => Object.keys(t.params)), first.trials.map(() => ["zeta", "alpha", "mid"]));
        assert.deepEqual(resumed.bestTrial, first.bestTrial);
        const next = await resumed.ask(space);
        assert.equal(next.number, 4, "numbering continues");
        await resumed.tell(next, -1);
        assert.equal((await other.readTrials(name))[4]?.value, -1);
        await assert.rejects(createStudy({ storage: other, studyName: name }), /stored with direction "maximize", but "minimize" was asked for/);
      } finally {
        await storage.close();
        if (other !== storage) await other.close();
      }
    });
  });
}

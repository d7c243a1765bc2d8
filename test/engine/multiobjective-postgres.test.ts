/**
 * The PostgreSQL schema migration for several objectives, on a throwaway server: a database made
 * by the schema from before (no `directions`/`metrics` columns) gets the columns on first use,
 * its studies and trials still load and resume, and studies of several objectives can then be
 * stored in it.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { Client } from "pg";

import { PostgresStorage } from "../../src/engine/storage/postgres";
import { createStudy } from "../../src/engine/study";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../support/postgres";

let server: ThrowawayPostgres | undefined;
before(async () => {
  server = await startThrowawayPostgres();
});
after(async () => {
  await server?.stop();
});

/** The tables as tunelab created them before studies of several objectives, with one finished trial. */
const OLD_SCHEMA = [
  `CREATE TABLE tunelab_studies (
     id serial PRIMARY KEY, name text NOT NULL UNIQUE, direction text NOT NULL, metric text,
     created_at double precision NOT NULL, next_trial_number integer NOT NULL DEFAULT 0, change_count bigint NOT NULL DEFAULT 0)`,
  `CREATE TABLE tunelab_trials (
     study_id integer NOT NULL REFERENCES tunelab_studies (id) ON DELETE CASCADE, number integer NOT NULL, state text NOT NULL,
     data json NOT NULL, heartbeat_at timestamptz, changed bigint NOT NULL, PRIMARY KEY (study_id, number))`,
  `CREATE INDEX tunelab_trials_changed ON tunelab_trials (study_id, changed)`,
  `CREATE INDEX tunelab_trials_state ON tunelab_trials (study_id, state)`,
  `INSERT INTO tunelab_studies (name, direction, metric, created_at, next_trial_number, change_count) VALUES ('old', 'maximize', 'accuracy', 1, 1, 1)`,
  `INSERT INTO tunelab_trials (study_id, number, state, data, changed) VALUES (1, 0, 'complete',
     '{"state":"complete","params":{"x":0.5},"distributions":{"x":{"kind":"float","low":0,"high":1,"log":false}},"value":0.75,"metrics":{"accuracy":0.75},"intermediateValues":[],"userAttrs":{},"startedAt":2,"completedAt":3}', 1)`,
];

test("a database of the old schema gains the columns of several objectives; its studies still load and resume", async () => {
  const url = (server as ThrowawayPostgres).url;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    for (const statement of OLD_SCHEMA) await admin.query(statement);
  } finally {
    await admin.end();
  }
  const storage = await PostgresStorage.connect(url);
  try {
    const old = await createStudy({ storage, studyName: "old", direction: "maximize" });
    assert.equal(old.metric, "accuracy");
    assert.equal(old.bestValue, 0.75);
    await old.tell(await old.ask(), 0.5);
    assert.deepEqual(old.trials.map((t) => t.number), [0, 1]);
    const multi = await createStudy({ storage, studyName: "new", directions: ["maximize", "minimize"], metrics: ["acc", "size"] });
    await multi.tell(await multi.ask(), [0.9, 12]);
    const reopened = await PostgresStorage.connect(url);
    try {
      assert.deepEqual(await reopened.loadStudy("new"), { name: "new", direction: "maximize", directions: ["maximize", "minimize"], metrics: ["acc", "size"], createdAt: (await reopened.loadStudy("new"))?.createdAt });
      assert.deepEqual((await reopened.readTrials("new"))[0]?.values, [0.9, 12]);
      assert.deepEqual(await reopened.loadStudy("old"), { name: "old", direction: "maximize", metric: "accuracy", createdAt: 1 });
    } finally {
      await reopened.close();
    }
  } finally {
    await storage.close();
  }
});

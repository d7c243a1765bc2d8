/**
 * An interrupt while a PostgreSQL storage tells a result or heartbeats, on a real server, with the
 * study's rows locked by another connection (a worker's transaction, or a slow server) so that both
 * wait: the storage's signal cancels the heartbeat at once, while the result (computed work) is
 * written as soon as the lock is free; close() cancels a waiting heartbeat instead of waiting for it.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Client } from "pg";
import { PostgresAbortError, PostgresStorage } from "../../src/engine/storage/postgres";
import type { NewTrial } from "../../src/engine/storage/storage";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../support/postgres";

let server: ThrowawayPostgres | undefined;
before(async () => {
  server = await startThrowawayPostgres();
});
after(async () => {
  await server?.stop();
});

const running: NewTrial = { state: "running", params: { x: 1 }, distributions: {}, metrics: {}, intermediateValues: [], userAttrs: {} };

/** Another connection holding the study's row and its trials' rows locked, until `release`. */
async function lockStudy(name: string): Promise<{ release(): Promise<void>; waiting(): Promise<number> }> {
  const blocker = new Client({ connectionString: server!.url });
  await blocker.connect();
  await blocker.query("BEGIN");
  await blocker.query("SELECT id FROM tunelab_studies WHERE name = $1 FOR UPDATE", [name]);
  await blocker.query("SELECT number FROM tunelab_trials WHERE study_id = (SELECT id FROM tunelab_studies WHERE name = $1) FOR UPDATE", [name]);
  return {
    release: async () => {
      await blocker.query("COMMIT");
      await blocker.end();
    },
    // Statements of the storage (application "tunelab") waiting for a lock. (Inside a transaction
    // pg_stat_activity is a snapshot taken at its first read: cleared before each read.)
    waiting: async () => {
      await blocker.query("SELECT pg_stat_clear_snapshot()");
      const rows = (await blocker.query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'tunelab' AND wait_event_type = 'Lock'")).rows;
      return Number(rows[0].n);
    },
  };
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}

test("an interrupt cancels a waiting heartbeat, and the result told meanwhile is stored once the lock is free", async () => {
  const interrupt = new AbortController();
  const storage = await PostgresStorage.connect(server!.url, { signal: interrupt.signal });
  try {
    await storage.createStudy({ name: "told", direction: "minimize", createdAt: 0 });
    const number = await storage.createTrial("told", running);
    const lock = await lockStudy("told");
    let told = false;
    const tell = storage.updateTrial("told", number, { state: "complete", value: 0.25 }).then(() => (told = true));
    const heartbeat = storage.recordHeartbeat("told", [number]);
    const cancelled = assert.rejects(heartbeat, PostgresAbortError);
    await until(async () => (await lock.waiting()) === 2);
    interrupt.abort();
    await cancelled;
    assert.equal(told, false, "the result waits for the lock");
    await lock.release();
    await tell;
    // After the interrupt this storage refuses other statements: another worker reads.
    await assert.rejects(storage.readTrials("told"), PostgresAbortError);
    const reader = await PostgresStorage.connect(server!.url);
    try {
      const [trial] = await reader.readTrials("told");
      assert.equal(trial?.state, "complete");
      assert.equal(trial?.value, 0.25);
    } finally {
      await reader.close();
    }
  } finally {
    await storage.close();
  }
});

test("close() cancels a heartbeat that waits for a lock instead of waiting for it", async () => {
  const storage = await PostgresStorage.connect(server!.url, { queryTimeoutMs: 60_000 });
  await storage.createStudy({ name: "closing", direction: "minimize", createdAt: 0 });
  const number = await storage.createTrial("closing", running);
  const lock = await lockStudy("closing");
  try {
    const heartbeat = storage.recordHeartbeat("closing", [number]);
    await until(async () => (await lock.waiting()) === 1);
    const cancelled = assert.rejects(heartbeat, PostgresAbortError);
    await storage.close();
    await cancelled;
  } finally {
    await lock.release();
  }
});

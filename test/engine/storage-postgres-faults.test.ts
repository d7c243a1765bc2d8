/**
 * The PostgreSQL storage off the happy path, against a throwaway server that requires a password
 * (test/support/postgres.ts): bad passwords in every form never printed; a configuration that
 * kills its worker process failed for good after `maxWorkerDeaths` tries; a server restart in the
 * middle of a search; a server that stops answering (SIGSTOP, as a network partition looks from
 * the client) ending in a timeout error; an abort cancelling a query that waits.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { inspect } from "node:util";
import { after, before, describe, test } from "node:test";

import { Client } from "pg";

import { floatDistribution } from "../../src/engine/distributions";
import { maskPassword, PostgresAbortError, PostgresConnectionError, PostgresStorage, PostgresTimeoutError } from "../../src/engine/storage/postgres";
import { newTrial } from "../../src/engine/storage/storage";
import { createStudy } from "../../src/engine/study";
import { Trial } from "../../src/engine/trial";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../support/postgres";
import { spawnWorker } from "../support/postgres-workers";

/** The server's real password: every character that needs encoding in a URL. */
const PASSWORD = "sesame@:/?#&%x";

let server: ThrowawayPostgres | undefined;
before(async () => {
  server = await startThrowawayPostgres({ password: PASSWORD });
});
after(async () => {
  await server?.stop();
});
const running = (): ThrowawayPostgres => {
  if (server === undefined) throw new Error("the throwaway PostgreSQL server did not start");
  return server;
};

let studies = 0;
const freshName = (label: string): string => `${label}-${studies++}`;

/** Every text an error shows: message, String(), stack and util.inspect (which prints own properties). */
function shownTexts(error: unknown): string {
  return [String(error), (error as Error).stack ?? "", inspect(error, { depth: 5 })].join("\n");
}

/** Asserts that no text of `error` holds `secret` (raw or percent-encoded). */
function assertHidden(error: unknown, secret: string, form: string): void {
  const shown = shownTexts(error);
  for (const text of new Set([secret, encodeURIComponent(secret)])) {
    assert.ok(!shown.includes(text), `${form}: the password ${JSON.stringify(text)} was printed:\n${shown}`);
  }
}

describe("PostgresStorage: passwords", () => {
  test("the right password, percent-encoded, connects", async () => {
    const storage = await PostgresStorage.connect(running().url);
    try {
      assert.deepEqual(await storage.listStudies(), []);
      assert.ok(!storage.location.includes("sesame"), storage.location);
    } finally {
      await storage.close();
    }
  });

  test("a bad password is never printed: wrong, unencoded, in the parameter form, in malformed strings", async () => {
    const port = running().port;
    for (const secret of ["hunter#2", "hunter?2", "hunter/2", "hunter@2", "hunter:2@x", "hunter2"]) {
      const forms: Record<string, string> = {
        "URL, raw": `postgres://postgres:${secret}@127.0.0.1:${port}/postgres`,
        "URL, encoded": `postgres://postgres:${encodeURIComponent(secret)}@127.0.0.1:${port}/postgres`,
        "parameter": `postgres://postgres@127.0.0.1:${port}/postgres?password=${encodeURIComponent(secret)}`,
        "bad port": `postgres://postgres:${secret}@127.0.0.1:port/postgres`,
        "one slash": `postgres:/postgres:${secret}@127.0.0.1:${port}/postgres`,
        "no host": `postgresql://postgres:${secret}@`,
        "keywords": `host=127.0.0.1 port=${port} password=${secret} dbname=postgres`,
        "bad scheme": `mysql://postgres:${secret}@127.0.0.1:${port}/postgres`,
      };
      for (const [form, url] of Object.entries(forms)) {
        const masked = maskPassword(url);
        assert.ok(!masked.includes("hunter"), `${form}: maskPassword kept the password: ${masked}`);
        const error = await PostgresStorage.connect(url, { connectTimeoutMs: 3000 }).then(
          async (storage) => {
            await storage.close();
            throw new Error(`${form} ${JSON.stringify(secret)}: connected with a wrong password`);
          },
          (rejection: unknown) => rejection,
        );
        assert.ok(error instanceof PostgresConnectionError, `${form}: ${shownTexts(error)}`);
        assertHidden(error, secret, `${form} ${JSON.stringify(secret)}`);
        assert.ok(!shownTexts(error).includes("hunter"), `${form}: ${shownTexts(error)}`);
      }
    }
    // The encoded form reaches the server, which refuses the user: said, without the password.
    await assert.rejects(
      PostgresStorage.connect(`postgres://postgres:${encodeURIComponent("hunter@2")}@127.0.0.1:${port}/postgres`),
      (error: unknown) =>
        error instanceof PostgresConnectionError && /^PostgreSQL at 127\.0\.0\.1:\d+ refused user "postgres": password authentication failed/.test(error.message),
    );
    // The old mask cut the password at its first "@": "p@ss" came out as "****@ss@".
    assert.equal(maskPassword("postgres://u:p@ss@db/x"), "postgres://u:****@db/x");
    assert.equal(maskPassword("postgres://db/x?sslmode=require&password=p%40ss&x=1"), "postgres://db/x?sslmode=require&password=****&x=1");
    assert.equal(maskPassword("host=db password='a b' user=u"), "host=db password=**** user=u");
  });
});

describe("PostgresStorage: text PostgreSQL cannot hold", () => {
  test("a NUL in a study name is refused naming it; NUL, emoji and lone surrogates in values are kept", async () => {
    const storage = await PostgresStorage.connect(running().url);
    try {
      await assert.rejects(
        createStudy({ storage, studyName: "a\u0000b", direction: "minimize" }),
        (error: unknown) => error instanceof Error && error.message === 'a study name stored in PostgreSQL cannot hold a NUL character (U+0000), but got "a\\u0000b"',
      );
      const name = freshName("text-🚀");
      const study = await createStudy({ storage, studyName: name, direction: "minimize" });
      const choices = ["a\u0000b", "🎉", "q\udfff"];
      await study.optimize((trial) => choices.indexOf(trial.suggestCategorical("c", choices)), { trials: 6 });
      const reread = await createStudy({ storage, studyName: name, direction: "minimize" });
      assert.deepEqual(reread.trials.map((trial) => [trial.state, trial.params["c"]]), study.trials.map((trial) => ["complete", trial.params["c"]]));
    } finally {
      await storage.close();
    }
  });
});

describe("PostgresStorage: a configuration that kills its worker", () => {
  test("is failed for good after maxWorkerDeaths worker deaths (SIGKILLed processes), not offered again", { timeout: 120_000 }, async () => {
    const name = freshName("poison");
    const poison = { x: 9, y: 0 };
    const storage = await PostgresStorage.connect(running().url);
    try {
      await createStudy({ storage, studyName: name, seed: 1 });
      assert.equal(await storage.createTrial(name, newTrial("waiting", { params: poison })), 0);
      const timing = { heartbeatMs: 100, staleMs: 600, objectiveMs: 20 };
      for (let death = 1; death <= 3; death++) {
        const worker = spawnWorker(running().url, name, `victim${death}`, death, 3, timing, [JSON.stringify(poison), "3"]);
        await worker.waitFor(/^ready$/);
        worker.child.stdin.write("go\n");
        const exit = await worker.exit;
        assert.equal(exit.signal, "SIGKILL", `worker ${death} was to be killed by the poisoned configuration: ${exit.code} ${exit.stderr}`);
        assert.deepEqual(worker.started, [death - 1], `worker ${death} died on the re-offered configuration first`);
        await delay(timing.staleMs + 200); // its last heartbeat is now stale for the next worker
      }
      // A healthy worker cleans up: it fails the third death for good and runs the study to its end.
      const survivor = spawnWorker(running().url, name, "survivor", 4, 3, timing, [JSON.stringify({ x: -1, y: -1 }), "3"]);
      await survivor.waitFor(/^ready$/);
      survivor.child.stdin.write("go\n");
      const exit = await survivor.exit;
      assert.equal(exit.code, 0, exit.stderr);
      const trials = await storage.readTrials(name);
      const chain = trials.slice(0, 3);
      assert.deepEqual(chain.map((t) => [t.state, t.params, t.userAttrs["retryOf"]]), [
        ["failed", poison, undefined],
        ["failed", poison, 0],
        ["failed", poison, 1],
      ]);
      assert.match(chain[0]?.error ?? "", /no heartbeat for over 0\.6 s: .*; its parameters were enqueued again as trial 1$/);
      assert.match(chain[2]?.error ?? "", /its parameters stopped a worker 3 times \(trials 0, 1, 2\), the most allowed \(maxWorkerDeaths\), so they were not enqueued again$/);
      assert.equal(trials.filter((t) => t.userAttrs["retryOf"] === 2).length, 0, "no fourth attempt");
      assert.equal(trials.filter((t) => t.state === "waiting" || t.state === "running").length, 0);
      assert.equal(trials.filter((t) => t.state === "complete").length, 3, "the survivor ran the study to its end");
    } finally {
      await storage.close();
    }
  });
});

/** Waits until `count` sessions of application "tunelab" wait for a lock (polling through `admin`). */
async function waitForLockWaiters(admin: Client, count: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    // Inside a transaction, pg_stat_activity is a snapshot taken at its first read: take a new one.
    await admin.query("SELECT pg_stat_clear_snapshot()");
    const { rows } = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'tunelab' AND wait_event_type = 'Lock'`,
    );
    if (Number(rows[0]?.n) === count) return;
    await delay(25);
  }
  const { rows } = await admin.query(`SELECT application_name, state, wait_event_type, wait_event, query FROM pg_stat_activity WHERE backend_type = 'client backend'`);
  assert.fail(`never saw ${count} tunelab sessions waiting for a lock: ${JSON.stringify(rows)}`);
}

/** A second session that holds study `name`'s row lock (as a worker mid-transaction does) until released. */
async function holdStudyLock(name: string): Promise<{ admin: Client; release: () => Promise<void> }> {
  const admin = new Client({ connectionString: running().url, application_name: "test-admin" });
  admin.on("error", () => undefined);
  await admin.connect();
  await admin.query("BEGIN");
  await admin.query("SELECT id FROM tunelab_studies WHERE name = $1 FOR UPDATE", [name]);
  return {
    admin,
    release: async () => {
      await admin.query("COMMIT").catch(() => undefined);
      await admin.end().catch(() => undefined);
    },
  };
}

describe("PostgresStorage: a server that restarts or stops answering", () => {
  test("a shutdown while ask waits ends it in a clear error; a restart resumes it; no trial lost or stored twice", { timeout: 60_000 }, async () => {
    const name = freshName("restart");
    const space = { x: floatDistribution(-1, 1) };
    const storage = await PostgresStorage.connect(running().url, { heartbeatIntervalMs: 30_000, staleTrialTimeoutMs: 60_000 });
    try {
      const study = await createStudy({ storage, studyName: name, seed: 1 });
      /** Starts an ask that waits for the study's lock, runs `disrupt`, and settles the ask. */
      const askAcross = async (disrupt: () => Promise<void>): Promise<unknown> => {
        const lock = await holdStudyLock(name);
        const asking = study.ask(space);
        try {
          await waitForLockWaiters(lock.admin, 1);
          await disrupt();
        } finally {
          await lock.release();
        }
        return asking.then((trial) => trial, (rejection: unknown) => rejection);
      };

      // Shut down: the transaction was rolled back, and there is no server to repeat it on.
      const error = await askAcross(() => running().shutdown());
      await running().start();
      assert.ok(error instanceof PostgresConnectionError, shownTexts(error));
      assert.match((error as Error).message, /^cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(connection refused\)/);
      assertHidden(error, PASSWORD, "shutdown");

      // Restarted: the rolled-back transaction is repeated on a new connection, once.
      const resumed = await askAcross(() => running().restart());
      assert.ok(resumed instanceof Trial, `the ask resumed after the restart: ${shownTexts(resumed)}`);
      assert.equal(resumed.number, 0, "the failed ask took no number");
      await study.tell(resumed, resumed.params["x"] as number);

      // Restarted between queries (during an objective): the search carries on on new connections.
      let restarted = false;
      const summary = await study.optimize(
        async (trial) => {
          if (!restarted) {
            restarted = true;
            await running().restart();
          }
          return trial.params["x"] as number;
        },
        { trials: 4, space, countStudyTrials: true },
      );
      assert.equal(summary.trialsRun, 3);
      const trials = await storage.readTrials(name);
      assert.deepEqual(
        trials.map((t) => [t.number, t.state]),
        [0, 1, 2, 3].map((n) => [n, "complete"]),
        "nothing left behind by the interrupted asks, nothing stored twice",
      );
      assert.equal(new Set(trials.map((t) => t.params["x"])).size, 4);
    } finally {
      await storage.close();
    }
  });

  test("a statement waiting past queryTimeoutMs is cancelled by the server; an abort cancels a waiting one at once", { timeout: 60_000 }, async () => {
    const name = freshName("waits");
    const storage = await PostgresStorage.connect(running().url, { queryTimeoutMs: 1000 });
    try {
      await storage.createStudy({ name, direction: "minimize", createdAt: 0 });
      const lock = await holdStudyLock(name);
      try {
        await assert.rejects(
          storage.createTrial(name, newTrial("waiting")),
          (error: unknown) => error instanceof PostgresTimeoutError && /cancelled a statement that ran over 1 s \(statement_timeout\)/.test(error.message),
        );
        const controller = new AbortController();
        const creating = storage.createTrial(name, newTrial("waiting"), controller.signal);
        await waitForLockWaiters(lock.admin, 1);
        controller.abort();
        await assert.rejects(creating, (error: unknown) => error instanceof PostgresAbortError && /^interrupted: the query to PostgreSQL/.test(error.message));
        await waitForLockWaiters(lock.admin, 0); // the server no longer runs it
        // An operation given an aborted signal does not start.
        await assert.rejects(storage.listStudies(controller.signal), PostgresAbortError);
      } finally {
        await lock.release();
      }
      assert.deepEqual(await storage.readTrials(name), [], "neither the timed-out nor the aborted trial was stored");
    } finally {
      await storage.close();
    }
  });

  test("interrupting a search whose ask waits on the study's lock ends it as interrupted, the query cancelled", { timeout: 60_000 }, async () => {
    const name = freshName("interrupt-ask");
    // queryTimeoutMs far beyond the test's timeout: only the interrupt can end the wait.
    const storage = await PostgresStorage.connect(running().url, { queryTimeoutMs: 600_000 });
    try {
      const study = await createStudy({ storage, studyName: name, seed: 3 });
      await study.optimize((trial) => trial.suggestFloat("x", 0, 1), { trials: 1, countStudyTrials: true });
      const lock = await holdStudyLock(name);
      try {
        const controller = new AbortController();
        const searching = study.optimize((trial) => trial.suggestFloat("x", 0, 1), { trials: 5, countStudyTrials: true, signal: controller.signal });
        await waitForLockWaiters(lock.admin, 1);
        controller.abort();
        const summary = await searching;
        assert.equal(summary.stopReason, "aborted");
        assert.equal(summary.trialsRun, 0);
        await waitForLockWaiters(lock.admin, 0); // the server no longer runs the cancelled query
      } finally {
        await lock.release();
      }
      assert.equal((await storage.readTrials(name)).length, 1, "the interrupted ask stored nothing");
    } finally {
      await storage.close();
    }
  });

  test("a server that stops answering (SIGSTOP) ends a query in a timeout error, not a hang; an abort ends one too", { timeout: 60_000 }, async () => {
    const name = freshName("stall");
    const storage = await PostgresStorage.connect(running().url, { queryTimeoutMs: 1000, connectTimeoutMs: 1000, maxConnections: 2 });
    try {
      await storage.createStudy({ name, direction: "minimize", createdAt: 0 });
      await storage.createTrial(name, newTrial("waiting"));
      running().pause();
      try {
        const error = await storage.readTrials(name).then(
          () => assert.fail("read from a stopped server"),
          (rejection: unknown) => rejection,
        );
        assert.ok(error instanceof PostgresConnectionError, shownTexts(error));
        assert.match(
          (error as Error).message,
          /^PostgreSQL at 127\.0\.0\.1:\d+ did not answer within 2 s \(query timeout\)|^cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(no answer within 1 s\)/,
        );
        assertHidden(error, PASSWORD, "stall");
        const controller = new AbortController();
        const reading = storage.readTrials(name, controller.signal);
        setTimeout(() => controller.abort(), 100);
        await assert.rejects(reading, PostgresAbortError);
      } finally {
        running().resume();
      }
      assert.deepEqual((await storage.readTrials(name)).map((t) => t.state), ["waiting"], "the storage works again once the server answers");
    } finally {
      await storage.close();
    }
  });
});

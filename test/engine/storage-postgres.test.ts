/**
 * The PostgreSQL storage against a throwaway server (test/support/postgres.ts): the storage
 * contract; atomic hand-out of trials, limits, heartbeats and stale trials under concurrency;
 * three worker processes sharing one GP study (one of them killed mid-trial); and the errors for a
 * malformed connection string or an unreachable server.
 */
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { after, before, describe, test } from "node:test";

import { Client } from "pg";

import { floatDistribution, intDistribution } from "../../src/engine/distributions";
import { PostgresStorage } from "../../src/engine/storage/postgres";
import { StaleTrialError, type NewTrial } from "../../src/engine/storage/storage";
import { createStudy } from "../../src/engine/study";
import type { FrozenTrial } from "../../src/engine/types";
import { freePort, startThrowawayPostgres, type ThrowawayPostgres } from "../support/postgres";
import { spawnWorker, type Worker } from "../support/postgres-workers";
import { runStorageContract } from "./storage-contract";

let server: ThrowawayPostgres | undefined;
before(async () => {
  server = await startThrowawayPostgres();
});
after(async () => {
  await server?.stop();
});
const url = (): string => {
  if (server === undefined) throw new Error("the throwaway PostgreSQL server did not start");
  return server.url;
};

runStorageContract("postgres", () => ({
  open: () => PostgresStorage.connect(url()),
  reopen: () => PostgresStorage.connect(url()),
}));

let studies = 0;
const freshName = (label: string): string => `${label}-${studies++}`;
const running: NewTrial = { state: "running", params: {}, distributions: {}, metrics: {}, intermediateValues: [], userAttrs: {} };

/** Opens `count` storages (as `count` workers would) and closes them after `work`. */
async function withStorages<T>(count: number, work: (storages: PostgresStorage[]) => Promise<T>, options = {}): Promise<T> {
  const storages = await Promise.all(Array.from({ length: count }, () => PostgresStorage.connect(url(), options)));
  try {
    return await work(storages);
  } finally {
    await Promise.all(storages.map((s) => s.close()));
  }
}

describe("PostgresStorage: concurrency", () => {
  test("hands each waiting trial to exactly one caller and numbers new trials without gaps", async () => {
    await withStorages(3, async (storages) => {
      const name = freshName("handout");
      const [first] = storages as [PostgresStorage];
      await first.createStudy({ name, direction: "minimize", createdAt: 0 });
      for (let i = 0; i < 5; i++) await first.createTrial(name, { ...running, state: "waiting", params: { i } });
      const started = await Promise.all(
        Array.from({ length: 24 }, (_, k) => (storages[k % 3] as PostgresStorage).startTrial(name, { startedAt: k })),
      );
      const numbers = started.map((t) => t?.number as number).sort((a, b) => a - b);
      assert.deepEqual(numbers, Array.from({ length: 24 }, (_, k) => k), "every trial handed out once, numbers 0…23");
      const claimed = started.filter((t) => t !== undefined && t.number < 5);
      assert.deepEqual(claimed.map((t) => t?.params["i"]).sort(), [0, 1, 2, 3, 4], "each waiting trial keeps its parameters");
      const stored = await first.readTrials(name);
      assert.equal(stored.length, 24);
      assert.ok(stored.every((t) => t.state === "running"));
    });
  });

  test("a limit counts finished and running trials across callers, atomically", async () => {
    await withStorages(3, async (storages) => {
      const name = freshName("limit");
      const [first] = storages as [PostgresStorage];
      await first.createStudy({ name, direction: "minimize", createdAt: 0 });
      const started = await Promise.all(
        Array.from({ length: 12 }, (_, k) => (storages[k % 3] as PostgresStorage).startTrial(name, { startedAt: k, limit: 5 })),
      );
      const given = started.filter((t): t is FrozenTrial => t !== undefined);
      assert.equal(given.length, 5, "only 5 of 12 simultaneous requests start a trial");
      await first.updateTrial(name, (given[0] as FrozenTrial).number, { state: "complete", value: 1 });
      assert.equal(await first.startTrial(name, { startedAt: 0, limit: 5 }), undefined, "a complete trial still counts");
      await first.updateTrial(name, (given[1] as FrozenTrial).number, { state: "failed", error: "broken" });
      assert.notEqual(await first.startTrial(name, { startedAt: 0, limit: 5 }), undefined, "a failed trial frees its place");
    });
  });

  test("reads only the trials that changed since the last read", async () => {
    await withStorages(2, async ([reader, writer]) => {
      const name = freshName("changes");
      await (writer as PostgresStorage).createStudy({ name, direction: "minimize", createdAt: 0 });
      for (let i = 0; i < 3; i++) await (writer as PostgresStorage).createTrial(name, running);
      const all = await (reader as PostgresStorage).readTrialChanges(name, 0);
      assert.deepEqual(all.trials.map((t) => t.number), [0, 1, 2]);
      await (writer as PostgresStorage).updateTrial(name, 1, { state: "complete", value: 3 });
      const changed = await (reader as PostgresStorage).readTrialChanges(name, all.cursor);
      assert.deepEqual(changed.trials.map((t) => [t.number, t.state, t.value]), [[1, "complete", 3]]);
      const none = await (reader as PostgresStorage).readTrialChanges(name, changed.cursor);
      assert.deepEqual(none, { trials: [], cursor: changed.cursor });
    });
  });

  test("heartbeats keep a live trial; a silent one is failed once, its parameters enqueued, and its late result refused", async () => {
    const options = { heartbeatIntervalMs: 100, staleTrialTimeoutMs: 600 };
    await withStorages(
      3,
      async ([a, b, c]) => {
        const name = freshName("stale");
        const space = { lr: floatDistribution(1e-3, 1, { log: true }) };
        const study = await createStudy({ storage: a as PostgresStorage, studyName: name, seed: 1 });
        const live = await study.ask(space); // heartbeated by `study` while it runs
        const silent = (await (b as PostgresStorage).startTrial(name, { startedAt: Date.now() })) as FrozenTrial;
        await (b as PostgresStorage).updateTrial(name, silent.number, { params: { lr: 0.25 }, distributions: space });
        await delay(1000);
        // A worker starting now must not fail the live trial of another worker.
        const joining = await createStudy({ storage: c as PostgresStorage, studyName: name, seed: 2 });
        const failedBy = await Promise.all([a, b, c].map((s) => (s as PostgresStorage).failStaleTrials(name)));
        assert.deepEqual(failedBy.flat(), [], "the joining study already failed the silent trial when it started");
        const trials = await (c as PostgresStorage).readTrials(name);
        assert.equal(trials[live.number]?.state, "running", "the heartbeated trial is alive");
        const failed = trials[silent.number] as FrozenTrial;
        assert.equal(failed.state, "failed");
        assert.match(failed.error ?? "", /no heartbeat for over 0\.6 s: its worker stopped/);
        const retry = trials.find((t) => t.userAttrs["retryOf"] === silent.number) as FrozenTrial;
        assert.equal(retry.state, "waiting");
        assert.deepEqual(retry.params, { lr: 0.25 });
        await assert.rejects((b as PostgresStorage).updateTrial(name, silent.number, { state: "complete", value: 1 }), StaleTrialError);
        const next = await joining.ask(space);
        assert.equal(next.number, retry.number, "the next ask claims the re-offered configuration");
        assert.equal(next.params["lr"], 0.25);
        await study.tell(live, 1);
        await joining.tell(next, 2);
        const final = await (a as PostgresStorage).readTrials(name);
        assert.deepEqual(
          final.map((t) => [t.number, t.state]),
          [
            [live.number, "complete"],
            [silent.number, "failed"],
            [retry.number, "complete"],
          ].sort((x, y) => (x[0] as number) - (y[0] as number)),
        );
      },
      options,
    );
  });

  test("several failStaleTrials at once fail each stale trial exactly once", async () => {
    await withStorages(
      3,
      async (storages) => {
        const name = freshName("race");
        const [first] = storages as [PostgresStorage];
        await first.createStudy({ name, direction: "minimize", createdAt: 0 });
        for (let i = 0; i < 4; i++) await first.startTrial(name, { startedAt: 0 });
        await delay(500);
        const failedBy = await Promise.all(Array.from({ length: 9 }, (_, k) => (storages[k % 3] as PostgresStorage).failStaleTrials(name)));
        assert.deepEqual(failedBy.flat().sort(), [0, 1, 2, 3]);
        const trials = await first.readTrials(name);
        assert.equal(trials.length, 8, "one waiting copy per failed trial");
        assert.deepEqual(trials.slice(4).map((t) => t.userAttrs["retryOf"]).sort(), [0, 1, 2, 3]);
      },
      { heartbeatIntervalMs: 50, staleTrialTimeoutMs: 200 },
    );
  });
});

describe("PostgresStorage: studies in one process", () => {
  test("two studies sharing one storage with countStudyTrials stop at exactly the study's total", async () => {
    await withStorages(2, async ([a, b]) => {
      const name = freshName("count");
      const space = { x: floatDistribution(-1, 1) };
      const first = await createStudy({ storage: a as PostgresStorage, studyName: name, seed: 1 });
      const second = await createStudy({ storage: b as PostgresStorage, studyName: name, seed: 2 });
      const objective = async (trial: { params: Record<string, unknown> }): Promise<number> => {
        await delay(20);
        return (trial.params["x"] as number) ** 2;
      };
      const [one, two] = await Promise.all([
        first.optimize(objective, { trials: 9, space, countStudyTrials: true }),
        second.optimize(objective, { trials: 9, space, countStudyTrials: true }),
      ]);
      assert.equal(one.trialsRun + two.trialsRun, 9);
      assert.match(one.message, /^the study has 9 finished trials \(\d+ run by this worker\)$/);
      const trials = await (a as PostgresStorage).readTrials(name);
      assert.deepEqual(trials.map((t) => t.state), Array(9).fill("complete"));
      await first.refresh();
      assert.deepEqual(first.trials, trials, "refresh brings in the other study's trials");
      const again = await first.optimize(objective, { trials: 9, space, countStudyTrials: true });
      assert.equal(again.trialsRun, 0, "a full study runs nothing more");
    });
  });

  test("an exhausted space ends the search without handing out a trial that could only fail, and leaves none running", async () => {
    await withStorages(1, async ([storage]) => {
      const name = freshName("exhausted");
      const study = await createStudy({ storage: storage as PostgresStorage, studyName: name, seed: 3 });
      const summary = await study.optimize(() => 1, { trials: 5, space: { bit: intDistribution(0, 1) }, countStudyTrials: true });
      assert.equal(summary.stopReason, "exhausted");
      const trials = await (storage as PostgresStorage).readTrials(name);
      // Every point held is seen before a trial is taken (a trial handed out in a race with another worker is failed, not left running).
      assert.deepEqual(trials.map((t) => t.state), ["complete", "complete"]);
      assert.deepEqual(study.trials, trials);
    });
  });

  test("a worker that stalls past the timeout has its trial re-run elsewhere; its late result is refused and it carries on", async () => {
    // Worker A heartbeats rarely (a stall, as far as B can tell); B fails A's trial after 300 ms of silence.
    const slow = await PostgresStorage.connect(url(), { heartbeatIntervalMs: 60_000, staleTrialTimeoutMs: 120_000 });
    const quick = await PostgresStorage.connect(url(), { heartbeatIntervalMs: 50, staleTrialTimeoutMs: 300 });
    try {
      const name = freshName("stall");
      const space = { x: floatDistribution(-1, 1) };
      const a = await createStudy({ storage: slow, studyName: name, seed: 1 });
      let stalls = 1;
      const aRun = a.optimize(
        async (trial) => {
          if (stalls-- > 0) await delay(900);
          return trial.params["x"] as number;
        },
        { trials: 3, space, countStudyTrials: true },
      );
      await delay(500);
      const b = await createStudy({ storage: quick, studyName: name, seed: 2 });
      const bSummary = await b.optimize((trial) => trial.params["x"] as number, { trials: 3, space, countStudyTrials: true });
      const aSummary = await aRun;
      const trials = await quick.readTrials(name);
      const stalled = trials[0] as FrozenTrial;
      assert.equal(stalled.state, "failed");
      assert.match(stalled.error ?? "", /no heartbeat for over 0\.3 s/);
      assert.equal(stalled.value, undefined, "the late result was not stored");
      const rerun = trials.find((t) => t.userAttrs["retryOf"] === 0) as FrozenTrial;
      assert.equal(rerun.state, "complete");
      assert.deepEqual(rerun.params, stalled.params);
      assert.equal(trials.filter((t) => t.state === "complete").length, 3);
      assert.equal(aSummary.trialsRun + bSummary.trialsRun, 3, "the refused trial is not counted");
    } finally {
      await slow.close();
      await quick.close();
    }
  });
});

/** Starts workers, waits until all are connected, then lets them go at once. */
async function startWorkers(studyName: string, names: readonly string[], heartbeatMs: number, staleMs: number): Promise<Worker[]> {
  const workers = names.map((name, index) =>
    spawnWorker(url(), studyName, name, index + 1, STUDY_TRIALS, { heartbeatMs, staleMs, objectiveMs: OBJECTIVE_MS }),
  );
  after(() => {
    for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGKILL");
  });
  await Promise.all(workers.map((w) => w.waitFor(/^ready$/)));
  for (const worker of workers) worker.child.stdin.write("go\n");
  return workers;
}

const STUDY_TRIALS = 30;
const OBJECTIVE_MS = 250;
/** A trial completed this long before another started must be in that trial's sampling context. */
const VISIBILITY_SLACK_MS = 1500;

/** The checks common to both multi-worker runs; returns the study's trials. */
async function checkSharedStudy(name: string, workers: readonly Worker[], report: (message: string) => void): Promise<FrozenTrial[]> {
  const storage = await PostgresStorage.connect(url());
  try {
    const trials = await storage.readTrials(name);
    const complete = trials.filter((t) => t.state === "complete");
    assert.equal(complete.length, STUDY_TRIALS, `exactly ${STUDY_TRIALS} complete trials`);
    assert.equal(trials.filter((t) => t.state === "running" || t.state === "waiting").length, 0, "nothing left running or waiting");
    const points = complete.map((t) => JSON.stringify([t.params["x"], t.params["y"]]));
    assert.equal(new Set(points).size, complete.length, `no configuration evaluated twice: ${points.join(" ")}`);
    const toldNumbers = workers.flatMap((w) => w.told).sort((a, b) => a - b);
    assert.deepEqual(toldNumbers, complete.map((t) => t.number), "each complete trial was told by one worker, once");
    for (const trial of complete) assert.equal(trial.value, ((trial.params["x"] as number) - 3) ** 2 + ((trial.params["y"] as number) - 6) ** 2);

    // The sampler of each trial saw every trial completed (by any worker) well before it started.
    const byNumber = new Map(trials.map((t) => [t.number, t]));
    let crossWorkerChecks = 0;
    let pendingFromOthers = 0;
    for (const trial of complete) {
      const saw = trial.userAttrs["sawComplete"] as number[] | undefined;
      if (saw === undefined) continue; // a re-run of an enqueued configuration is not sampled
      for (const other of complete) {
        if ((other.completedAt as number) + VISIBILITY_SLACK_MS >= (trial.startedAt as number)) continue;
        assert.ok(saw.includes(other.number), `trial ${trial.number} was sampled without trial ${other.number}, complete ${(trial.startedAt as number) - (other.completedAt as number)} ms before`);
        if (other.userAttrs["worker"] !== trial.userAttrs["worker"]) crossWorkerChecks += 1;
      }
      const pending = trial.userAttrs["sawPending"] as number[];
      pendingFromOthers += pending.filter((n) => byNumber.get(n)?.userAttrs["worker"] !== trial.userAttrs["worker"]).length;
    }
    report(`${crossWorkerChecks} results seen across workers; ${pendingFromOthers} running trials of other workers seen as pending`);
    assert.ok(crossWorkerChecks >= 20, `the samplers saw other workers' results (${crossWorkerChecks} checks)`);
    assert.ok(pendingFromOthers >= 5, `the samplers saw other workers' running trials as pending (${pendingFromOthers})`);
    return trials;
  } finally {
    await storage.close();
  }
}

describe("PostgresStorage: worker processes sharing a study", () => {
  test("three workers run one 30-trial GP study: 30 complete, no duplicate, every result seen by the others", { timeout: 90_000 }, async (t) => {
    const name = freshName("workers");
    const workers = await startWorkers(name, ["A", "B", "C"], 500, 10_000);
    const exits = await Promise.all(workers.map((w) => w.exit));
    for (const [i, exit] of exits.entries()) assert.equal(exit.code, 0, `worker ${workers[i]?.name} failed: ${exit.stderr}`);
    const trials = await checkSharedStudy(name, workers, (message) => t.diagnostic(message));
    assert.equal(trials.length, STUDY_TRIALS, "no trial was failed or wasted");
    for (const worker of workers) assert.ok(worker.told.length >= 3, `worker ${worker.name} ran ${worker.told.length} trials`);
  });

  test("a worker killed mid-trial: its trial fails after the heartbeat timeout and is re-run; the study still ends at 30", { timeout: 90_000 }, async (t) => {
    const name = freshName("killed");
    const workers = await startWorkers(name, ["A", "B", "C"], 200, 3000);
    const [victim, ...survivors] = workers as [Worker, Worker, Worker];
    await victim.waitFor(/^told /);
    const line = await victim.waitFor(new RegExp(`^start (?!(${victim.told.join("|")})$)`));
    victim.child.kill("SIGKILL");
    const killedTrial = Number(line.split(" ")[1]);
    const victimExit = await victim.exit;
    assert.equal(victimExit.signal, "SIGKILL");
    const exits = await Promise.all(survivors.map((w) => w.exit));
    for (const [i, exit] of exits.entries()) assert.equal(exit.code, 0, `worker ${survivors[i]?.name} failed: ${exit.stderr}`);
    const trials = await checkSharedStudy(name, workers, (message) => t.diagnostic(message));
    const killed = trials[killedTrial] as FrozenTrial;
    assert.equal(killed.state, "failed", `trial ${killedTrial} (running when its worker was killed) is failed`);
    assert.match(killed.error ?? "", /no heartbeat for over 3 s/);
    const rerun = trials.filter((t) => t.userAttrs["retryOf"] === killedTrial);
    assert.equal(rerun.length, 1, "its configuration was offered again once");
    assert.equal(rerun[0]?.state, "complete", "and re-run to completion");
    assert.deepEqual(rerun[0]?.params, killed.params);
    assert.equal(trials.filter((t) => t.state === "failed").length, 1, "only the killed trial failed");
  });
});

describe("PostgresStorage: connecting", () => {
  test("a malformed connection string is refused at once, naming the expected form and hiding the password", async () => {
    await assert.rejects(PostgresStorage.connect("postgres://alice:s3cret@db.example:port/tunelab"), (error: Error) => {
      assert.match(error.message, /malformed PostgreSQL connection string "postgres:\/\/alice:\*\*\*\*@db\.example:port\/tunelab": expected postgres:\/\/user\[:password\]@host\[:port\]\/database/);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
    await assert.rejects(PostgresStorage.connect("mysql://alice@db/tunelab"), /the scheme is "mysql"; expected postgres:\/\//);
    await assert.rejects(PostgresStorage.connect("just some words"), /malformed PostgreSQL connection string "just some words"/);
  });

  test("an unreachable server fails fast: connection refused, or no answer within the timeout", async () => {
    const port = await freePort();
    const begun = Date.now();
    await assert.rejects(PostgresStorage.connect(`postgres://alice:s3cret@127.0.0.1:${port}/tunelab`), (error: Error) => {
      assert.match(error.message, new RegExp(`^cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port} \\(connection refused\\)`));
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
    assert.ok(Date.now() - begun < 5000, "refused at once");

    // A server that accepts the connection and never answers.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const silentPort = (silent.address() as { port: number }).port;
    try {
      const start = Date.now();
      await assert.rejects(
        PostgresStorage.connect(`postgres://alice@127.0.0.1:${silentPort}/tunelab`, { connectTimeoutMs: 500 }),
        new RegExp(`cannot reach PostgreSQL at 127\\.0\\.0\\.1:${silentPort} \\(no answer within 0\\.5 s\\)`),
      );
      const waited = Date.now() - start;
      assert.ok(waited >= 400 && waited < 3000, `gave up after the timeout (${waited} ms)`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test("workers connecting at once to an empty database create the schema once, without error", async () => {
    const admin = new Client({ connectionString: url() });
    await admin.connect();
    try {
      await admin.query("CREATE DATABASE tunelab_fresh");
    } finally {
      await admin.end();
    }
    const fresh = url().replace(/\/postgres$/, "/tunelab_fresh");
    const storages = await Promise.all(Array.from({ length: 6 }, () => PostgresStorage.connect(fresh)));
    try {
      await (storages[0] as PostgresStorage).createStudy({ name: "s", direction: "minimize", createdAt: 0 });
      assert.deepEqual(await (storages[5] as PostgresStorage).listStudies(), ["s"]);
    } finally {
      await Promise.all(storages.map((s) => s.close()));
    }
  });

  test("a database that does not exist is named", async () => {
    const missing = url().replace(/\/postgres$/, "/no_such_db");
    await assert.rejects(PostgresStorage.connect(missing), /PostgreSQL at 127\.0\.0\.1:\d+ has no database "no_such_db"/);
  });
});

/**
 * A study storage in PostgreSQL, shared by every worker (process or machine) that connects to the
 * same database: the relational-database answer to running one study on several machines.
 *
 * Schema (created on first use, under an advisory lock so that workers starting at once do not race):
 * - `tunelab_studies(id, name UNIQUE, direction, metric, created_at, next_trial_number, change_count,
 *   directions, metrics)`: the last two (`json`, added by `ALTER TABLE … ADD COLUMN IF NOT EXISTS`
 *   on databases made before) hold a study of several objectives' directions and metric names
 * - `tunelab_trials(study_id, number, state, data, heartbeat_at, changed)`: `data` is the frozen
 *   trial without its number, as `json` (which keeps the key order of parameters, unlike `jsonb`);
 *   `heartbeat_at` is the database's clock, so workers' clocks need not agree; `changed` is the
 *   study's `change_count` at the trial's last change.
 *
 * Every change runs in one transaction that first locks the study's row (bumping its
 * `change_count`). Changes to one study are therefore serialised and commit in `changed` order, so
 * a reader that has seen every change up to `changed = c` can ask for `changed > c` next time and
 * miss nothing: a refresh reads only the trials that changed. Heartbeats do not take the study lock
 * (they change no trial's data), and trial numbers come from `next_trial_number`, under the lock.
 *
 * Off the happy path: a trial whose worker stops heartbeating is failed and its parameters enqueued
 * again, at most `maxWorkerDeaths` times per configuration (a configuration that kills its worker
 * is then failed for good, with the reason); every statement has a timeout, connections use TCP
 * keep-alive, and an AbortSignal cancels a waiting query (postgres-pool.ts) but not the write of a
 * trial's result, which is computed work, while close() cancels a waiting heartbeat; no message shows the
 * password (postgres-connection.ts). The tables and row writes are in postgres-schema.ts.
 */
import type { PoolClient } from "pg";

import { FINISHED_STATES, isTerminal } from "../search-space";
import type { FrozenTrial, StudyDirection } from "../types";
import { StorageError } from "./memory";
import { connectionError, formatSeconds, parseConnectionString } from "./postgres-connection";
import { Despite, PostgresPool, type OperationOptions } from "./postgres-pool";
import { insertTrial, SCHEMA, SCHEMA_LOCK_KEY, SCHEMA_PRESENT_QUERY, workerDeaths, writeTrial, type LockedStudy } from "./postgres-schema";
import {
  applyTrialUpdate,
  newTrial,
  StaleTrialError,
  type NewTrial,
  type SharedStudyStorage,
  type StartTrialRequest,
  type StudyRecord,
  type TrialChanges,
  type TrialUpdate,
} from "./storage";

export { maskPassword, parseConnectionString, PostgresAbortError, PostgresConnectionError, PostgresTimeoutError } from "./postgres-connection";

/** Options of {@link PostgresStorage.connect}. */
export interface PostgresOptions {
  /** Give up connecting after this many milliseconds (default 5000). */
  readonly connectTimeoutMs?: number;
  /** How often a study heartbeats each running trial, in ms (default 5000). */
  readonly heartbeatIntervalMs?: number;
  /** A running trial with no heartbeat for this long (ms) is failed and offered again (default 60000). */
  readonly staleTrialTimeoutMs?: number;
  /** Most connections this storage opens at once (default 4). */
  readonly maxConnections?: number;
  /**
   * A statement with no answer for this long (ms) fails with a {@link PostgresTimeoutError}
   * (default 30000): the server cancels it (`statement_timeout`, also ending a transaction left
   * idle this long), and when the server does not answer at all (stopped, or cut off by a
   * network partition) the client gives up a second later (`query_timeout`).
   */
  readonly queryTimeoutMs?: number;
  /** Idle time (ms) before TCP keep-alive probes start on a connection (default 10000). */
  readonly keepAliveDelayMs?: number;
  /**
   * A configuration whose worker died (stopped heartbeating) this many times is failed for good,
   * with the reason, instead of being enqueued again (default 3): a configuration that kills its
   * worker (out of memory, a native crash) is not offered forever.
   */
  readonly maxWorkerDeaths?: number;
  /**
   * Aborting it cancels every query of this storage that is waiting (and a connect in progress);
   * they, and every later operation, reject with a {@link PostgresAbortError}. Each operation also
   * takes its own signal (its last, optional argument), which cancels that operation only.
   */
  readonly signal?: AbortSignal;
}

/**
 * A {@link SharedStudyStorage} in a PostgreSQL database. Every worker runs the same code:
 *
 * ```ts
 * const storage = await PostgresStorage.connect("postgres://tuner@db.internal/tunelab", { staleTrialTimeoutMs: 120_000 });
 * const study = await createStudy({ storage, studyName: "digits", sampler: new GPSampler() });
 * await study.optimize(objective, { trials: 30, space, countStudyTrials: true }); // 30 for the study, not per worker
 * await storage.close();
 * ```
 *
 * Workers of one study should agree on `staleTrialTimeoutMs` (each judges staleness by its own),
 * and an objective must not block the event loop for that long, or its heartbeats stop and its
 * trial is failed and re-run elsewhere (its late result is then refused with a StaleTrialError,
 * which `optimize` skips).
 */
export class PostgresStorage implements SharedStudyStorage {
  /** The connection string with its password masked, for messages. */
  readonly location: string;
  readonly heartbeatIntervalMs: number;
  readonly staleTrialTimeoutMs: number;
  /** See {@link PostgresOptions.maxWorkerDeaths}. */
  readonly maxWorkerDeaths: number;
  private readonly pool: PostgresPool;
  private closed = false;
  /** Aborted by {@link close}: cancels a heartbeat still waiting. */
  private readonly closing = new AbortController();

  private constructor(location: string, pool: PostgresPool, timing: { heartbeatIntervalMs: number; staleTrialTimeoutMs: number; maxWorkerDeaths: number }) {
    this.location = location;
    this.pool = pool;
    this.heartbeatIntervalMs = timing.heartbeatIntervalMs;
    this.staleTrialTimeoutMs = timing.staleTrialTimeoutMs;
    this.maxWorkerDeaths = timing.maxWorkerDeaths;
  }

  /**
   * Connects to `url` (`postgres://user[:password]@host[:port]/database`) and creates the schema if
   * it is missing. Rejects within `connectTimeoutMs` with a {@link PostgresConnectionError} naming
   * the host and the reason when the server cannot be reached, and at once for a malformed string;
   * no message of this storage shows the password.
   */
  static async connect(url: string, options: PostgresOptions = {}): Promise<PostgresStorage> {
    const target = parseConnectionString(url);
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5000;
    const staleTrialTimeoutMs = options.staleTrialTimeoutMs ?? 60_000;
    const queryTimeoutMs = options.queryTimeoutMs ?? 30_000;
    const keepAliveDelayMs = options.keepAliveDelayMs ?? 10_000;
    const maxWorkerDeaths = options.maxWorkerDeaths ?? 3;
    for (const [name, value] of Object.entries({ connectTimeoutMs, heartbeatIntervalMs, staleTrialTimeoutMs, queryTimeoutMs, keepAliveDelayMs })) {
      if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number of milliseconds, but got ${value}`);
    }
    if (!(Number.isInteger(maxWorkerDeaths) && maxWorkerDeaths >= 1)) throw new RangeError(`maxWorkerDeaths must be a whole number from 1, but got ${maxWorkerDeaths}`);
    if (!(staleTrialTimeoutMs > heartbeatIntervalMs)) {
      throw new RangeError(
        `staleTrialTimeoutMs (${staleTrialTimeoutMs}) must exceed heartbeatIntervalMs (${heartbeatIntervalMs}), or live trials would be failed`,
      );
    }
    const pool = new PostgresPool({ url, target, connectTimeoutMs, queryTimeoutMs, keepAliveDelayMs, maxConnections: options.maxConnections ?? 4, signal: options.signal });
    const storage = new PostgresStorage(target.display, pool, { heartbeatIntervalMs, staleTrialTimeoutMs, maxWorkerDeaths });
    try {
      // The last object of the schema exists once the schema does: then skip the locked creation
      // (CREATE INDEX IF NOT EXISTS would briefly lock the trials table against other workers).
      const present = await storage.query<{ present: boolean }>(SCHEMA_PRESENT_QUERY);
      if (present[0]?.present !== true) {
        await storage.transaction(async (client) => {
          await client.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK_KEY]);
          // Another worker may have made the schema while this one waited for the lock, and may be
          // using the tables already: its DDL again (ALTER TABLE locks the whole table) would deadlock.
          const madeMeanwhile = await client.query<{ present: boolean }>(SCHEMA_PRESENT_QUERY);
          if (madeMeanwhile.rows[0]?.present === true) return;
          for (const statement of SCHEMA) await client.query(statement);
        });
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw connectionError(error, target, pool.timeouts());
    }
    return storage;
  }

  async createStudy(record: StudyRecord, signal?: AbortSignal): Promise<StudyRecord> {
    for (const [what, text] of [["study name", record.name], ["metric", record.metric], ...(record.metrics ?? []).map((m) => ["metric", m])] as const) {
      refuseNul(what, text);
    }
    await this.query(
      `INSERT INTO tunelab_studies (name, direction, metric, created_at, directions, metrics) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING`,
      [
        record.name,
        record.direction,
        record.metric ?? null,
        record.createdAt,
        record.directions === undefined ? null : JSON.stringify(record.directions),
        record.metrics === undefined ? null : JSON.stringify(record.metrics),
      ],
      signal,
    );
    return (await this.loadStudy(record.name, signal)) as StudyRecord;
  }

  async loadStudy(name: string, signal?: AbortSignal): Promise<StudyRecord | undefined> {
    refuseNul("study name", name);
    const rows = await this.query<{
      name: string;
      direction: StudyDirection;
      metric: string | null;
      created_at: number;
      directions: StudyDirection[] | null;
      metrics: string[] | null;
    }>(
      `SELECT name, direction, metric, created_at, directions, metrics FROM tunelab_studies WHERE name = $1`,
      [name],
      signal,
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return {
      name: row.name,
      direction: row.direction,
      ...(row.metric === null ? {} : { metric: row.metric }),
      ...(row.directions === null ? {} : { directions: row.directions }),
      ...(row.metrics === null ? {} : { metrics: row.metrics }),
      createdAt: row.created_at,
    };
  }

  async listStudies(signal?: AbortSignal): Promise<string[]> {
    const rows = await this.query<{ name: string }>(`SELECT name FROM tunelab_studies ORDER BY id`, [], signal);
    return rows.map((row) => row.name);
  }

  async createTrial(studyName: string, trial: NewTrial, signal?: AbortSignal): Promise<number> {
    return this.transaction(async (client) => {
      const study = await this.lockStudy(client, studyName);
      await insertTrial(client, study, study.nextTrialNumber, trial);
      return study.nextTrialNumber;
    }, signal);
  }

  /**
   * See {@link SharedStudyStorage.updateTrial}. A trial's result (an update to a finished state)
   * is computed work: it is written even when the storage's own signal aborted (an interrupt),
   * waiting for the study's lock at most the query timeout; only its own `signal` cancels it.
   */
  async updateTrial(studyName: string, number: number, update: TrialUpdate, signal?: AbortSignal): Promise<void> {
    const result = update.state !== undefined && isTerminal(update.state);
    await this.transaction(async (client) => {
      const study = await this.lockStudy(client, studyName);
      if (!Number.isInteger(number) || number < 0 || number >= study.nextTrialNumber) {
        throw new StorageError(`study "${studyName}" has no trial ${number} (it has trials 0…${study.nextTrialNumber - 1})`);
      }
      const rows = await client.query<{ data: NewTrial }>(
        `SELECT data FROM tunelab_trials WHERE study_id = $1 AND number = $2 FOR UPDATE`,
        [study.id, number],
      );
      const data = rows.rows[0]?.data as NewTrial;
      if (isTerminal(data.state)) throw new StaleTrialError(studyName, number, data.state, data.error);
      const next = applyTrialUpdate({ ...data, number }, update);
      await writeTrial(client, study, next, data.state !== "running" && next.state === "running");
    }, signal, result ? Despite : {});
  }

  async readTrials(studyName: string, signal?: AbortSignal): Promise<FrozenTrial[]> {
    return [...(await this.readTrialChanges(studyName, 0, signal)).trials];
  }

  async readTrialChanges(studyName: string, cursor: number, signal?: AbortSignal): Promise<TrialChanges> {
    const rows = await this.query<{ number: number | null; data: NewTrial | null; changed: string | null }>(
      `SELECT t.number, t.data, t.changed
         FROM tunelab_studies s LEFT JOIN tunelab_trials t ON t.study_id = s.id AND t.changed > $2
        WHERE s.name = $1
        ORDER BY t.number`,
      [studyName, cursor],
      signal,
    );
    if (rows.length === 0) throw await this.unknownStudy(studyName, signal);
    const trials: FrozenTrial[] = [];
    let latest = cursor;
    for (const row of rows) {
      if (row.number === null || row.data === null || row.changed === null) continue;
      trials.push({ ...row.data, number: row.number });
      latest = Math.max(latest, Number(row.changed));
    }
    return { trials, cursor: latest };
  }

  async startTrial(studyName: string, request: StartTrialRequest, signal?: AbortSignal): Promise<FrozenTrial | undefined> {
    return this.transaction(async (client) => {
      const study = await this.lockStudy(client, studyName);
      if (request.limit !== undefined) {
        // Finished trials (the one rule: FINISHED_STATES) and the running ones that may finish.
        const counted = await client.query<{ count: string }>(
          `SELECT count(*) FROM tunelab_trials WHERE study_id = $1 AND state = ANY($2::text[])`,
          [study.id, [...FINISHED_STATES, "running"]],
        );
        if (Number(counted.rows[0]?.count) >= request.limit) return undefined;
      }
      const waiting = await client.query<{ number: number; data: NewTrial }>(
        `SELECT number, data FROM tunelab_trials WHERE study_id = $1 AND state = 'waiting' ORDER BY number LIMIT 1`,
        [study.id],
      );
      const claimed = waiting.rows[0];
      if (claimed !== undefined) {
        const next = applyTrialUpdate({ ...claimed.data, number: claimed.number }, { state: "running", startedAt: request.startedAt });
        await writeTrial(client, study, next, true);
        return next;
      }
      const trial = newTrial("running", { startedAt: request.startedAt });
      await insertTrial(client, study, study.nextTrialNumber, trial);
      return { ...trial, number: study.nextTrialNumber };
    }, signal);
  }

  /**
   * See {@link SharedStudyStorage.recordHeartbeat}. A heartbeat is worth nothing once the study
   * stops: the storage's signal (an interrupt) and {@link close} cancel one that waits, at once.
   */
  async recordHeartbeat(studyName: string, numbers: readonly number[], signal?: AbortSignal): Promise<void> {
    if (numbers.length === 0) return;
    signal = signal === undefined ? this.closing.signal : AbortSignal.any([signal, this.closing.signal]);
    await this.query(
      `UPDATE tunelab_trials SET heartbeat_at = now()
        WHERE study_id = (SELECT id FROM tunelab_studies WHERE name = $1) AND number = ANY($2::int[]) AND state = 'running'`,
      [studyName, numbers],
      signal,
    );
  }

  /**
   * See {@link SharedStudyStorage.failStaleTrials}; a configuration whose worker has now died
   * {@link maxWorkerDeaths} times (counted along its `retryOf` chain) is failed for good, with
   * the trials it killed named, and not enqueued again.
   */
  async failStaleTrials(studyName: string, signal?: AbortSignal): Promise<number[]> {
    const staleSql = `state = 'running' AND heartbeat_at < now() - $2 * interval '1 millisecond'`;
    // A cheap look without locks first: most of the time nothing is stale.
    const any = await this.query(
      `SELECT 1 FROM tunelab_trials WHERE study_id = (SELECT id FROM tunelab_studies WHERE name = $1) AND ${staleSql} LIMIT 1`,
      [studyName, this.staleTrialTimeoutMs],
      signal,
    );
    if (any.length === 0) return [];
    return this.transaction(async (client) => {
      const study = await this.lockStudy(client, studyName);
      // Under the study's lock: a trial another worker failed meanwhile is no longer running here.
      const stale = await client.query<{ number: number; data: NewTrial }>(
        `SELECT number, data FROM tunelab_trials WHERE study_id = $1 AND ${staleSql} ORDER BY number FOR UPDATE`,
        [study.id, this.staleTrialTimeoutMs],
      );
      let nextNumber = study.nextTrialNumber;
      const failed: number[] = [];
      const silence = `no heartbeat for over ${formatSeconds(this.staleTrialTimeoutMs)}: its worker stopped (killed, crashed or cut off)`;
      for (const row of stale.rows) {
        const deaths = await workerDeaths(client, study.id, row.number);
        const retry = deaths.length < this.maxWorkerDeaths;
        const error = retry
          ? `${silence}; its parameters were enqueued again as trial ${nextNumber}`
          : `${silence}; its parameters stopped a worker ${deaths.length} times (trials ${deaths.join(", ")}), the most allowed (maxWorkerDeaths), so they were not enqueued again`;
        const update: TrialUpdate = { state: "failed", completedAt: Date.now(), error };
        await writeTrial(client, study, applyTrialUpdate({ ...row.data, number: row.number }, update), false);
        if (retry) {
          await insertTrial(client, { ...study, nextTrialNumber: nextNumber }, nextNumber, newTrial("waiting", { params: row.data.params, userAttrs: { retryOf: row.number } }));
          nextNumber += 1;
        }
        failed.push(row.number);
      }
      return failed;
    }, signal);
  }

  /** Closes the connections, after the statements under way (a waiting heartbeat is cancelled). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    await this.pool.end();
  }

  // ---- internals -------------------------------------------------------------------------

  private async query<Row extends object = Record<string, unknown>>(sql: string, values: readonly unknown[] = [], signal?: AbortSignal): Promise<Row[]> {
    this.checkOpen();
    return this.pool.query<Row>(sql, values, signal);
  }

  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  private async transaction<T>(work: (client: PoolClient) => Promise<T>, signal?: AbortSignal, options?: OperationOptions): Promise<T> {
    this.checkOpen();
    return this.pool.transaction(work, signal, options);
  }

  /** Locks the study's row for this transaction and takes the next change number. */
  private async lockStudy(client: PoolClient, studyName: string): Promise<LockedStudy> {
    const result = await client.query<{ id: number; change_count: string; next_trial_number: number }>(
      `UPDATE tunelab_studies SET change_count = change_count + 1 WHERE name = $1 RETURNING id, change_count, next_trial_number`,
      [studyName],
    );
    const row = result.rows[0];
    if (row === undefined) throw await this.unknownStudy(studyName);
    return { id: row.id, change: Number(row.change_count), nextTrialNumber: row.next_trial_number };
  }

  private async unknownStudy(name: string, signal?: AbortSignal): Promise<StorageError> {
    const known = await this.listStudies(signal);
    return new StorageError(`no study named "${name}"${known.length > 0 ? ` (known: ${known.join(", ")})` : ""}`);
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError(`the PostgreSQL storage at ${this.location} is closed`);
  }
}

/**
 * Refuses a name PostgreSQL's text cannot hold (a NUL character: "invalid byte sequence for
 * encoding UTF8: 0x00", which named neither the study nor the character).
 */
function refuseNul(what: string, text: string | undefined): void {
  if (text !== undefined && text.includes("\u0000")) {
    throw new StorageError(`a ${what} stored in PostgreSQL cannot hold a NUL character (U+0000), but got ${JSON.stringify(text)}`);
  }
}

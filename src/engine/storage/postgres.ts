/**
 * A study storage in PostgreSQL, shared by every worker (process or machine) that connects to the
 * same database: the relational-database answer to running one study on several machines.
 *
 * Schema (created on first use, under an advisory lock so that workers starting at once do not race):
 * - `tunelab_studies(id, name UNIQUE, direction, metric, created_at, next_trial_number, change_count)`
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
 */
import { Pool, type PoolClient, type PoolConfig } from "pg";

import { FINISHED_STATES, isTerminal } from "../search-space";
import type { FrozenTrial, StudyDirection } from "../types";
import { StorageError } from "./memory";
import { connectionError, formatSeconds, parseConnectionString } from "./postgres-connection";
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

export { maskPassword, parseConnectionString, PostgresConnectionError } from "./postgres-connection";

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
}

/** Arbitrary, fixed: the advisory lock that serialises schema creation across workers. */
const SCHEMA_LOCK_KEY = 7_417_230_611;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS tunelab_studies (
     id serial PRIMARY KEY,
     name text NOT NULL UNIQUE,
     direction text NOT NULL,
     metric text,
     created_at double precision NOT NULL,
     next_trial_number integer NOT NULL DEFAULT 0,
     change_count bigint NOT NULL DEFAULT 0
   )`,
  `CREATE TABLE IF NOT EXISTS tunelab_trials (
     study_id integer NOT NULL REFERENCES tunelab_studies (id) ON DELETE CASCADE,
     number integer NOT NULL,
     state text NOT NULL,
     data json NOT NULL,
     heartbeat_at timestamptz,
     changed bigint NOT NULL,
     PRIMARY KEY (study_id, number)
   )`,
  `CREATE INDEX IF NOT EXISTS tunelab_trials_changed ON tunelab_trials (study_id, changed)`,
  `CREATE INDEX IF NOT EXISTS tunelab_trials_state ON tunelab_trials (study_id, state)`,
];

/** The object {@link SCHEMA} creates last. */
const SCHEMA_LAST_OBJECT = "tunelab_trials_state";

/** What a locked study row tells a transaction. */
interface LockedStudy {
  readonly id: number;
  /** The `changed` value of this transaction's changes. */
  readonly change: number;
  readonly nextTrialNumber: number;
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
  private readonly pool: Pool;
  private closed = false;

  private constructor(location: string, pool: Pool, heartbeatIntervalMs: number, staleTrialTimeoutMs: number) {
    this.location = location;
    this.pool = pool;
    this.heartbeatIntervalMs = heartbeatIntervalMs;
    this.staleTrialTimeoutMs = staleTrialTimeoutMs;
  }

  /**
   * Connects to `url` (`postgres://user[:password]@host[:port]/database`) and creates the schema if
   * it is missing. Rejects within `connectTimeoutMs` with a {@link PostgresConnectionError} naming
   * the host and the reason when the server cannot be reached, and at once for a malformed string.
   */
  static async connect(url: string, options: PostgresOptions = {}): Promise<PostgresStorage> {
    const target = parseConnectionString(url);
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5000;
    const staleTrialTimeoutMs = options.staleTrialTimeoutMs ?? 60_000;
    for (const [name, value] of Object.entries({ connectTimeoutMs, heartbeatIntervalMs, staleTrialTimeoutMs })) {
      if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number of milliseconds, but got ${value}`);
    }
    if (!(staleTrialTimeoutMs > heartbeatIntervalMs)) {
      throw new RangeError(
        `staleTrialTimeoutMs (${staleTrialTimeoutMs}) must exceed heartbeatIntervalMs (${heartbeatIntervalMs}), or live trials would be failed`,
      );
    }
    const config: PoolConfig = {
      connectionString: url,
      connectionTimeoutMillis: connectTimeoutMs,
      max: options.maxConnections ?? 4,
      application_name: "tunelab",
    };
    const pool = new Pool(config);
    // An idle connection dropped by the server must not crash the process; the next query reports it.
    pool.on("error", () => undefined);
    const storage = new PostgresStorage(target.display, pool, heartbeatIntervalMs, staleTrialTimeoutMs);
    try {
      // The last object of the schema exists once the schema does: then skip the locked creation
      // (CREATE INDEX IF NOT EXISTS would briefly lock the trials table against other workers).
      const present = await storage.query<{ present: boolean }>(`SELECT to_regclass('${SCHEMA_LAST_OBJECT}') IS NOT NULL AS present`);
      if (present[0]?.present !== true) {
        await storage.transaction(async (client) => {
          await client.query("SELECT pg_advisory_xact_lock($1)", [SCHEMA_LOCK_KEY]);
          for (const statement of SCHEMA) await client.query(statement);
        });
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw connectionError(error, target, connectTimeoutMs);
    }
    return storage;
  }

  async createStudy(record: StudyRecord): Promise<StudyRecord> {
    await this.query(
      `INSERT INTO tunelab_studies (name, direction, metric, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING`,
      [record.name, record.direction, record.metric ?? null, record.createdAt],
    );
    return (await this.loadStudy(record.name)) as StudyRecord;
  }

  async loadStudy(name: string): Promise<StudyRecord | undefined> {
    const rows = await this.query<{ name: string; direction: StudyDirection; metric: string | null; created_at: number }>(
      `SELECT name, direction, metric, created_at FROM tunelab_studies WHERE name = $1`,
      [name],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return { name: row.name, direction: row.direction, ...(row.metric === null ? {} : { metric: row.metric }), createdAt: row.created_at };
  }

  async listStudies(): Promise<string[]> {
    const rows = await this.query<{ name: string }>(`SELECT name FROM tunelab_studies ORDER BY id`);
    return rows.map((row) => row.name);
  }

  async createTrial(studyName: string, trial: NewTrial): Promise<number> {
    return this.transaction(async (client) => {
      const study = await this.lockStudy(client, studyName);
      await insertTrial(client, study, study.nextTrialNumber, trial);
      return study.nextTrialNumber;
    });
  }

  async updateTrial(studyName: string, number: number, update: TrialUpdate): Promise<void> {
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
    });
  }

  async readTrials(studyName: string): Promise<FrozenTrial[]> {
    return [...(await this.readTrialChanges(studyName, 0)).trials];
  }

  async readTrialChanges(studyName: string, cursor: number): Promise<TrialChanges> {
    const rows = await this.query<{ number: number | null; data: NewTrial | null; changed: string | null }>(
      `SELECT t.number, t.data, t.changed
         FROM tunelab_studies s LEFT JOIN tunelab_trials t ON t.study_id = s.id AND t.changed > $2
        WHERE s.name = $1
        ORDER BY t.number`,
      [studyName, cursor],
    );
    if (rows.length === 0) throw await this.unknownStudy(studyName);
    const trials: FrozenTrial[] = [];
    let latest = cursor;
    for (const row of rows) {
      if (row.number === null || row.data === null || row.changed === null) continue;
      trials.push({ ...row.data, number: row.number });
      latest = Math.max(latest, Number(row.changed));
    }
    return { trials, cursor: latest };
  }

  async startTrial(studyName: string, request: StartTrialRequest): Promise<FrozenTrial | undefined> {
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
    });
  }

  async recordHeartbeat(studyName: string, numbers: readonly number[]): Promise<void> {
    if (numbers.length === 0) return;
    await this.query(
      `UPDATE tunelab_trials SET heartbeat_at = now()
        WHERE study_id = (SELECT id FROM tunelab_studies WHERE name = $1) AND number = ANY($2::int[]) AND state = 'running'`,
      [studyName, numbers],
    );
  }

  async failStaleTrials(studyName: string): Promise<number[]> {
    const staleSql = `state = 'running' AND heartbeat_at < now() - $2 * interval '1 millisecond'`;
    // A cheap look without locks first: most of the time nothing is stale.
    const any = await this.query(
      `SELECT 1 FROM tunelab_trials WHERE study_id = (SELECT id FROM tunelab_studies WHERE name = $1) AND ${staleSql} LIMIT 1`,
      [studyName, this.staleTrialTimeoutMs],
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
      for (const row of stale.rows) {
        const update: TrialUpdate = {
          state: "failed",
          completedAt: Date.now(),
          error: `no heartbeat for over ${formatSeconds(this.staleTrialTimeoutMs)}: its worker stopped (killed, crashed or cut off); its parameters were enqueued again as trial ${nextNumber}`,
        };
        await writeTrial(client, study, applyTrialUpdate({ ...row.data, number: row.number }, update), false);
        await insertTrial(client, { ...study, nextTrialNumber: nextNumber }, nextNumber, newTrial("waiting", { params: row.data.params, userAttrs: { retryOf: row.number } }));
        failed.push(row.number);
        nextNumber += 1;
      }
      return failed;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  // ---- internals -------------------------------------------------------------------------

  private async query<Row extends object = Record<string, unknown>>(sql: string, values: readonly unknown[] = []): Promise<Row[]> {
    this.checkOpen();
    const result = await this.pool.query<Row>(sql, [...values]);
    return result.rows;
  }

  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    this.checkOpen();
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
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

  private async unknownStudy(name: string): Promise<StorageError> {
    const known = await this.listStudies();
    return new StorageError(`no study named "${name}"${known.length > 0 ? ` (known: ${known.join(", ")})` : ""}`);
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError(`the PostgreSQL storage at ${this.location} is closed`);
  }
}

/** Inserts trial `number` (the study's next number) and advances the study's numbering. */
async function insertTrial(client: PoolClient, study: LockedStudy, number: number, trial: NewTrial): Promise<void> {
  await client.query(
    `INSERT INTO tunelab_trials (study_id, number, state, data, heartbeat_at, changed)
     VALUES ($1, $2, $3, $4, CASE WHEN $3 = 'running' THEN now() END, $5)`,
    [study.id, number, trial.state, JSON.stringify(trial), study.change],
  );
  await client.query(`UPDATE tunelab_studies SET next_trial_number = $2 WHERE id = $1`, [study.id, number + 1]);
}

/** Writes a changed trial; `started` renews its heartbeat (it has just become running). */
async function writeTrial(client: PoolClient, study: LockedStudy, trial: FrozenTrial, started: boolean): Promise<void> {
  const { number, ...data } = trial;
  await client.query(
    `UPDATE tunelab_trials SET state = $3, data = $4, changed = $5, heartbeat_at = CASE WHEN $6 THEN now() ELSE heartbeat_at END
      WHERE study_id = $1 AND number = $2`,
    [study.id, number, trial.state, JSON.stringify(data), study.change, started],
  );
}

/**
 * The tables of the PostgreSQL storage (see postgres.ts for what they hold and how changes are
 * serialised) and the statements that write trial rows inside a transaction.
 */
import type { PoolClient } from "pg";

import type { FrozenTrial } from "../types";
import type { NewTrial } from "./storage";

/** Arbitrary, fixed: the advisory lock that serialises schema creation across workers. */
export const SCHEMA_LOCK_KEY = 7_417_230_611;

export const SCHEMA = [
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
  // Studies of several objectives (added later: a database made before gets the columns on first use).
  `ALTER TABLE tunelab_studies ADD COLUMN IF NOT EXISTS directions json`,
  `ALTER TABLE tunelab_studies ADD COLUMN IF NOT EXISTS metrics json`,
];

/**
 * Whether the schema is current: the last thing {@link SCHEMA} adds exists (a boolean `present`).
 * Run before taking the schema lock, so that workers on a current database skip it.
 */
export const SCHEMA_PRESENT_QUERY = `SELECT EXISTS (
    SELECT 1 FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'tunelab_studies' AND column_name = 'metrics'
  ) AS present`;

/** What a locked study row tells a transaction. */
export interface LockedStudy {
  readonly id: number;
  /** The `changed` value of this transaction's changes. */
  readonly change: number;
  readonly nextTrialNumber: number;
}

/** Inserts trial `number` (the study's next number) and advances the study's numbering. */
export async function insertTrial(client: PoolClient, study: LockedStudy, number: number, trial: NewTrial): Promise<void> {
  await client.query(
    `INSERT INTO tunelab_trials (study_id, number, state, data, heartbeat_at, changed)
     VALUES ($1, $2, $3, $4, CASE WHEN $3 = 'running' THEN now() END, $5)`,
    [study.id, number, trial.state, JSON.stringify(trial), study.change],
  );
  await client.query(`UPDATE tunelab_studies SET next_trial_number = $2 WHERE id = $1`, [study.id, number + 1]);
}

/** Writes a changed trial; `started` renews its heartbeat (it has just become running). */
export async function writeTrial(client: PoolClient, study: LockedStudy, trial: FrozenTrial, started: boolean): Promise<void> {
  const { number, ...data } = trial;
  await client.query(
    `UPDATE tunelab_trials SET state = $3, data = $4, changed = $5, heartbeat_at = CASE WHEN $6 THEN now() ELSE heartbeat_at END
      WHERE study_id = $1 AND number = $2`,
    [study.id, number, trial.state, JSON.stringify(data), study.change, started],
  );
}

/**
 * The trials on which a configuration stopped its worker, oldest first: trial `number` and the
 * trials it re-runs, following `retryOf` (always to a lower number, so the walk ends).
 */
export async function workerDeaths(client: PoolClient, studyId: number, number: number): Promise<number[]> {
  const chain = await client.query<{ number: number }>(
    `WITH RECURSIVE chain (number, data) AS (
       SELECT number, data FROM tunelab_trials WHERE study_id = $1 AND number = $2
       UNION ALL
       SELECT t.number, t.data FROM chain c JOIN tunelab_trials t ON t.study_id = $1
          AND json_typeof(c.data -> 'userAttrs' -> 'retryOf') = 'number'
          AND t.number = (c.data -> 'userAttrs' ->> 'retryOf')::numeric
          AND t.number < c.number
     )
     SELECT number FROM chain ORDER BY number`,
    [studyId, number],
  );
  return chain.rows.map((row) => row.number);
}

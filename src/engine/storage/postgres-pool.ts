/**
 * The connections of a PostgreSQL storage: a `pg` Pool with PostgreSQL's own timeouts and TCP
 * keep-alive, queries and transactions that an AbortSignal cancels, and errors that name the server
 * (never the password).
 *
 * - `statement_timeout` (server side): a statement running or waiting for a lock longer than
 *   `queryTimeoutMs` is cancelled by the server, and the connection stays usable.
 * - `query_timeout` (client side, a second longer, so the server's own cancel wins while it can):
 *   when the server does not answer at all (stopped, or cut off by a network partition) the query
 *   fails, the connection is dropped and the server is asked to cancel the statement.
 * - `idle_in_transaction_session_timeout`: a worker cut off in the middle of a transaction does not
 *   hold the study's lock for longer than `queryTimeoutMs`.
 * - `keepAlive`: the operating system probes idle connections, so a dead peer is noticed.
 * - An abort cancels the waiting query with `pg_cancel_backend` on a second connection (bounded by
 *   the timeouts above), drops the connection (rolling its transaction back), and rejects with a
 *   {@link PostgresAbortError}.
 */
import { Client, Pool, type PoolClient, type PoolConfig } from "pg";

import { messageOf } from "../../common/errors";
import { log } from "../../common/log";
import { connectionError, PostgresAbortError, type ConnectionTarget, type Timeouts } from "./postgres-connection";

/** How the pool connects and how long it waits. */
export interface PoolSettings {
  readonly url: string;
  readonly target: ConnectionTarget;
  readonly connectTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly keepAliveDelayMs: number;
  readonly maxConnections: number;
  /** Aborting it cancels every query of this pool (a storage-wide interrupt), except those run {@link Despite} it. */
  readonly signal?: AbortSignal | undefined;
}

/** Options of one operation of the pool. */
export interface OperationOptions {
  /** Run even after the pool's own signal aborted, and do not cancel on it (the operation's own signal still applies). */
  readonly despitePoolAbort?: boolean;
}

/** Shorthand for {@link OperationOptions.despitePoolAbort}. */
export const Despite: OperationOptions = { despitePoolAbort: true };

/** How much longer the client waits than the server's `statement_timeout`. */
const CLIENT_TIMEOUT_MARGIN_MS = 1000;

/** A pool whose queries time out and can be cancelled; see the module comment. */
export class PostgresPool {
  private readonly pool: Pool;
  private readonly settings: PoolSettings;
  private readonly cancels = new Set<Promise<void>>();

  constructor(settings: PoolSettings) {
    this.settings = settings;
    this.pool = new Pool({ ...this.clientConfig(), max: settings.maxConnections });
    // An idle connection dropped by the server must not crash the process; the next query reports it.
    this.pool.on("error", () => undefined);
  }

  /** Runs one statement (every one this storage runs alone may be repeated) on any connection; resolves to its rows. */
  async query<Row extends object = Record<string, unknown>>(sql: string, values: readonly unknown[], signal?: AbortSignal): Promise<Row[]> {
    return this.once(signal, {}, async (client) => (await client.query<Row>(sql, [...values])).rows);
  }

  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>, signal?: AbortSignal, options: OperationOptions = {}): Promise<T> {
    return this.once(signal, options, async (client, attempt) => {
      await client.query("BEGIN");
      let result: T;
      try {
        result = await work(client);
      } catch (error) {
        // A rollback that cannot be sent leaves the connection broken: withClient drops it.
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
      // Whether a COMMIT that lost its connection took effect is unknown: never repeated.
      attempt.repeatable = false;
      await client.query("COMMIT");
      return result;
    });
  }

  /** Ends every connection, after any cancel request still on its way. */
  async end(): Promise<void> {
    await Promise.all([...this.cancels]);
    await this.pool.end();
  }

  // ---- internals -------------------------------------------------------------------------

  /**
   * Runs `work` once, or twice when its connection turns out to be closed (the server restarted,
   * or ended an idle connection) before anything could take effect: a statement alone, or a
   * transaction before its COMMIT (the server rolled it back), is then repeated on a new one.
   */
  private async once<T>(signal: AbortSignal | undefined, options: OperationOptions, work: (client: PoolClient, attempt: { repeatable: boolean }) => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      const attempt = { repeatable: true };
      try {
        return await this.withClient(signal, options, (client) => work(client, attempt));
      } catch (error) {
        if (tries > 1 || !attempt.repeatable || !closedConnections.has(error as object)) throw error;
      }
    }
  }

  /** The waits of this pool, for messages. */
  timeouts(): Timeouts {
    const { connectTimeoutMs, queryTimeoutMs } = this.settings;
    return { connectMs: connectTimeoutMs, queryMs: queryTimeoutMs, readMs: queryTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS };
  }

  private clientConfig(): PoolConfig {
    const { url, connectTimeoutMs, queryTimeoutMs, keepAliveDelayMs } = this.settings;
    return {
      connectionString: url,
      connectionTimeoutMillis: connectTimeoutMs,
      statement_timeout: queryTimeoutMs,
      idle_in_transaction_session_timeout: queryTimeoutMs,
      query_timeout: queryTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: keepAliveDelayMs,
      application_name: "tunelab",
    };
  }

  /**
   * Runs `work` on a connection of the pool. An abort of `signal` (or of the pool's signal) while
   * it waits cancels the statement and drops the connection; a timeout or a closed connection
   * drops it too. Every error is turned into one that names the server and not the password.
   */
  private async withClient<T>(signal: AbortSignal | undefined, options: OperationOptions, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const signals = [options.despitePoolAbort === true ? undefined : this.settings.signal, signal].filter((s): s is AbortSignal => s !== undefined);
    const aborted = (): PostgresAbortError | undefined =>
      signals.some((s) => s.aborted)
        ? new PostgresAbortError(`interrupted: the query to PostgreSQL at ${this.settings.target.host}:${this.settings.target.port} was cancelled`)
        : undefined;
    const before = aborted();
    if (before !== undefined) throw before;
    let client: PoolClient | undefined;
    let cancelled: PostgresAbortError | undefined;
    let dropped = false;
    /** Drops the connection; `cancel` asks the server to stop what it runs for it (a backend still alive). */
    const drop = (cancel: boolean): void => {
      if (dropped || client === undefined) return;
      dropped = true;
      if (cancel) this.cancelBackend(client);
    };
    let stopWaiting: (error: Error) => void = () => undefined;
    const onAbort = (): void => {
      cancelled ??= aborted();
      drop(true);
      if (cancelled !== undefined) stopWaiting(cancelled);
    };
    for (const s of signals) s.addEventListener("abort", onAbort, { once: true });
    try {
      const waitingForAbort = new Promise<never>((_, reject) => (stopWaiting = reject));
      waitingForAbort.catch(() => undefined);
      const connecting = this.pool.connect();
      // A connection that arrives after an abort goes straight back.
      connecting.then((late) => (cancelled === undefined ? undefined : late.release())).catch(() => undefined);
      client = await Promise.race([connecting, waitingForAbort]);
      // A checked-out connection that the server closes emits "error": reported by the query instead.
      client.on("error", ignore);
      return await Promise.race([work(client), waitingForAbort]);
    } catch (error) {
      if (cancelled !== undefined) throw cancelled;
      const described = connectionError(error, this.settings.target, this.timeouts());
      if (client !== undefined && isConnectionFailure(error)) {
        const timedOut = /Query read timeout/.test(messageOf(error));
        drop(timedOut);
        if (!timedOut) closedConnections.add(described);
      }
      throw described;
    } finally {
      for (const s of signals) s.removeEventListener("abort", onAbort);
      // A dropped connection leaves the pool: `end` closes its socket at once when a query is
      // still waiting, and the server rolls back its transaction, if any.
      client?.release(dropped ? new Error("dropped") : undefined);
      client?.removeListener("error", ignore);
    }
  }

  /**
   * Asks the server to cancel whatever `client`'s backend runs, with `pg_cancel_backend` on a
   * fresh connection bounded by the same timeouts; never throws (a server that cannot be reached
   * has nothing running for us that it will not end when it sees the connection gone).
   */
  private cancelBackend(client: PoolClient): void {
    const pid = (client as unknown as { processID?: number | null }).processID;
    if (typeof pid !== "number") return;
    const config = this.clientConfig();
    const cancel = (async () => {
      const canceller = new Client(config);
      canceller.on("error", () => undefined);
      try {
        await canceller.connect();
        await canceller.query("SELECT pg_cancel_backend($1)", [pid]);
      } catch (error) {
        log(`could not cancel a PostgreSQL query (backend ${pid}): ${connectionError(error, this.settings.target, this.timeouts()).message}`);
      } finally {
        await canceller.end().catch(() => undefined);
      }
    })();
    this.cancels.add(cancel);
    void cancel.finally(() => this.cancels.delete(cancel));
  }
}

/** Errors of a connection found closed (not timed out), which {@link PostgresPool.once} may repeat. */
const closedConnections = new WeakSet<object>();

/** Whether `error` leaves the connection unusable: a client-side timeout or a closed connection. */
function isConnectionFailure(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  if (code !== undefined && /^(57P0|08|E[A-Z]+$)/.test(code)) return true;
  return /Query read timeout|terminated|not queryable|ECONNRESET/i.test(message ?? "");
}

function ignore(): void {
  // See withClient.
}

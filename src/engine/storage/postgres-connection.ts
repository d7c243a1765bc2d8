/**
 * Connecting to PostgreSQL: checking a connection string's form, masking its password for
 * messages, and turning a failure to connect into an error that names where and why.
 */
import { StorageError } from "./memory";

/** The server could not be reached or refused us; the message names where and why, never the password. */
export class PostgresConnectionError extends StorageError {}

/** Where a connection string points, for messages (the password masked). */
interface ConnectionTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly display: string;
}

const EXPECTED_FORM = "expected postgres://user[:password]@host[:port]/database";

/** Checks the form of a connection string; throws a {@link PostgresConnectionError} naming what is wrong. */
export function parseConnectionString(url: string): ConnectionTarget {
  const masked = maskPassword(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PostgresConnectionError(`malformed PostgreSQL connection string "${masked}": ${EXPECTED_FORM}`);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new PostgresConnectionError(
      `malformed PostgreSQL connection string "${masked}": the scheme is "${parsed.protocol.replace(/:$/, "")}"; ${EXPECTED_FORM}`,
    );
  }
  const socketHost = parsed.searchParams.get("host");
  const host = decodeURIComponent(parsed.hostname) || socketHost || "localhost";
  const port = parsed.port === "" ? 5432 : Number(parsed.port);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (database.includes("/")) {
    throw new PostgresConnectionError(`malformed PostgreSQL connection string "${masked}": "${database}" is not a database name; ${EXPECTED_FORM}`);
  }
  const user = decodeURIComponent(parsed.username) || process.env["PGUSER"] || process.env["USER"] || "postgres";
  return { host, port, user, database: database || user, display: masked };
}

/** `url` with any password replaced by `****`. */
export function maskPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, "$1:****@");
}

/** A clear error for a failure to connect, or the error itself if it is not one. */
export function connectionError(error: unknown, target: ConnectionTarget, timeoutMs: number): Error {
  const where = `${target.host}:${target.port}`;
  const { code, message } = error as { code?: string; message?: string };
  const text = message ?? String(error);
  const reach = (reason: string): PostgresConnectionError =>
    new PostgresConnectionError(`cannot reach PostgreSQL at ${where} (${reason}); the connection string was "${target.display}"`);
  switch (code) {
    case "ECONNREFUSED":
      return reach("connection refused");
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return reach(`host "${target.host}" not found`);
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return reach(code === "ETIMEDOUT" ? `no answer within ${formatSeconds(timeoutMs)}` : "no route to the host");
    case "ENOENT":
      return reach(`no server socket at ${target.host}`);
    case "28P01":
    case "28000":
      return new PostgresConnectionError(`PostgreSQL at ${where} refused user "${target.user}": ${text}`);
    case "3D000":
      return new PostgresConnectionError(`PostgreSQL at ${where} has no database "${target.database}": ${text}`);
    default:
      if (/timeout/i.test(text)) return reach(`no answer within ${formatSeconds(timeoutMs)}`);
      if (/terminated|ECONNRESET/i.test(text) || code === "ECONNRESET") return reach(`the connection was closed: ${text}`);
      return error instanceof Error ? error : new Error(text);
  }
}

export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

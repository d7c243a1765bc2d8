/**
 * Connecting to PostgreSQL: checking a connection string's form, masking its password for
 * messages, and turning a failure (to connect, or of a query: a timeout, a server that shut down)
 * into an error that names where and why, never the password.
 *
 * Masking does not trust the string to be well formed: in the URL form the password runs from the
 * first `:` after the scheme to the LAST `@` (so `p@ss`, `pa#ss`, `pa/ss` and `pa?ss` are hidden
 * whole, even when `URL` cannot parse the string), and in the parameter form (`?password=…` or
 * `password=…` among keywords, quoted or not) the value is hidden. On top of that every message
 * built here has the password itself (as written and percent-decoded) replaced, wherever it shows.
 */
import { messageOf } from "../../common/errors";
import { StorageError } from "./memory";

/** The server could not be reached or refused us; the message names where and why, never the password. */
export class PostgresConnectionError extends StorageError {}

/** A query got no answer in time (`statement_timeout` on the server, `query_timeout` in the client). */
export class PostgresTimeoutError extends PostgresConnectionError {}

/** A query was cancelled because the caller's AbortSignal fired (an interrupt). */
export class PostgresAbortError extends StorageError {}

/** Where a connection string points, for messages (the password masked). */
export interface ConnectionTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** The connection string with its password masked. */
  readonly display: string;
  /** Texts that must never appear in a message: the password, as written and decoded. */
  readonly secrets: readonly string[];
}

const EXPECTED_FORM = "expected postgres://user[:password]@host[:port]/database";
const ENCODE_HINT = "(a password containing @ : / ? # & or % must be percent-encoded, e.g. with encodeURIComponent)";

/** Checks the form of a connection string; throws a {@link PostgresConnectionError} naming what is wrong. */
export function parseConnectionString(url: string): ConnectionTarget {
  const masked = maskPassword(url);
  const malformed = (why: string): PostgresConnectionError =>
    new PostgresConnectionError(`malformed PostgreSQL connection string "${masked}": ${why}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw malformed(passwordOf(url) === undefined ? EXPECTED_FORM : `${EXPECTED_FORM} ${ENCODE_HINT}`);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw malformed(`the scheme is "${parsed.protocol.replace(/:$/, "")}"; ${EXPECTED_FORM}`);
  }
  const secrets = secretsOf(url, parsed);
  const safe = (text: string): string => redact(text, secrets);
  const socketHost = parsed.searchParams.get("host");
  const host = safe(decode(parsed.hostname) || socketHost || "localhost");
  const port = parsed.port === "" ? 5432 : Number(parsed.port);
  const database = safe(decode(parsed.pathname.replace(/^\//, "")));
  if (database.includes("/")) throw malformed(`"${database}" is not a database name; ${EXPECTED_FORM} ${ENCODE_HINT}`);
  const user = safe(decode(parsed.username) || process.env["PGUSER"] || process.env["USER"] || "postgres");
  return { host, port, user, database: database || user, display: safe(masked), secrets };
}

/**
 * `url` with any password replaced by `****`: in the URL form (`scheme://user:password@host…`,
 * the password running to the last `@`) and in the parameter form (`password=…`).
 */
export function maskPassword(url: string): string {
  const userInfo = /^([a-z][a-z0-9+.-]*:\/*[^:/?#@]*):(.*)@/is;
  const masked = userInfo.test(url) ? url.replace(userInfo, "$1:****@") : url;
  return masked.replace(PASSWORD_PARAMETER, "$1****");
}

/** `password=value` (also `sslpassword=`), the value quoted or running to `&` or white space. */
const PASSWORD_PARAMETER = /(\b[a-z_]*password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^&\s]*)/gi;

/**
 * `text` with every one of `secrets` (and every URL or parameter-form password) masked. Secrets
 * shorter than {@link MIN_REDACTED_LENGTH} are left to the structural masks: replacing a password
 * such as `1` everywhere would garble every number in the message.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length >= MIN_REDACTED_LENGTH) result = result.split(secret).join("****");
  return maskPassword(result);
}

/** The shortest secret {@link redact} replaces wherever it appears. */
const MIN_REDACTED_LENGTH = 4;

/** The password written in `url` (URL form, up to the last `@`), if any. */
function passwordOf(url: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/*[^:/?#@]*:(.*)@/is.exec(url)?.[1];
}

function secretsOf(url: string, parsed: URL): string[] {
  const found = [passwordOf(url), parsed.password, parsed.searchParams.get("password") ?? undefined];
  for (const match of url.matchAll(PASSWORD_PARAMETER)) found.push(match[2]?.replace(/^'|'$/g, ""));
  const secrets = new Set<string>();
  for (const secret of found) {
    if (secret === undefined || secret === "") continue;
    secrets.add(secret);
    secrets.add(decode(secret));
  }
  // Longest first, so that a secret containing another is replaced whole.
  return [...secrets].sort((a, b) => b.length - a.length);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The waits a message may name (ms): to connect, the server's `statement_timeout`, the client's `query_timeout`. */
export interface Timeouts {
  readonly connectMs: number;
  readonly queryMs: number;
  readonly readMs: number;
}

/** SQLSTATE codes of a server that is shutting down or starting (admin_shutdown, crash_shutdown, cannot_connect_now). */
const SERVER_GONE = new Set(["57P01", "57P02", "57P03"]);

/**
 * A clear error for a failure to connect or of a query, naming the server and never the password;
 * errors of the storage itself (a {@link StorageError}) pass through unchanged.
 */
export function connectionError(error: unknown, target: ConnectionTarget, timeouts: Timeouts): Error {
  if (error instanceof StorageError) return error;
  const where = `${target.host}:${target.port}`;
  const { code } = error as { code?: string };
  const text = redact(messageOf(error), target.secrets);
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
      return reach(code === "ETIMEDOUT" ? `no answer within ${formatSeconds(timeouts.connectMs)}` : "no route to the host");
    case "ENOENT":
      return reach(`no server socket at ${target.host}`);
    case "28P01":
    case "28000":
      return new PostgresConnectionError(`PostgreSQL at ${where} refused user "${target.user}": ${text}`);
    case "3D000":
      return new PostgresConnectionError(`PostgreSQL at ${where} has no database "${target.database}": ${text}`);
    case "57014":
      if (/statement timeout/i.test(text)) {
        return new PostgresTimeoutError(`PostgreSQL at ${where} cancelled a statement that ran over ${formatSeconds(timeouts.queryMs)} (statement_timeout): ${text}`);
      }
      break;
    case "25P03":
      return new PostgresTimeoutError(`PostgreSQL at ${where} ended a transaction left idle for over ${formatSeconds(timeouts.queryMs)}: ${text}`);
    default:
      if (code !== undefined && SERVER_GONE.has(code)) {
        return new PostgresConnectionError(`PostgreSQL at ${where} ended the connection (the server shut down or is restarting): ${text}`);
      }
  }
  if (text === "Query read timeout") {
    return new PostgresTimeoutError(
      `PostgreSQL at ${where} did not answer within ${formatSeconds(timeouts.readMs)} (query timeout): the server is stopped, overloaded or cut off; the connection was dropped`,
    );
  }
  if (/timeout/i.test(text)) return reach(`no answer within ${formatSeconds(timeouts.connectMs)}`);
  if (/terminated|ECONNRESET|not queryable/i.test(text) || code === "ECONNRESET") return reach(`the connection was closed: ${text}`);
  if (error instanceof Error && text === error.message) return error;
  const safe = new Error(text);
  if (code !== undefined) Object.assign(safe, { code });
  return safe;
}

/** `ms` as seconds for messages: `1500` → `1.5 s`. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * A throwaway PostgreSQL server for tests and benchmarks: `initdb` in a fresh temporary directory,
 * listening on 127.0.0.1 only (on a free port, plus a Unix socket inside that directory), trust
 * authentication, no fsync. `stop()` kills it (`pg_ctl stop -m immediate`) and deletes the
 * directory; a server still running when the process exits is stopped too, so a failing test does
 * not leave one behind (nor does SIGINT or SIGTERM; only SIGKILL of the test process can).
 *
 * PostgreSQL refuses to run as root: as root, every server command runs as the `postgres` system
 * user (created by Debian's `postgresql` package, see scripts/system-deps.sh), which owns the
 * directory. The server binaries are found in `$TUNELAB_PG_BIN`, else the newest
 * `/usr/lib/postgresql/<version>/bin`.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running throwaway server. */
export interface ThrowawayPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (with the password, percent-encoded, if one was set) */
  readonly url: string;
  readonly port: number;
  /** Stops the server at once and deletes its files; safe to call twice. */
  stop(): Promise<void>;
  /** Restarts the server on the same port (`pg_ctl restart -m fast`: open connections are ended). */
  restart(): Promise<void>;
  /** Shuts the server down (`pg_ctl stop -m fast`), keeping its files for {@link start}. */
  shutdown(): Promise<void>;
  /** Starts a server that was shut down, on the same port. */
  start(): Promise<void>;
  /** Freezes every process of the server (SIGSTOP): it accepts TCP connections and answers nothing, as if cut off. */
  pause(): void;
  /** Lets a paused server run again (SIGCONT). */
  resume(): void;
}

/** Options of {@link startThrowawayPostgres}. */
export interface ThrowawayPostgresOptions {
  /** Extra `-c name=value` server settings, e.g. `{ max_connections: "50" }`. */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * Require this password (SCRAM) of user `postgres` over TCP, instead of trusting every
   * connection; the Unix socket stays trusted.
   */
  readonly password?: string;
}

const running = new Set<() => void>();
let exitHookInstalled = false;

/** Starts a fresh PostgreSQL server; resolves once it accepts connections. */
export async function startThrowawayPostgres(options: ThrowawayPostgresOptions = {}): Promise<ThrowawayPostgres> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "tunelab-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  /** Runs a server binary, as the postgres user when we are root. */
  const run = (program: string, args: readonly string[]): void => {
    const path = join(bin, program);
    const [command, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", path, ...args]] : [path, [...args]];
    execFileSync(command, argv, { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
  };
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  const auth = ["-A", "trust"];
  if (options.password !== undefined) {
    const pwfile = join(dir, "password");
    writeFileSync(pwfile, `${options.password}\n`, { mode: 0o644 });
    auth.splice(0, 2, "--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${pwfile}`);
  }
  try {
    run("initdb", ["-D", data, "-U", "postgres", ...auth, "-E", "UTF8", "--no-sync", "--no-instructions"]);
  } catch (error) {
    removeDir();
    throw new Error(`initdb failed in ${dir}: ${commandOutput(error)}`);
  }
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    port: String(port),
    unix_socket_directories: dir,
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    ...options.settings,
  };
  const serverOptions = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(" ");
  let stopped = false;
  /** The server's processes: the postmaster (first line of postmaster.pid) and its children. */
  const signalAll = (signal: NodeJS.Signals): void => {
    const postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    const children = execFileSync("ps", ["-o", "pid=", "--ppid", String(postmaster)], { encoding: "utf8" }).split(/\s+/).filter(Boolean).map(Number);
    for (const pid of [postmaster, ...children]) process.kill(pid, signal);
  };
  const stopNow = (): void => {
    if (stopped) return;
    stopped = true;
    running.delete(stopNow);
    try {
      signalAll("SIGCONT");
    } catch {
      // Not running.
    }
    try {
      run("pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w"]);
    } catch {
      // Already gone (or never started): the files are removed either way.
    }
    removeDir();
  };
  try {
    run("pg_ctl", ["start", "-D", data, "-l", log, "-w", "-t", "30", "-o", serverOptions]);
  } catch (error) {
    const serverLog = existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : "";
    stopNow();
    throw new Error(`PostgreSQL did not start on 127.0.0.1:${port}: ${commandOutput(error)}\n${serverLog}`);
  }
  running.add(stopNow);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    const stopAll = (): void => {
      for (const stop of [...running]) stop();
    };
    process.on("exit", stopAll);
    // Interrupted (Ctrl-C, a runner's timeout): stop the servers, then die of the same signal.
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        stopAll();
        process.kill(process.pid, signal);
      });
    }
  }
  const credentials = options.password === undefined ? "postgres" : `postgres:${encodeURIComponent(options.password)}`;
  return {
    url: `postgres://${credentials}@127.0.0.1:${port}/postgres`,
    port,
    stop: async () => stopNow(),
    restart: async () => run("pg_ctl", ["restart", "-D", data, "-l", log, "-m", "fast", "-w", "-t", "30", "-o", serverOptions]),
    shutdown: async () => run("pg_ctl", ["stop", "-D", data, "-m", "fast", "-w"]),
    start: async () => run("pg_ctl", ["start", "-D", data, "-l", log, "-w", "-t", "30", "-o", serverOptions]),
    pause: () => signalAll("SIGSTOP"),
    resume: () => signalAll("SIGCONT"),
  };
}

/** The directory of `initdb`, `pg_ctl` and `postgres`. */
export function postgresBinDir(): string {
  const fromEnv = process.env["TUNELAB_PG_BIN"];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(`no PostgreSQL server found in ${root}/<version>/bin: install Debian's postgresql (scripts/system-deps.sh) or set TUNELAB_PG_BIN`);
  }
  return join(root, versions[0] as string, "bin");
}

/** A TCP port on 127.0.0.1 that nothing listens on (now). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function commandOutput(error: unknown): string {
  const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
  return stderr !== undefined && stderr !== "" ? stderr : error instanceof Error ? error.message : String(error);
}

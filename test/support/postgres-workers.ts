/**
 * Worker processes for the PostgreSQL storage tests: test/engine/fixtures/postgres-worker started
 * as a child process, with the lines it prints collected.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { extname, join } from "node:path";

/** A worker process (test/engine/fixtures/postgres-worker) and the lines it printed. */
export interface Worker {
  readonly name: string;
  readonly child: ChildProcessWithoutNullStreams;
  readonly started: number[];
  readonly told: number[];
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves when the worker prints a line matching `pattern`. */
  waitFor(pattern: RegExp): Promise<string>;
}

/**
 * Starts test/engine/fixtures/postgres-worker on study `studyName` of the server at `url`; `extra`
 * are the worker's optional arguments (see its usage line).
 */
export function spawnWorker(
  url: string,
  studyName: string,
  name: string,
  seed: number,
  trials: number,
  timing: { heartbeatMs: number; staleMs: number; objectiveMs: number },
  extra: readonly string[] = [],
): Worker {
  const script = join(__dirname, "..", "engine", "fixtures", `postgres-worker${extname(__filename)}`);
  const args = [url, studyName, name, seed, trials, timing.heartbeatMs, timing.staleMs, timing.objectiveMs, ...extra].map(String);
  const child = spawn(process.execPath, [...process.execArgv, script, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  const started: number[] = [];
  const told: number[] = [];
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let stderr = "";
  let buffer = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const complete = buffer.split("\n");
    buffer = complete.pop() as string;
    for (const line of complete) {
      lines.push(line);
      const [word, number] = line.split(" ");
      if (word === "start") started.push(Number(number));
      if (word === "told") told.push(Number(number));
      for (const waiter of [...waiters]) {
        if (!waiter.pattern.test(line)) continue;
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, stderr })),
  );
  const waitFor = (pattern: RegExp): Promise<string> => {
    const seen = lines.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return Promise.race([
      new Promise<string>((resolve) => waiters.push({ pattern, resolve })),
      exit.then(({ code, signal }) => {
        throw new Error(`worker ${name} exited (${code ?? signal}) before printing ${pattern}: ${stderr}`);
      }),
    ]);
  };
  return { name, child, started, told, exit, waitFor };
}

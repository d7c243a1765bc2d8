/**
 * `npm run bench:workers [-- --trials N --db-trials N --no-db]`
 *
 * Trials per minute of the digits search (bench/workers-digits.ts: a dense net on
 * notebooks/data/digits.csv.gz, ~1–2 s per trial) run
 * - in one process: one trial at a time in the main thread (`--workers 1`) and two at once on
 *   worker threads (`--workers 2`: Study.optimize with concurrency 2 + the TrainingPool);
 * - as 1, 2 and 3 database workers: separate processes sharing one study through PostgreSQL (a
 *   throwaway server, see test/support/postgres.ts), each training in its own thread;
 * and the database's own time per ask and per tell when the study already holds 1,000 trials.
 *
 * The goal: two in-process workers reach the single worker's best metric in under 60 % of
 * its wall time. The random sampler is used so that both runs try the same parameters (it draws
 * by trial number) and reach the same best; the time to it is when its trial is told.
 */
import { spawn } from "node:child_process";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { loadTensorFlow, type LoadedTensorFlow } from "../src/tfjs/backend";
import { TrainingPool, trainTrialInPool } from "../src/tfjs/pool";
import { deriveSeed } from "../src/common/random";
import { trainTrial } from "../src/tfjs/train";
import type { TrainingData } from "../src/tfjs/trainingData";
import { floatDistribution } from "../src/engine/distributions";
import { RandomSampler } from "../src/engine/samplers/random";
import { PostgresStorage } from "../src/engine/storage/postgres";
import { createStudy } from "../src/engine/study";
import { startThrowawayPostgres, type ThrowawayPostgres } from "../test/support/postgres";
import { DIGITS_BATCH_SIZE, DIGITS_EPOCHS, DIGITS_METRIC, DIGITS_SPACE, digitsData, digitsModel } from "./workers-digits";

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "16" },
    "db-trials": { type: "string", default: "12" },
    "no-db": { type: "boolean", default: false },
  },
});

/** One timed search. */
interface Run {
  readonly label: string;
  readonly trials: number;
  readonly wallMs: number;
  readonly best: number;
  /** When each told trial ended (ms from the start) and the best value so far then. */
  readonly progress: readonly { readonly atMs: number; readonly best: number }[];
}

/** The digits search in this process with `workers` trials at once (1: the main thread, as `--workers 1`). */
async function inProcess(loaded: LoadedTensorFlow, data: TrainingData, workers: number, trials: number): Promise<Run> {
  const { tf } = loaded;
  const build = digitsModel(tf);
  const pool = workers > 1 ? await TrainingPool.start({ size: workers, backend: loaded.backend, data }) : undefined;
  try {
    if (pool !== undefined) {
      // Warm-up, as the main thread's: each thread's first trial compiles its wasm kernels.
      const warmUp = { units: 32, lr: 1e-3, dropout: 0, activation: "relu" };
      const options = { epochs: 1, batchSize: DIGITS_BATCH_SIZE, metric: DIGITS_METRIC, seed: 0 };
      await Promise.all(Array.from({ length: workers }, () => trainTrialInPool(tf, pool, build, warmUp, data.folds.length, options)));
    }
    const study = await createStudy({ direction: "maximize", metric: DIGITS_METRIC, sampler: new RandomSampler({ seed: 1 }), seed: 1 });
    const progress: { atMs: number; best: number }[] = [];
    const start = performance.now();
    await study.optimize(
      async (trial) => {
        const options = { epochs: DIGITS_EPOCHS, batchSize: DIGITS_BATCH_SIZE, metric: DIGITS_METRIC, seed: deriveSeed(1, "trial", trial.number), reporter: trial };
        const result =
          pool === undefined
            ? await trainTrial(tf, build, trial.params, data, options)
            : await trainTrialInPool(tf, pool, build, trial.params, data.folds.length, options);
        return result.metrics;
      },
      {
        trials,
        space: DIGITS_SPACE,
        concurrency: workers,
        callbacks: [(s) => void progress.push({ atMs: performance.now() - start, best: s.bestValue ?? Number.NaN })],
      },
    );
    const wallMs = performance.now() - start;
    return { label: workers === 1 ? "1 worker (main thread)" : `${pool!.description}`, trials, wallMs, best: study.bestValue ?? Number.NaN, progress };
  } finally {
    await pool?.close();
  }
}

/** `workers` separate processes on one PostgreSQL study of `trials` trials; wall time from the common start. */
async function databaseWorkers(server: ThrowawayPostgres, workers: number, trials: number): Promise<Run> {
  const script = join(__dirname, "workers-db-worker.js");
  const studyName = `digits-${workers}-workers`;
  const children = Array.from({ length: workers }, (_unused, i) =>
    spawn(process.execPath, [script, server.url, studyName, String(i + 1), String(trials)], { stdio: ["pipe", "pipe", "inherit"] }),
  );
  try {
    const lineOf = (child: (typeof children)[number], pattern: RegExp): Promise<string> =>
      new Promise((resolve, reject) => {
        const lines = createInterface({ input: child.stdout });
        lines.on("line", (line) => {
          if (pattern.test(line)) {
            lines.close();
            resolve(line);
          }
        });
        child.once("exit", (code) => reject(new Error(`a database worker exited (${code}) before printing ${pattern}`)));
      });
    await Promise.all(children.map((child) => lineOf(child, /^ready$/)));
    const start = performance.now();
    const done = children.map((child) => lineOf(child, /^done /));
    for (const child of children) child.stdin.write("go\n");
    await Promise.all(done);
    const wallMs = performance.now() - start;
    const storage = await PostgresStorage.connect(server.url);
    try {
      const study = await createStudy({ storage, studyName, direction: "maximize", metric: DIGITS_METRIC });
      const finished = study.trials.filter((t) => t.state === "complete").length;
      return { label: `${workers} database worker${workers === 1 ? "" : "s"} (processes)`, trials: finished, wallMs, best: study.bestValue ?? Number.NaN, progress: [] };
    } finally {
      await storage.close();
    }
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  }
}

/** Milliseconds per ask and per tell on a PostgreSQL study that already holds `stored` trials (random sampler: the database's time). */
async function databaseAskTell(server: ThrowawayPostgres, stored: number, measured: number): Promise<{ askMs: number; tellMs: number; fillS: number }> {
  const storage = await PostgresStorage.connect(server.url);
  try {
    const study = await createStudy({ storage, studyName: "ask-tell", sampler: new RandomSampler({ seed: 2 }) });
    const space = { x: floatDistribution(0, 1) };
    const fillStart = performance.now();
    for (let i = 0; i < stored; i++) {
      const trial = await study.ask(space);
      await study.tell(trial, trial.params["x"] as number);
    }
    const fillS = (performance.now() - fillStart) / 1000;
    let askMs = 0;
    let tellMs = 0;
    for (let i = 0; i < measured; i++) {
      const t0 = performance.now();
      const trial = await study.ask(space);
      const t1 = performance.now();
      await study.tell(trial, trial.params["x"] as number);
      askMs += t1 - t0;
      tellMs += performance.now() - t1;
    }
    return { askMs: askMs / measured, tellMs: tellMs / measured, fillS };
  } finally {
    await storage.close();
  }
}

/** The 1-minute load average, "1.93". */
function loadAverage(): string {
  return loadavg()[0]!.toFixed(2);
}

/** When the running best first reached `target`. */
function timeToReach(run: Run, target: number): number | undefined {
  return run.progress.find((p) => p.best >= target)?.atMs;
}

function row(cells: readonly (string | number)[], widths: readonly number[]): string {
  return cells.map((cell, i) => String(cell).padEnd(widths[i]!)).join("  ");
}

async function main(): Promise<void> {
  const loaded = await loadTensorFlow();
  const trials = Number(values.trials);
  const dbTrials = Number(values["db-trials"]);
  const cores = availableParallelism();
  console.log(`bench:workers — digits search (dense net, ${DIGITS_EPOCHS} epochs per trial, random sampler), ${loaded.description}`);
  console.log(`machine: ${cores} core${cores === 1 ? "" : "s"} (${cpus()[0]?.model ?? "unknown CPU"}); two workers can at best halve the wall time here, three share two cores`);
  console.log(`load average at the start: ${loadAverage()} (other work on the machine slows the parallel runs most)\n`);

  const data = digitsData(loaded.tf, 1);
  const runs: Run[] = [];
  try {
    await inProcess(loaded, data, 1, 1); // warm-up: wasm kernels, first-model setup
    runs.push(await inProcess(loaded, data, 1, trials));
    runs.push(await inProcess(loaded, data, 2, trials));
  } finally {
    data.dispose();
  }
  let askTell: Awaited<ReturnType<typeof databaseAskTell>> | undefined;
  if (!values["no-db"]) {
    const server = await startThrowawayPostgres();
    try {
      for (const workers of [1, 2, 3]) runs.push(await databaseWorkers(server, workers, dbTrials));
      askTell = await databaseAskTell(server, 1000, 100);
    } finally {
      await server.stop();
    }
  }

  const widths = [44, 7, 8, 11, 13, 14];
  console.log(row(["mode", "trials", "wall s", "trials/min", "best val_acc", "s per trial"], widths));
  for (const run of runs) {
    console.log(
      row(
        [run.label, run.trials, (run.wallMs / 1000).toFixed(1), ((run.trials / run.wallMs) * 60_000).toFixed(1), run.best.toFixed(4), (run.wallMs / 1000 / run.trials).toFixed(2)],
        widths,
      ),
    );
  }
  if (askTell !== undefined) {
    console.log(
      `\nPostgreSQL with 1,000 stored trials: ${askTell.askMs.toFixed(1)} ms per ask, ${askTell.tellMs.toFixed(1)} ms per tell ` +
        `(random sampler, so this is the database's time; filling 1,000 trials took ${askTell.fillS.toFixed(1)} s)`,
    );
  }
  console.log(`load average at the end: ${loadAverage()}`);
  const [one, two] = runs;
  const target = one!.best;
  const t1 = timeToReach(one!, target);
  const t2 = timeToReach(two!, target);
  if (t1 !== undefined && t2 !== undefined) {
    const share = t2 / one!.wallMs;
    console.log(
      `\nGoal (issue 6): 2 in-process workers reach the single worker's best ${DIGITS_METRIC} ${target.toFixed(4)} ` +
        `after ${(t2 / 1000).toFixed(1)} s, ${(share * 100).toFixed(0)} % of the single worker's wall time ${(one!.wallMs / 1000).toFixed(1)} s ` +
        `(it got there after ${(t1 / 1000).toFixed(1)} s): ${share < 0.6 ? "met (< 60 %)" : "not met (≥ 60 %)"}; ` +
        `whole search: ${((two!.wallMs / one!.wallMs) * 100).toFixed(0)} % of the single worker's time.`,
    );
  } else {
    console.log(`\nGoal (issue 6): 2 in-process workers did not reach the single worker's best ${target.toFixed(4)}.`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

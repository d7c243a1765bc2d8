/**
 * One database worker of `npm run bench:workers`: a separate process that joins a study shared
 * through PostgreSQL and trains digits trials (in its own thread) until the study holds `trials`
 * finished trials. It prints `ready` once TensorFlow.js, the data and the connection are up, waits
 * for a line on stdin (so all workers start together), then prints `done <trials run>`.
 *
 * Usage: node workers-db-worker.js <url> <study> <seed> <trials>
 */
import { createInterface } from "node:readline";
import { loadTensorFlow } from "../src/tfjs/backend";
import { deriveSeed } from "../src/common/random";
import { trainTrial } from "../src/tfjs/train";
import { RandomSampler } from "../src/engine/samplers/random";
import { PostgresStorage } from "../src/engine/storage/postgres";
import { createStudy } from "../src/engine/study";
import { DIGITS_BATCH_SIZE, DIGITS_EPOCHS, DIGITS_METRIC, DIGITS_SPACE, digitsData, digitsModel } from "./workers-digits";

async function main(): Promise<void> {
  const [url, studyName, seed, trials] = process.argv.slice(2);
  if (trials === undefined) throw new Error("usage: workers-db-worker <url> <study> <seed> <trials>");
  const { tf } = await loadTensorFlow();
  const data = digitsData(tf, 1);
  const storage = await PostgresStorage.connect(url!, { heartbeatIntervalMs: 1000, staleTrialTimeoutMs: 30_000 });
  const study = await createStudy({ storage, studyName: studyName!, direction: "maximize", metric: DIGITS_METRIC, sampler: new RandomSampler({ seed: 1 }), seed: Number(seed) });
  const build = digitsModel(tf);
  // Warm-up, as in the in-process runs: the first trial compiles the wasm kernels.
  const warmUp = { units: 32, lr: 1e-3, dropout: 0, activation: "relu" };
  await trainTrial(tf, build, warmUp, data, { epochs: 1, batchSize: DIGITS_BATCH_SIZE, metric: DIGITS_METRIC, seed: 0 });
  process.stdout.write("ready\n");
  await new Promise<void>((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.once("line", () => {
      lines.close();
      process.stdin.destroy();
      resolve();
    });
  });
  const summary = await study.optimize(
    async (trial) =>
      (
        await trainTrial(tf, build, trial.params, data, {
          epochs: DIGITS_EPOCHS,
          batchSize: DIGITS_BATCH_SIZE,
          metric: DIGITS_METRIC,
          seed: deriveSeed(1, "trial", trial.number),
        })
      ).metrics,
    { trials: Number(trials), space: DIGITS_SPACE, countStudyTrials: true },
  );
  process.stdout.write(`done ${summary.trialsRun}\n`);
  data.dispose();
  await storage.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

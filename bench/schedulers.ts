/**
 * `npm run bench:schedulers [-- --trials 30 --epochs 20 --seeds 3 --methods bayes,tpe,bohb --no-peer]`
 *
 * Issue 15's digits search (a one-hidden-layer MLP on notebooks/data/digits.csv.gz, the
 * train/validation rows of ../shared/bench/digits_split.json, inputs standardised on the training
 * rows; units, dropout, Adam's learning rate and the batch size searched, as the peer does) run
 * through the real `%%tune` front end under each scheduler: the Bayesian search (GP) and TPE
 * without pruning, TPE with the median, ASHA and Hyperband pruners, and BOHB. For each method and
 * seed it prints the wall time, the best validation accuracy, the trials pruned, and the wall time
 * at which a complete trial first reached 0.97, 0.98 and 0.985; then the medians over the seeds.
 * The peer, Optuna's TPE with PyTorch (../shared/bench/e2e_digits_optuna_torch.py), runs in the
 * same run with the same trials and seeds unless --no-peer.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createDefaultRegistry, runCell } from "../src/magic";
import { PlotlyEmbedding } from "../src/render";
import { loadTensorFlow } from "../src/tfjs/backend";
import { loadTable } from "../src/tfjs/csv";
import { oneHot, standardize, takeRows } from "../src/tfjs/data";
import { NotebookStudy, registerTuneMagics } from "../src/magic/tune";
import { BenchContext } from "./bench-context";
import { median } from "./peers";

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "30" },
    epochs: { type: "string", default: "20" },
    seeds: { type: "string", default: "3" },
    methods: { type: "string", default: "bayes,tpe,tpe+median,tpe+asha,tpe+hyperband,bohb" },
    peer: { type: "boolean", default: true },
  },
  allowNegative: true,
});

/** Each method's `%%tune` options. */
const METHODS: Readonly<Record<string, string>> = {
  bayes: "--strategy bayes",
  tpe: "--strategy tpe",
  "tpe+median": "--strategy tpe --pruner median",
  "tpe+asha": "--strategy tpe --pruner asha",
  "tpe+hyperband": "--strategy tpe --pruner hyperband",
  bohb: "--strategy bohb",
};

const TARGETS = [0.97, 0.98, 0.985] as const;
const SPACE = "units: int(16, 256, log)\ndropout: uniform(0.0, 0.6)\nlr: loguniform(1e-4, 1e-1)\nbatchSize: [16, 32, 64]";
const DIGITS = join(__dirname, "../../notebooks/data/digits.csv.gz");
const SPLIT = join(__dirname, "../../../shared/bench/digits_split.json");

/** One search's figures. */
interface Run {
  readonly wallS: number;
  readonly best: number;
  readonly pruned: number;
  /** Seconds from the cell's start to the first complete trial at or above each target (NaN: never). */
  readonly reached: readonly number[];
}

async function main(): Promise<void> {
  const { tf, description } = await loadTensorFlow();
  const table = loadTable(DIGITS);
  const split = JSON.parse(readFileSync(SPLIT, "utf8")) as { train: number[]; validation: number[] };
  const { xTrain, xTest: xValidation } = standardize(takeRows(table.x, split.train), takeRows(table.x, split.validation));
  const yTrain = oneHot(takeRows(table.y, split.train), 10);
  const yValidation = oneHot(takeRows(table.y, split.validation), 10);
  const buildModel = (p: { units: number; dropout: number; lr: number }): unknown => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [64], units: p.units, activation: "relu" }));
    model.add(tf.layers.dropout({ rate: p.dropout }));
    model.add(tf.layers.dense({ units: 10, activation: "softmax" }));
    model.compile({ optimizer: tf.train.adam(p.lr), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    return model;
  };
  const trials = Number(values.trials);
  const epochs = Number(values.epochs);
  const seeds = Number(values.seeds);
  const methods = values.methods.split(",");
  for (const method of methods) if (METHODS[method] === undefined) throw new Error(`unknown method "${method}"; expected any of ${Object.keys(METHODS).join(", ")}`);
  console.log(`bench:schedulers — digits MLP, ${trials} trials × ${epochs} epochs, ${seeds} seed(s), ${description}`);
  console.log(`method          seed  wall s  best val_acc  pruned  ${TARGETS.map((t) => `@${t}`.padStart(7)).join(" ")}`);
  const runs = new Map<string, Run[]>();
  for (const method of methods) {
    for (let seed = 0; seed < seeds; seed++) {
      const registry = createDefaultRegistry();
      registerTuneMagics(registry, { embedding: new PlotlyEmbedding() });
      const context = new BenchContext();
      context.assign("buildModel", buildModel);
      for (const [name, value] of Object.entries({ xTrain, yTrain, xValidation, yValidation })) context.assign(name, value);
      const cell =
        `%%tune --model buildModel --data xTrain,yTrain --validation-data xValidation,yValidation --epochs ${epochs} --metric val_acc ` +
        `${METHODS[method]} --trials ${trials} --seed ${seed} --no-live --out study\n${SPACE}`;
      const started = Date.now();
      await runCell(cell, { registry, context });
      const wallS = (Date.now() - started) / 1000;
      const study = context.lookup("study") as NotebookStudy;
      const complete = study.trials.filter((t) => t.state === "complete" && t.value !== undefined && t.completedAt !== undefined);
      const reached = TARGETS.map((target) => {
        const times = complete.filter((t) => (t.value as number) >= target).map((t) => ((t.completedAt as number) - started) / 1000);
        return times.length === 0 ? Number.NaN : Math.min(...times);
      });
      const run: Run = { wallS, best: study.bestValue ?? Number.NaN, pruned: study.trials.filter((t) => t.state === "pruned").length, reached };
      runs.set(method, [...(runs.get(method) ?? []), run]);
      console.log(row(method, String(seed), run));
      study.dispose();
    }
  }
  console.log("medians over the seeds (a target never reached counts as never: NaN sorts last, shown as -):");
  for (const [method, list] of runs) {
    const medianOf = (f: (r: Run) => number): number => {
      const xs = list.map(f).map((x) => (Number.isNaN(x) ? Infinity : x));
      const m = median(xs);
      return Number.isFinite(m) ? m : Number.NaN;
    };
    console.log(row(method, "med", { wallS: medianOf((r) => r.wallS), best: medianOf((r) => r.best), pruned: medianOf((r) => r.pruned), reached: TARGETS.map((_, i) => medianOf((r) => r.reached[i]!)) }));
  }
  const bayes = runs.get("bayes");
  if (bayes !== undefined) {
    console.log("Goal (issue 15): Hyperband or BOHB reach 0.98 in at most half the time of the Bayesian search without pruning (bayes).");
  }
  if (values.peer) {
    console.log(`peer: Optuna TPE + PyTorch (../shared/bench/e2e_digits_optuna_torch.py), ${trials} trials, ${seeds} seed(s), measured now:`);
    const peer = spawnSync("/usr/bin/python3", [join(__dirname, "../../../shared/bench/e2e_digits_optuna_torch.py"), DIGITS, String(trials), String(seeds)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    console.log(peer.status === 0 ? peer.stdout.trimEnd() : `  the peer failed (exit ${String(peer.status)}): ${peer.stdout}`);
  }
  console.log(`Backend: ${description}. Tensors alive at the end: ${tf.memory().numTensors}.`);
}

/** One line of the table. */
function row(method: string, seed: string, run: Run): string {
  const seconds = (x: number): string => (Number.isNaN(x) ? "-" : x.toFixed(1)).padStart(7);
  return `${method.padEnd(14)}  ${seed.padStart(4)}  ${run.wallS.toFixed(1).padStart(6)}  ${run.best.toFixed(4).padStart(12)}  ${String(run.pruned).padStart(6)}  ${run.reached.map(seconds).join(" ")}`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

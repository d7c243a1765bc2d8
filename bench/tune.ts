/**
 * `npm run bench:tune [-- --trials N --epochs E --strategies bayes,random,grid]`
 *
 * The quickstart search (notebooks/01-quickstart.ipynb: breast cancer, a dense classifier, the
 * same space) run through the real `%%tune` front end once per strategy, printing wall time, the
 * best validation accuracy, trials per minute, and the share of wall time spent outside the
 * objective (sampling, bookkeeping, live rendering, the pre-search model check), with the
 * TensorFlow.js backend used. The notebook's variables live in a plain map here instead of a
 * kernel; every displayed bundle is serialised to JSON as the kernel would, so rendering costs count.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createDefaultRegistry, runCell } from "../src/magic";
import { PlotlyEmbedding } from "../src/render";
import { loadTensorFlow } from "../src/tfjs/backend";
import { loadTable } from "../src/tfjs/csv";
import { standardize, trainTestSplit } from "../src/tfjs/data";
import { NotebookStudy, registerTuneMagics } from "../src/magic/tune";
import { median, readPeers } from "./peers";
import { BenchContext } from "./bench-context";

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "20" },
    epochs: { type: "string", default: "15" },
    strategies: { type: "string", default: "bayes,random,sobol,grid" },
  },
});

async function main(): Promise<void> {
  const { tf, description } = await loadTensorFlow();
  const table = loadTable(join(__dirname, "../../notebooks/data/breast_cancer.csv"));
  const split = trainTestSplit(table.x, table.y, { testFraction: 0.2, seed: 0, stratify: true });
  const { xTrain } = standardize(split.xTrain, split.xTest);
  const buildModel = (p: { units: number; dropout: number; lr: number; activation: string }): unknown => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [30], units: p.units, activation: p.activation as "relu" }));
    model.add(tf.layers.dropout({ rate: p.dropout }));
    model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
    model.compile({ optimizer: tf.train.adam(p.lr), loss: "binaryCrossentropy", metrics: ["accuracy"] });
    return model;
  };
  const trials = Number(values.trials);
  const epochs = Number(values.epochs);
  const peers = readPeers();
  /** Per strategy: our trial overhead per trial, and the time in the objective (ms). */
  const measured = new Map<string, { overheadMsPerTrial: number; objectiveMs: number }>();
  console.log(`bench:tune — quickstart search (breast cancer, ${trials} trials × ${epochs} epochs), ${description}`);
  console.log("strategy  trials  wall s  best val_acc  trials/min  outside objective  of which setup  trial overhead  live updates  sent KB");
  for (const strategy of values.strategies.split(",")) {
    const registry = createDefaultRegistry();
    registerTuneMagics(registry, { embedding: new PlotlyEmbedding() });
    const context = new BenchContext();
    context.assign("buildModel", buildModel);
    context.assign("xTrain", xTrain);
    context.assign("yTrain", split.yTrain);
    const space =
      strategy === "grid"
        ? 'units: [8, 32]\ndropout: [0.0, 0.3]\nlr: [0.001, 0.01, 0.1]\nactivation: ["relu", "tanh"]'
        : 'units: int(4, 64, log)\ndropout: uniform(0.0, 0.5)\nlr: loguniform(1e-4, 1e-1)\nactivation: choice("relu", "tanh", "elu")';
    const cell =
      `%%tune --model buildModel --data xTrain,yTrain --validation 0.2 --epochs ${epochs} --metric val_acc ` +
      `--strategy ${strategy} --trials ${trials} --seed 7 --out study\n${space}`;
    const start = performance.now();
    await runCell(cell, { registry, context });
    const wallMs = performance.now() - start;
    const study = context.lookup("study") as NotebookStudy;
    const objectiveMs = study.lastSearch?.objectiveMs ?? 0;
    const setupMs = study.lastSearch?.setupMs ?? 0;
    const overhead = (wallMs - objectiveMs) / wallMs;
    // Trial overhead (issue 4): sampling, bookkeeping and rendering, i.e. all but the objective and the one-off setup.
    const trialOverhead = (wallMs - objectiveMs - setupMs) / wallMs;
    const n = study.trials.length;
    measured.set(strategy, { overheadMsPerTrial: (wallMs - objectiveMs - setupMs) / n, objectiveMs });
    console.log(
      `${strategy.padEnd(8)}  ${String(n).padStart(6)}  ${(wallMs / 1000).toFixed(1).padStart(6)}  ` +
        `${(study.bestValue ?? Number.NaN).toFixed(4).padStart(12)}  ${((n / wallMs) * 60_000).toFixed(1).padStart(10)}  ` +
        `${(overhead * 100).toFixed(2).padStart(16)} %  ${(setupMs / 1000).toFixed(2).padStart(12)} s  ${(trialOverhead * 100).toFixed(2).padStart(12)} %  ` +
        `${String(context.updates).padStart(12)}  ${(context.sentBytes / 1024).toFixed(0).padStart(7)}`,
    );
    study.dispose();
  }
  console.log("Goal (issue 4): trial overhead outside training (sampling, bookkeeping, rendering) under 3 % of the search's wall time.");
  const bayes = measured.get("bayes");
  if (bayes !== undefined) {
    // A peer's own time per trial in place of ours, with the same training time: its share of the wall time.
    const share = (msPerTrial: number): string => {
      const own = trials * msPerTrial;
      return `${((own / (bayes.objectiveMs + own)) * 100).toFixed(1)} %`;
    };
    const peerTimes = ["skopt_gp", "bayes_opt", "optuna_tpe", "optuna_tpe_mv"].map((peer) => {
      const ms = median(Object.values(peers.functions).map((f) => f.results[peer]?.ms_per_trial ?? Number.NaN));
      return `${peer} ${ms.toFixed(1)} ms → ${share(ms)}`;
    });
    console.log(
      `Bayes beside the peers: ours ${bayes.overheadMsPerTrial.toFixed(1)} ms per trial (sampling, bookkeeping, rendering) → ${share(bayes.overheadMsPerTrial)} of the wall time; ` +
        `peers' own time per trial (../shared/bench/peers.json, median over its 4 functions; sampling only) with this search's training time: ${peerTimes.join(", ")}.`,
    );
  }
  console.log(
    "'outside objective' also counts the one-off setup before the first trial: loading TensorFlow.js, preparing the data, " +
      "building one model to check it, and the live view's first display (with plotly.js, once per session).",
  );
  console.log(`Backend: ${description}. Tensors alive at the end: ${tf.memory().numTensors}.`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

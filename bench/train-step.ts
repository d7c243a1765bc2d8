/**
 * `npm run bench:train-step [-- --epochs N --repeats N --backends wasm,cpu]`
 *
 * Milliseconds per training step of one model — the digits MLP 64 → 128 relu → 10 softmax, Adam
 * (1e-3), categorical cross-entropy, batches of 32 on the 1,437 training rows of
 * notebooks/data/digits.csv.gz — trained by
 * - our trainer: `trainTrial` end to end (build, shuffle, batches, logged loss and accuracy, one
 *   validation pass at the end), yielding to the event loop every ~25 ms, with the lean step
 *   (src/tfjs/lean, the default for this model; its optimizer update in place, and with
 *   `applyGradients`: `inPlaceUpdate: false`) and with today's step (`leanStep: false`);
 * - our epoch loop alone (the per-step cost without the trial's fixed costs), yielding every
 *   ~25 ms, with each step (the lean one with either optimizer update), and today's step yielding after every batch (what the yield would
 *   cost if paid per batch);
 * - the lean step's Adam update alone, in place and by `applyGradients` (fixed gradients; ms per
 *   update, not per step);
 * - `model.fit` (its own shuffle, loss and accuracy logged, no validation);
 * - a minimal tfjs loop: `optimizer.minimize` of the loss on batches gathered from a shuffled
 *   epoch tensor, no metrics, no yields (the floor for `minimize` on this model and backend);
 * - the fused trainer (src/tfjs/fused) with K = 1, 2, 4, 8, 16 trials of the model trained at once
 *   as one computation (`--fused` to choose), end to end as `trainTrial` (its figure is CPU ms per
 *   *trial*-step: the run's CPU time over the batches of all K trials);
 * on each TensorFlow.js backend asked for, and PyTorch (1 thread, the same model, data and batch
 * size, measured in the same run through /usr/bin/python3 after `scripts/bench-peer-deps.sh`
 * installs python3-torch when missing), side by side with ratios. Each figure
 * is the process's CPU time per step (steadier than wall time on a shared machine; every trainer
 * here runs on one thread), the median over `repeats` runs of `epochs` epochs after a warm-up run.
 * Read the ratios, and re-run before trusting a single figure.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type * as tfjs from "@tensorflow/tfjs";
import { selectBackend, type BackendName, type TensorFlow } from "../src/tfjs/backend";
import { permutation, seededRandom } from "../src/common/random";
import { disposeModel, trainTrial } from "../src/tfjs/train";
import { trainStep, type TrainStep } from "../src/tfjs/train-step";
import { leanPlanOf, leanTrainStep, optimizerUpdate, type VariableGradient } from "../src/tfjs/lean";
import { trainEpoch } from "../src/tfjs/epoch";
import { DEFAULT_YIELD_INTERVAL_MS, EventLoopPacer } from "../src/tfjs/pacer";
import type { TrainingData } from "../src/tfjs/trainingData";
import { median } from "./peers";
import { ensurePeerPackages } from "./digits-peer";
import { FusedTrainer, trainTrialFused } from "../src/tfjs/fused";
import { digitsData } from "./workers-digits";

const PYTHON = "/usr/bin/python3";
const BATCH_SIZE = 32;
const LEARNING_RATE = 1e-3;
const DIGITS_CSV = join(__dirname, "../../notebooks/data/digits.csv.gz");

const { values } = parseArgs({
  options: {
    epochs: { type: "string", default: "5" },
    repeats: { type: "string", default: "3" },
    backends: { type: "string", default: "wasm,cpu" },
    fused: { type: "string", default: "1,2,4,8,16" },
  },
});
const EPOCHS = Number(values.epochs);

/** The process's CPU time in ms (user + system): steadier than wall time on a shared machine. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
const REPEATS = Number(values.repeats);

/** 64 → 128 relu → 10 softmax, Adam, categorical cross-entropy, accuracy. */
function digitsMlp(tf: TensorFlow, learningRate = LEARNING_RATE): tfjs.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [64], units: 128, activation: "relu" }));
  model.add(tf.layers.dense({ units: 10, activation: "softmax" }));
  model.compile({ optimizer: tf.train.adam(learningRate), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

/** Batches in `epochs` epochs of the training rows. */
function stepsOf(data: TrainingData, epochs: number): number {
  return epochs * Math.ceil(data.folds[0]!.xTrain.shape[0]! / BATCH_SIZE);
}

/** A way of training the model for some epochs; resolves to ms per step. */
type Trainer = (tf: TensorFlow, data: TrainingData, epochs: number) => Promise<number>;

/** `trainTrial` end to end, with the lean step (its optimizer update in place or `applyGradients`) or today's. */
function ours(leanStep: boolean, inPlaceUpdate = true): Trainer {
  return async (tf, data, epochs) => {
    const start = cpuMs();
    const result = await trainTrial(tf, () => digitsMlp(tf), {}, data, { epochs, batchSize: BATCH_SIZE, metric: "acc", seed: 1, leanStep, inPlaceUpdate });
    if (leanStep && result.stepFallback !== undefined) throw new Error(`the digits MLP did not train with the lean step: ${result.stepFallback}`);
    return (cpuMs() - start) / result.batchesRun;
  };
}

/** The lean step of a model (it must have one), or today's step. */
function stepOf(tf: TensorFlow, model: tfjs.LayersModel, lean: boolean, inPlaceUpdate: boolean): TrainStep {
  if (!lean) return trainStep(tf, model);
  const plan = leanPlanOf(tf, model);
  if (!plan.lean) throw new Error(`the digits MLP has no lean plan: ${plan.reason}`);
  return leanTrainStep(tf, model, plan.plan, { inPlaceUpdate });
}

/** Our epoch loop alone (epoch.ts over the lean step or today's: no build, no validation) with a pacer yielding every `intervalMs` of work. */
function ourEpochLoop(intervalMs: number, lean: boolean, inPlaceUpdate = true): Trainer {
  return async (tf, data, epochs) => {
    const model = digitsMlp(tf);
    const step = stepOf(tf, model, lean, inPlaceUpdate);
    const pacer = new EventLoopPacer(() => tf.nextFrame(), intervalMs);
    const fold = data.folds[0]!;
    const shuffle = seededRandom(1);
    let steps = 0;
    const start = cpuMs();
    for (let e = 0; e < epochs; e++) {
      const [x, y] = shuffled(tf, fold.xTrain, fold.yTrain, shuffle);
      await trainEpoch(tf, step, x, y, { batchSize: BATCH_SIZE, pacer, onBatchEnd: () => steps++ });
      tf.dispose([x, y]);
    }
    const msPerStep = (cpuMs() - start) / steps;
    disposeModel(model);
    return msPerStep;
  };
}

/** The lean step's Adam update alone (fixed gradients of the model's shapes), in place or by `applyGradients`; ms per update. */
function updateAlone(inPlace: boolean): Trainer {
  return async (tf, data, epochs) => {
    const model = digitsMlp(tf);
    const variables = model.trainableWeights.map((weight) => weight.read() as tfjs.Variable);
    const gradients = variables.map((variable, i) => tf.randomNormal(variable.shape, 0, 1e-3, "float32", i));
    const pairs = variables.map((variable, i): VariableGradient => [variable, gradients[i]!]);
    const update = optimizerUpdate(tf, model.optimizer, inPlace);
    const updates = stepsOf(data, epochs);
    const start = cpuMs();
    for (let u = 0; u < updates; u++) tf.tidy(() => update(pairs));
    const msPerUpdate = (cpuMs() - start) / updates;
    tf.dispose(gradients);
    disposeModel(model);
    return msPerUpdate;
  };
}

const modelFit: Trainer = async (tf, data, epochs) => {
  const model = digitsMlp(tf);
  const fold = data.folds[0]!;
  const start = cpuMs();
  await model.fit(fold.xTrain, fold.yTrain, { epochs, batchSize: BATCH_SIZE, shuffle: true, verbose: 0 });
  const msPerStep = (cpuMs() - start) / stepsOf(data, epochs);
  disposeModel(model);
  return msPerStep;
};

/** The floor of `minimize`: the loss on batches of a shuffled epoch, nothing else. */
const minimalLoop: Trainer = async (tf, data, epochs) => {
  const model = digitsMlp(tf);
  const optimizer = model.optimizer;
  const variables = model.trainableWeights.map((weight) => weight.read() as tfjs.Variable);
  const fold = data.folds[0]!;
  const rows = fold.xTrain.shape[0]!;
  const shuffle = seededRandom(1);
  const start = cpuMs();
  for (let e = 0; e < epochs; e++) {
    const [x, y] = shuffled(tf, fold.xTrain, fold.yTrain, shuffle);
    for (let begin = 0; begin < rows; begin += BATCH_SIZE) {
      const size = Math.min(BATCH_SIZE, rows - begin);
      tf.tidy(() => {
        // gathered, not sliced: wasm's slice copies the whole epoch tensor first (epoch.ts)
        const rowsOfBatch = tf.range(begin, begin + size, 1, "int32");
        const xb = tf.gather(x, rowsOfBatch);
        const yb = tf.gather(y, rowsOfBatch);
        optimizer.minimize(() => tf.mean(tf.metrics.categoricalCrossentropy(yb, model.apply(xb, { training: true }) as tfjs.Tensor)) as tfjs.Scalar, false, variables);
      });
    }
    tf.dispose([x, y]);
  }
  const msPerStep = (cpuMs() - start) / stepsOf(data, epochs);
  disposeModel(model);
  return msPerStep;
};

/** K trials of the model (learning rates spread around 1e-3) in one fused trainer; CPU ms per trial-step. */
function fusedTrainer(k: number): Trainer {
  return async (tf, data, epochs) => {
    const trainer = new FusedTrainer(tf, data.folds[0]!, k);
    const start = cpuMs();
    try {
      const results = await Promise.all(
        Array.from({ length: k }, (_, i) =>
          trainTrialFused(tf, trainer, (p: { lr: number }) => digitsMlp(tf, p.lr), { lr: LEARNING_RATE * (1 + i / k) }, data, { epochs, batchSize: BATCH_SIZE, metric: "acc", seed: 1 + i }),
        ),
      );
      const fallback = results.find((result) => result.fallback !== undefined)?.fallback;
      if (fallback !== undefined) throw new Error(`the digits MLP did not fuse: ${fallback}`);
      return (cpuMs() - start) / results.reduce((sum, result) => sum + result.batchesRun, 0);
    } finally {
      trainer.dispose();
    }
  };
}

function shuffled(tf: TensorFlow, x: tfjs.Tensor, y: tfjs.Tensor, random: () => number): [tfjs.Tensor, tfjs.Tensor] {
  return tf.tidy(() => {
    const order = tf.tensor1d(permutation(x.shape[0]!, random), "int32");
    return [tf.gather(x, order), tf.gather(y, order)];
  });
}

/** The same model, data split, batch size and optimizer in PyTorch on one thread; ms per step. */
const TORCH_SCRIPT = String.raw`
import gzip, sys, time, numpy as np, torch
torch.set_num_threads(1)
torch.manual_seed(0)
path, epochs, repeats, batch, lr, train_rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
with gzip.open(path, "rt") as f:
    lines = [line for line in f.read().splitlines() if line and not line.startswith("#")]
rows = []
for line in lines:
    try:
        rows.append([float(v) for v in line.split(",")])
    except ValueError:
        pass  # a header
table = np.array(rows, dtype=np.float32)
x = torch.tensor(table[:train_rows, :-1] / 16.0)
y = torch.tensor(table[:train_rows, -1].astype(np.int64))
def run(n_epochs):
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    steps = 0
    start = time.process_time()
    for _ in range(n_epochs):
        order = torch.randperm(len(x))
        xs, ys = x[order], y[order]
        for begin in range(0, len(x), batch):
            optimizer.zero_grad()
            loss = loss_fn(model(xs[begin:begin + batch]), ys[begin:begin + batch])
            loss.backward()
            optimizer.step()
            steps += 1
    return (time.process_time() - start) * 1000 / steps
run(1)
times = sorted(run(epochs) for _ in range(repeats))
print(times[len(times) // 2])
`;

function torchMsPerStep(trainRows: number): number | string {
  const result = spawnSync(PYTHON, ["-c", TORCH_SCRIPT, DIGITS_CSV, String(EPOCHS), String(REPEATS), String(BATCH_SIZE), String(LEARNING_RATE), String(trainRows)], {
    encoding: "utf8",
    timeout: 300_000,
  });
  if (result.status !== 0) return `unavailable (${(result.stderr || result.error?.message || "").trim().split("\n").pop()})`;
  return Number(result.stdout.trim());
}

const TRAINERS: readonly (readonly [string, Trainer])[] = [
  ["trainTrial, lean step (default)", ours(true)],
  ["trainTrial, lean step, applyGradients", ours(true, false)],
  ["trainTrial, today's step", ours(false)],
  ["epoch loop, lean step", ourEpochLoop(DEFAULT_YIELD_INTERVAL_MS, true)],
  ["epoch loop, lean step, applyGradients", ourEpochLoop(DEFAULT_YIELD_INTERVAL_MS, true, false)],
  ["epoch loop, today's step", ourEpochLoop(DEFAULT_YIELD_INTERVAL_MS, false)],
  ["epoch loop, today's step, yield per batch", ourEpochLoop(0, false)],
  ["Adam update alone, in place", updateAlone(true)],
  ["Adam update alone, applyGradients", updateAlone(false)],
  ["model.fit", modelFit],
  ["minimal minimize loop", minimalLoop],
  ...values.fused.split(",").filter((k) => k.trim() !== "").map((k): [string, Trainer] => [`fused, K=${Number(k)} (per trial-step)`, fusedTrainer(Number(k))]),
];

async function measureBackend(backend: BackendName): Promise<Map<string, number>> {
  const { tf } = await selectBackend({ order: [backend] });
  const data = digitsData(tf, 0);
  try {
    for (const [, trainer] of TRAINERS) await trainer(tf, data, 1); // warm-up: kernels compiled, memory grown
    const times = new Map<string, number[]>(TRAINERS.map(([label]) => [label, []]));
    // Interleaved repeats, so that a noisy moment spreads over every trainer.
    for (let r = 0; r < REPEATS; r++) {
      for (const [label, trainer] of TRAINERS) times.get(label)!.push(await trainer(tf, data, EPOCHS));
    }
    return new Map([...times].map(([label, runs]) => [label, median(runs)]));
  } finally {
    data.dispose();
  }
}

async function main(): Promise<void> {
  const backends = values.backends.split(",").map((name) => name.trim()) as BackendName[];
  console.log(`CPU ms per training step: digits MLP 64→128 relu→10, batch ${BATCH_SIZE}, Adam; median of ${REPEATS} runs of ${EPOCHS} epochs`);
  const { tf } = await selectBackend({ order: [backends[0]!] });
  const trainRows = digitsData(tf, 0);
  const rows = trainRows.folds[0]!.xTrain.shape[0]!;
  trainRows.dispose();
  const setup = ensurePeerPackages();
  const torch = setup === undefined ? torchMsPerStep(rows) : `unavailable (${setup})`;
  const torchText = typeof torch === "number" ? `${torch.toFixed(3)} ms` : torch;
  for (const backend of backends) {
    const figures = await measureBackend(backend);
    const floor = figures.get("minimal minimize loop")!;
    console.log(`\n${backend} (tfjs ${tf.version.tfjs}), ${rows} training rows`);
    for (const [label, ms] of figures) {
      const vsTorch = typeof torch === "number" ? `  ×${(ms / torch).toFixed(2)} PyTorch` : "";
      console.log(`  ${label.padEnd(44)} ${ms.toFixed(3).padStart(8)} ms  ×${(ms / floor).toFixed(2)} minimal${vsTorch}`);
    }
  }
  console.log(`\nPyTorch ${"(1 thread)".padEnd(26)} ${torchText}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

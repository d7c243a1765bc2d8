/**
 * `%%tune` through the magic front end (parse → args → run) with real TensorFlow.js training on
 * the iris data. The kernel is replaced by the magic tests' FakeContext (this unit on its own);
 * the end-to-end tests through a real Jupyter client live in test/kernel.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as tfjs from "@tensorflow/tfjs";
import { MagicError } from "../../../src/magic/types";
import { PLOTLY_MIME } from "../../../src/render";
import { oneHot } from "../../../src/tfjs/data";
import { NotebookStudy } from "../../../src/magic/tune";
import type { FakeContext } from "../fake-context";
import { startThrowawayPostgres } from "../../support/postgres";
import { irisNotebook, irisTable, type IrisNotebook } from "./iris-notebook";

/** A fresh context with iris data and a model builder defined, as earlier cells would. */
async function notebook(): Promise<IrisNotebook> {
  return irisNotebook({
    builders: {
      buildModel: (tf, params) => {
        const model = tf.sequential();
        model.add(tf.layers.dense({ inputShape: [4], units: params["units"] as number, activation: (params["activation"] as string | undefined ?? "relu") as "relu" }));
        model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
        model.compile({ optimizer: tf.train.adam(params["lr"] as number), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
        return model;
      },
    },
  });
}

const SPACE = `units: int(4, 16, log)
lr: loguniform(1e-3, 1e-1)
activation: choice("relu", "tanh")`;

test("a model search trains every trial, binds the study and keeps only the best model", async () => {
  const { context, run, tf } = await notebook();
  const before = tf.memory().numTensors;
  const cell = `%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 3 --batch-size 32 \\
       --metric val_acc --strategy random --trials 4 --seed 3 --out irisStudy
${SPACE}`;
  const value = await run(cell);
  assert.equal(value, undefined);
  const study = context.lookup("irisStudy");
  assert.ok(study instanceof NotebookStudy);
  assert.equal(study.trials.length, 4);
  assert.ok(study.trials.every((t) => t.state === "complete"), JSON.stringify(study.trials.map((t) => t.state)));
  assert.equal(study.direction, "maximize", "accuracy is maximised without --direction");
  assert.equal(study.metric, "val_acc");
  for (const trial of study.trials) {
    assert.ok(trial.value! >= 0 && trial.value! <= 1);
    assert.equal(trial.intermediateValues.length, 3, "every epoch reports to the trial");
    assert.ok(["relu", "tanh"].includes(trial.params["activation"] as string));
  }
  assert.ok(study.bestModel !== undefined, "the best model is kept");
  const bestWeights = study.bestModel.getWeights().length;
  assert.ok(bestWeights > 0);
  // Only the kept model's tensors (weights and optimizer slots) remain.
  const kept = tf.memory().numTensors - before;
  study.dispose();
  assert.equal(tf.memory().numTensors, before, `the kept model held ${kept} tensors and nothing else leaked`);
  const text = context.stdoutText();
  assert.match(text, /backend: (wasm|cpu|tensorflow)/);
  assert.match(text, /Ran 4 trials \(\d[\d.]* m?s, \d+ % of it training\)\. Study "irisStudy": 4 trials \(4 complete\); best trial #\d+: val_acc = /);
  const search = study.lastSearch;
  assert.ok(search !== undefined && typeof search.liveMs === "number", "the live view's time is recorded");
  assert.ok(search.liveMs >= 0 && search.liveMs <= search.setupMs + search.wallTimeMs, `live view ${search.liveMs} ms within the cell's ${search.setupMs + search.wallTimeMs} ms`);
  const displays = context.outputs.filter((o) => o.kind === "display");
  assert.ok(displays.length >= 2, "the live view and the final figures were displayed");
  const figures = displays.filter((d) => d.kind === "display" && PLOTLY_MIME in d.bundle);
  assert.ok(figures.length >= 3, "the live table, then history, parallel coordinates and slices");
  assert.ok(context.outputs.some((o) => o.kind === "update"), "the live view updated in place");
});

test("with --cv the best parameters are refitted on all rows, unless --no-refit", async () => {
  for (const refit of [true, false]) {
    const { context, run, tf } = await notebook();
    const before = tf.memory().numTensors;
    await run(`%%tune --model buildModel --data xTrain,yTrain --cv 2 --epochs 2 --metric val_acc --strategy random --trials 3 --seed 4 --no-live${refit ? "" : " --no-refit"}\n${SPACE}`);
    const study = context.lookup("study") as NotebookStudy;
    assert.ok(study.bestModel !== undefined, "a model is kept either way");
    const text = context.stdoutText();
    if (refit) assert.match(text, /Refitted the best parameters \(trial #\d+\) on all 150 rows of xTrain,yTrain for 2 epochs/);
    else assert.doesNotMatch(text, /Refitted/);
    study.dispose();
    assert.equal(tf.memory().numTensors, before, "only the kept model outlived the search");
  }
});

test("the same seed gives the same trials and metrics", async () => {
  const results: unknown[] = [];
  for (let i = 0; i < 2; i++) {
    const { context, run } = await notebook();
    await run(`%%tune --model buildModel --data xTrain,yTrain --epochs 2 --metric val_loss --strategy bayes --trials 4 --seed 11 --no-live --no-keep-best\n${SPACE}`);
    const study = context.lookup("study") as NotebookStudy;
    assert.equal(study.lastSearch?.liveMs, undefined, "--no-live: no live view, no time recorded for it");
    results.push(study.trials.map((t) => ({ params: t.params, value: t.value })));
  }
  assert.deepEqual(results[0], results[1]);
});

test("bad input fails before any training, naming the line and what was expected", async () => {
  const { context, run, builds } = await notebook();
  const expectError = async (cell: string, pattern: RegExp): Promise<void> => {
    await assert.rejects(run(cell), (error: unknown) => {
      assert.ok(error instanceof MagicError, `expected a MagicError, got ${String(error)}`);
      assert.match(error.message, pattern);
      return true;
    });
  };
  await expectError(`%%tune --model buildModl --data xTrain,yTrain\n${SPACE}`, /^line 1: unknown function "buildModl"/);
  await expectError(`%%tune --objective scor --trials 2\nx: uniform(0, 1)`, /^line 1: unknown function "scor"/);
  await expectError(`%%tune --model buildModel --data xTrain,yTrain\n${SPACE}\nbatchSize: [0, 16]`, /^line \d+: batchSize sets how long a trial trains: every value must be a whole number of at least 1, but 0 is one of the values$/);
  await expectError(`%%tune --model buildModel --data xTrain,yTrain\nepochs: float(1, 5)\n${SPACE}`, /^line 2: epochs sets how long .*a float draws fractions/);
  await expectError(`%%tune --model buildModel --data xTrain,yTrain\nepochs: int(0, 5)\n${SPACE}`, /^line 2: epochs .*the range starts at 0/);
  assert.equal(context.stdoutText(), "", "nothing is said (strategy, seed) about a search that cannot run");
  await expectError(`%%tune --model buildModel --data xTrain,yTrain\nunits int(4, 16)`, /^line 2: expected "name: distribution"/);
  await expectError(`%%tune --model buildModel --data xTrain,yTrain\nunits: int(4, 16)\nlr: uniform(0.1)`, /^line 3: .*needs low and high/);
  await expectError(`%%tune --model buildModel --data xTrain,yTrain --metric val_speed\n${SPACE}`, /unknown metric "val_speed".*loss.*acc.*computed from predictions: val_f1/);
  await expectError(`%%tune --model buildModel\n${SPACE}`, /--model needs --data/);
  await expectError(`%%tune --model buildModel --data xTrain,yTrain --strategy annealing\n${SPACE}`, /strategy/);
  await expectError(`%%tune --model buildModel --data xTrain,yTrain --strategy grid\nunits: [4, 8]\nlr: loguniform(1e-3, 1e-1)`, /^line 3: --strategy grid cannot list the values of "lr".*--grid-points N/);
  context.assign("yShort", oneHot(irisTable().y).slice(1));
  await expectError(`%%tune --model buildModel --data xTrain,yShort\n${SPACE}`, /xTrain has 150 rows but yShort has 149/);
  context.assign("notAModel", () => 42);
  await expectError(`%%tune --model notAModel --data xTrain,yTrain\n${SPACE}`, /notAModel: .*returned .*expected a compiled tf.LayersModel/);
  assert.ok(builds() <= 1, "only the check of the metric built a model");
  assert.equal(context.has("study"), false, "no study was bound");
});

test("a free objective with pruning; a throwing or NaN trial is recorded and the search goes on", async () => {
  const { context, run } = await notebook();
  let calls = 0;
  context.assign("objective", async (params: Record<string, number>, trial: { report(v: number, s: number): void; shouldPrune(): boolean }) => {
    calls++;
    if (calls === 2) throw new Error("diverged");
    if (calls === 3) return Number.NaN;
    let value = 0;
    for (let step = 0; step < 10; step++) {
      value = (params["x"]! - 2) ** 2 + 1 / (step + 1);
      trial.report(value, step);
      if (trial.shouldPrune()) throw new Error("unreachable: the magic's trial throws on prune");
      await new Promise((resolve) => setImmediate(resolve));
    }
    return value;
  });
  await run(`%%tune --objective objective --strategy random --trials 12 --seed 5 --pruner median --no-live\nx: uniform(-5, 5)`);
  const study = context.lookup("study") as NotebookStudy;
  assert.equal(study.trials.length, 12);
  const states = study.trials.map((t) => t.state);
  assert.equal(states[1], "failed");
  assert.match(study.trials[1]!.error!, /diverged/);
  assert.equal(states[2], "failed");
  assert.match(study.trials[2]!.error!, /NaN/);
  assert.ok(states.includes("complete"));
  assert.ok(Number.isFinite(study.bestValue));
  assert.equal(study.direction, "minimize");
  assert.match(context.stdoutText(), /Ran 12 trials \(\d[\d.]* m?s, \d+ % of it in the objective\)/);
});

test("an interrupt stops the search between batches and keeps the finished trials", async () => {
  const { context, run } = await notebook();
  let completed = 0;
  const original = context.lookup("buildModel") as (p: Record<string, unknown>) => tfjs.LayersModel;
  context.assign("slowBuild", (params: Record<string, unknown>) => {
    completed++;
    if (completed === 4) setTimeout(() => context.controller.abort(new Error("interrupted")), 50);
    return original(params);
  });
  await assert.rejects(
    run(`%%tune --model slowBuild --data xTrain,yTrain --epochs 30 --batch-size 8 --strategy random --trials 20 --seed 1 --workers 1 --no-live\n${SPACE}`),
    /interrupted/,
  );
  assert.ok(context.cooperative, "the magic asked for a cooperative interrupt");
  const study = context.lookup("study") as NotebookStudy;
  // The check built one model; trials 1 and 2 finished; trial 3 was interrupted mid-training.
  assert.equal(study.trials.filter((t) => t.state === "complete").length, 2);
  assert.ok(study.trials.length <= 3);
  study.dispose();
});

test("a study in a journal file resumes where it stopped", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-tune-"));
  const storage = join(dir, "study.jsonl");
  const cell = (trials: number): string =>
    `%%tune --objective f --strategy bayes --trials ${trials} --seed 2 --storage ${storage} --name quad --no-live\nx: uniform(-3, 3)\ny: int(0, 4)`;
  const first = await notebook();
  first.context.assign("f", (p: Record<string, number>) => (p["x"]! - 1) ** 2 + p["y"]!);
  await first.run(cell(5));
  const second = await notebook();
  second.context.assign("f", (p: Record<string, number>) => (p["x"]! - 1) ** 2 + p["y"]!);
  await second.run(cell(8));
  const study = second.context.lookup("study") as NotebookStudy;
  assert.equal(study.trials.length, 8, "5 replayed + 3 new: --trials counts the study's finished trials");
  assert.match(second.context.stdoutText(), /Resuming study "quad" from .*5 trials \(5 complete\)/);
  const firstParams = (first.context.lookup("study") as NotebookStudy).trials.map((t) => t.params);
  assert.deepEqual(study.trials.slice(0, 5).map((t) => t.params), firstParams);
  assert.ok(readFileSync(storage, "utf8").split("\n").length > 8);
});

test("two notebooks share one PostgreSQL study: --trials counts the study's finished trials", async () => {
  const server = await startThrowawayPostgres();
  try {
    const cell = `%%tune --objective f --strategy bayes --trials 8 --seed 4 --storage ${server.url} --name shared --no-live\nx: uniform(-3, 3)`;
    const workers = await Promise.all([notebook(), notebook()]);
    for (const worker of workers) {
      worker.context.assign("f", async (p: Record<string, number>) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return (p["x"]! - 1) ** 2;
      });
    }
    await Promise.all(workers.map((worker) => worker.run(cell)));
    const studies = workers.map((worker) => worker.context.lookup("study") as NotebookStudy);
    await studies[0]!.study.refresh();
    const finished = studies[0]!.trials.filter((t) => t.state === "complete");
    assert.equal(finished.length, 8);
    assert.equal(new Set(finished.map((t) => t.params["x"])).size, 8, "no configuration evaluated twice");
    for (const study of studies) study.dispose();
    const bad = await notebook();
    bad.context.assign("f", () => 0);
    await assert.rejects(bad.run(cell.replace(server.url, "postgres://nobody@127.0.0.1:1/none")), /--storage: cannot reach PostgreSQL at 127\.0\.0\.1:1/);
  } finally {
    await server.stop();
  }
});

test("without --seed a seed is drawn and printed, and passing it repeats the search", async () => {
  const first = await notebook();
  first.context.assign("f", (p: Record<string, number>) => (p["x"]! - 1) ** 2);
  await first.run(`%%tune --objective f --strategy random --trials 5 --no-live\nx: uniform(-3, 3)`);
  const seed = /Seed (\d+) \(pass --seed \1 to repeat this search\)/.exec(first.context.stdoutText())?.[1];
  assert.ok(seed !== undefined, first.context.stdoutText());
  const second = await notebook();
  second.context.assign("f", (p: Record<string, number>) => (p["x"]! - 1) ** 2);
  await second.run(`%%tune --objective f --strategy random --trials 5 --seed ${seed} --no-live\nx: uniform(-3, 3)`);
  const params = (n: { context: FakeContext }) => (n.context.lookup("study") as NotebookStudy).trials.map((t) => t.params);
  assert.deepEqual(params(second), params(first));
  assert.doesNotMatch(second.context.stdoutText(), /Seed \d+ \(pass/);
});

test("a resumed study keeps the best model trained in this run, not the first one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-tune-"));
  const storage = join(dir, "study.jsonl");
  // A first run whose only trial no model can beat: val_loss 0.
  const first = await notebook();
  first.context.assign("f", () => 0);
  await first.run(`%%tune --objective f --metric val_loss --strategy random --trials 1 --seed 1 --storage ${storage} --name s --no-live\n${SPACE}`);
  const { context, run, tf } = await notebook();
  const paramsOf = new Map<tfjs.LayersModel, Record<string, unknown>>();
  const original = context.lookup("buildModel") as (p: Record<string, unknown>) => tfjs.LayersModel;
  context.assign("tracked", (params: Record<string, unknown>) => {
    const model = original(params);
    paramsOf.set(model, params);
    return model;
  });
  await run(`%%tune --model tracked --data xTrain,yTrain --epochs 2 --strategy random --trials 4 --seed 3 --storage ${storage} --name s --workers 1 --no-live\n${SPACE}`);
  const study = context.lookup("study") as NotebookStudy;
  const trained = study.trials.filter((t) => t.number > 0 && t.state === "complete");
  assert.equal(trained.length, 3);
  const bestOfRun = trained.reduce((a, b) => (b.value! < a.value! ? b : a));
  assert.equal(study.bestTrial?.number, 0, "the first run's trial stays the study's best");
  assert.ok(study.bestModel !== undefined, "a model of this run is kept");
  assert.deepEqual(paramsOf.get(study.bestModel), bestOfRun.params, `the kept model is trial #${bestOfRun.number}'s`);
  const before = tf.memory().numTensors;
  study.dispose();
  assert.ok(tf.memory().numTensors < before);
});

test("an objective's return is read by the study's rule: a record without the metric fails its trial, keeping its metrics", async () => {
  const { context, run } = await notebook();
  let calls = 0;
  context.assign("g", (p: Record<string, number>) => (++calls === 2 ? { other: 1 } : calls === 3 ? "text" : { loss: (p["x"]! - 1) ** 2, other: 2 }));
  await run(`%%tune --objective g --metric loss --strategy random --trials 4 --seed 1 --no-live\nx: uniform(-3, 3)`);
  const study = context.lookup("study") as NotebookStudy;
  assert.deepEqual(study.trials.map((t) => t.state), ["complete", "failed", "failed", "complete"]);
  assert.match(study.trials[1]!.error!, /without the study's metric "loss"/);
  assert.deepEqual(study.trials[1]!.metrics, { other: 1 });
  assert.match(study.trials[2]!.error!, /expected a number or a record of metrics/);
  assert.equal(study.trials[0]!.metrics["other"], 2);
});

test("rerunning a finished grid says how many trials the grid has", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-tune-"));
  const cell = `%%tune --objective f --strategy grid --seed 1 --storage ${join(dir, "grid.jsonl")} --no-live\nx: [1, 2, 3]`;
  for (let run = 0; run < 2; run++) {
    const nb = await notebook();
    nb.context.assign("f", (p: Record<string, number>) => p["x"]!);
    await nb.run(cell);
    if (run === 1) assert.match(nb.context.stdoutText(), /The study already has 3 finished trials \(raise --trials to run more\)/);
  }
});

test("study.modelReport() without a --test evaluation says where the report comes from", async () => {
  const { context, run } = await notebook();
  await run(`%%tune --model buildModel --data xTrain,yTrain --epochs 1 --trials 1 --seed 1 --no-live --out noTest\n${SPACE}`);
  const study = context.lookup("noTest") as NotebookStudy;
  assert.throws(() => study.modelReport(), /^Error: modelReport: study "noTest" has no test evaluation; it comes from a %%tune --model search with --test X,Y$/);
});

test("--data, --validation-data and --test may name properties of a variable (split.xTrain)", async () => {
  const { context, run } = await notebook();
  const x = context.lookup("xTrain") as number[][];
  const y = context.lookup("yTrain") as number[][];
  context.assign("split", { train: { x: x.slice(0, 100), y: y.slice(0, 100) }, xTest: x.slice(100), yTest: y.slice(100) });
  await run(`%%tune --model buildModel --data split.train.x,split.train.y --test split.xTest,split.yTest --epochs 1 --trials 2 --seed 1 --no-live --out parts\n${SPACE}`);
  const study = context.lookup("parts") as NotebookStudy;
  assert.equal(study.trials.filter((t) => t.state === "complete").length, 2);
  assert.equal(study.testMetrics?.rows, 50, "the test rows are split.xTest's");
  assert.match(context.stdoutText(), /Test set split\.xTest,split\.yTest \(50 rows\)/);
  await assert.rejects(
    run(`%%tune --model buildModel --data split.train.x,split.nope --epochs 1 --trials 1 --no-live\n${SPACE}`),
    (error: unknown) => error instanceof MagicError && /^line 1: "split\.nope": split is an object without a property "nope"$/.test(error.message),
  );
  await assert.rejects(run(`%%tune --model buildModel --data split.train.x.length.z,split.train.y --epochs 1 --trials 1 --no-live\n${SPACE}`), /split\.train\.x\.length is .* without a property "z"/);
});

test("a builder or objective that changes its parameters leaves the trials' recorded parameters as drawn", async () => {
  const { context, run } = await irisNotebook({
    builders: {
      widening: (tf, params) => {
        const p = params as { units: number; lr: number };
        p.units = p.units * 10; // changes its argument
        const model = tf.sequential();
        model.add(tf.layers.dense({ inputShape: [4], units: p.units, activation: "relu" }));
        model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
        model.compile({ optimizer: tf.train.adam(p.lr), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
        return model;
      },
    },
  });
  await run(`%%tune --model widening --data xTrain,yTrain --epochs 1 --trials 3 --seed 1 --no-live --out widened\nunits: int(4, 16)\nlr: loguniform(1e-3, 1e-1)`);
  const widened = context.lookup("widened") as NotebookStudy;
  assert.equal(widened.trials.length, 3);
  assert.ok(widened.trials.every((t) => (t.params["units"] as number) >= 4 && (t.params["units"] as number) <= 16), JSON.stringify(widened.trials.map((t) => t.params)));
  context.assign("clobber", (p: { x: number }) => {
    p.x = 5;
    return p.x;
  });
  await run(`%%tune --objective clobber --trials 3 --seed 1 --no-live --out clobbered\nx: uniform(0, 1)`);
  const clobbered = context.lookup("clobbered") as NotebookStudy;
  assert.ok(clobbered.trials.every((t) => (t.params["x"] as number) <= 1), JSON.stringify(clobbered.trials.map((t) => t.params)));
});

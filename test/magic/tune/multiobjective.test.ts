/**
 * Multi-objective `%%tune` (`--metric val_acc,params`) through the magic front end with real
 * TensorFlow.js training on the iris data: the built-in costs, the Pareto front, the live figure,
 * picking a trial, and what several objectives refuse. The kernel is the magic tests' FakeContext.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MagicError } from "../../../src/magic/types";
import { PLOTLY_MIME } from "../../../src/render";
import { NotebookStudy } from "../../../src/magic/tune";
import type { FrozenTrial } from "../../../src/engine/types";
import { categorical, floatDistribution, intDistribution } from "../../../src/engine/distributions";
import { objectiveDirections, readObjectiveOptions } from "../../../src/magic/tune/objectives";
import { chooseStrategyForSeveral, nsga2PopulationSize } from "../../../src/magic/tune/auto-strategy";
import { FakeContext } from "../fake-context";
import { irisNotebook } from "./iris-notebook";

/** A context with iris and a one-hidden-layer builder (4 → units → 3: 8·units + 3 weights): the shared iris notebook. */
const notebook = irisNotebook;

const SPACE = `units: int(2, 64, log)
lr: loguniform(1e-2, 2e-1)`;

/** The complete trials no other complete trial dominates, by brute force (`a` maximised unless `bothDown`, `b` minimised). */
function bruteFront(trials: readonly FrozenTrial[], a: string, b: string, bothDown = false): number[] {
  const complete = trials.filter((t) => t.state === "complete");
  const sign = bothDown ? -1 : 1;
  const A = (t: FrozenTrial): number => sign * t.metrics[a]!;
  const dominated = (t: FrozenTrial) =>
    complete.some((u) => A(u) >= A(t) && u.metrics[b]! <= t.metrics[b]! && (A(u) > A(t) || u.metrics[b]! < t.metrics[b]!));
  return complete.filter((t) => !dominated(t)).map((t) => t.number).sort((x, y) => x - y);
}

/** Plotly figures (data traces) among the displayed and updated outputs. */
function plotlyTraces(context: FakeContext): { name?: string; type?: string }[][] {
  return context.outputs.flatMap((o) => {
    if (o.kind !== "display" && o.kind !== "update") return [];
    const figure = o.bundle[PLOTLY_MIME] as { data: { name?: string; type?: string }[] } | undefined;
    return figure === undefined ? [] : [figure.data];
  });
}

test("--metric val_acc,params: the GP (ParEGO) by default, built-in params, a true Pareto front shown live, and a picked model", async () => {
  const { context, run, tf } = await notebook();
  const before = tf.memory().numTensors;
  await run(`%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 2 --metric val_acc,params --trials 12 --seed 5 --out front\n${SPACE}`);
  const study = context.lookup("front");
  assert.ok(study instanceof NotebookStudy);
  const text = context.stdoutText();
  assert.match(text, /Strategy bayes \(auto: 2 objectives, 2 numeric parameters and 12 trials: the Gaussian process on random weightings of the objectives \(ParEGO\)/);
  assert.ok(study.isMultiObjective);
  assert.deepEqual(study.objectives, { metrics: ["val_acc", "params"], directions: ["maximize", "minimize"] });
  assert.equal(study.trials.length, 12);
  for (const trial of study.trials) {
    assert.equal(trial.state, "complete", trial.error);
    assert.equal(trial.metrics["params"], 8 * (trial.params["units"] as number) + 3, "params is the weight count of 4 → units → 3");
    assert.deepEqual(trial.values, [trial.metrics["val_acc"], trial.metrics["params"]]);
  }
  const front = study.bestTrials.map((t) => t.number).sort((x, y) => x - y);
  assert.deepEqual(front, bruteFront(study.trials, "val_acc", "params"));
  assert.match(text, new RegExp(`Pareto front of ${front.length} trials? \\(val_acc ↑, params ↓\\)`));
  assert.match(text, /pick one with front\.pickTrial\("val_acc", \{ where: \(v\) => v\.params < … \}\)/, "the hint names the study's variable");
  const beforePick = { trial: study.bestTrial, model: study.bestModel };
  assert.equal(beforePick.trial, undefined, "no single best trial before a pick");
  assert.equal(beforePick.model, undefined);

  const traces = plotlyTraces(context);
  const live = context.outputs.filter((o) => o.kind === "update");
  assert.ok(live.length > 0, "the live view updated in place");
  assert.ok(
    traces.some((data) => data[0]?.type === "table" && data.some((t) => /^Pareto front/.test(t.name ?? ""))),
    "the live view shows the table and the Pareto front under it",
  );
  assert.ok(traces.some((data) => data[0]?.type === "scatter" && data.some((t) => /^Pareto front \(\d+\)$/.test(t.name ?? ""))), "the final Pareto figure");
  assert.ok(study.figures(["pareto"]).length === 1);
  assert.equal(study.figures(["history"]).length, 2, "one history figure per objective");
  assert.equal(study.figures(["slices"]).length, 2, "one slices figure per objective");
  const titleOf = (shown: { [key: symbol]: () => unknown }): string => JSON.stringify(((shown[Symbol.for("Jupyter.display")]!() as Record<string, unknown>)[PLOTLY_MIME] as { layout: unknown }).layout);
  assert.match(titleOf(study.plot("history", "params")), /optimisation history \(params, /);
  assert.match(titleOf(study.plot("history")), /optimisation history \(val_acc, /);
  assert.throws(() => study.plot("history", "loss"), /"loss" is not an objective of this study; expected one of val_acc, params/);

  // The models of the front are kept; a pick makes one bestModel.
  assert.deepEqual([...study.frontModels.keys()].sort((x, y) => x - y), front);
  const smallest = Math.min(...study.bestTrials.map((t) => t.metrics["params"]!));
  const picked = study.pickTrial("val_acc", { where: (v) => v["params"]! <= smallest });
  assert.equal(picked.metrics["params"], smallest);
  assert.equal(study.bestTrial?.number, picked.number);
  assert.deepEqual(study.bestParams, picked.params);
  assert.ok(study.bestModel !== undefined);
  assert.equal(study.bestModel.countParams(), smallest, "bestModel is the picked trial's model");
  assert.equal(study.frontModels.has(picked.number), false);
  const best = study.pickTrial("val_acc");
  const topAccuracy = Math.max(...study.bestTrials.map((t) => t.metrics["val_acc"]!));
  assert.equal(best.metrics["val_acc"], topAccuracy);
  assert.equal(study.bestModel?.countParams(), best.metrics["params"]);
  if (best.number !== picked.number) assert.ok(study.frontModels.has(picked.number), "the earlier pick's model goes back to the front's models");
  assert.throws(() => study.pickTrial("loss"), /"loss" is not an objective of this study; expected one of val_acc, params/);
  assert.throws(() => study.pickTrial("val_acc", { where: () => false }), /none of the \d+ trials on the Pareto front passes/);
  assert.match(String(study), /Pareto front of \d+ trials?; picked #\d+/);
  study.dispose();
  assert.equal(tf.memory().numTensors, before, "disposing the study frees the front's models");
});

test("size and latency are measured after training; three objectives draw a scatter matrix", async () => {
  const { context, run } = await notebook();
  await run(`%%tune --model buildModel --data xTrain,yTrain --epochs 1 --metric val_acc,size,latency --strategy random --trials 3 --seed 2 --no-live --no-keep-best\n${SPACE}`);
  const study = context.lookup("study") as NotebookStudy;
  assert.deepEqual(study.objectives.directions, ["maximize", "minimize", "minimize"]);
  for (const trial of study.trials) {
    assert.equal(trial.state, "complete", trial.error);
    const weights = 8 * (trial.params["units"] as number) + 3;
    const size = trial.metrics["size"]!;
    // float32 weights plus the topology and weight-spec JSON (a few kB for two dense layers).
    assert.ok(size > 4 * weights + 200 && size < 4 * weights + 20_000, `size ${size} for ${weights} weights`);
    const latency = trial.metrics["latency"]!;
    assert.ok(Number.isFinite(latency) && latency > 0, `latency ${latency} ms per example`);
  }
  assert.equal(study.frontModels.size, 0, "--no-keep-best keeps no model");
  const [figure] = study.figures(["pareto"]);
  const data = (figure![PLOTLY_MIME] as { data: { type: string }[] }).data;
  assert.ok(data.every((t) => t.type === "splom"));
});

test("with --workers the costs are measured on the notebook thread from the model each worker trained", async () => {
  const { context, run, tf } = await notebook();
  const before = tf.memory().numTensors;
  await run(`%%tune --model buildModel --data xTrain,yTrain --epochs 1 --metric val_acc,params --strategy random --trials 4 --workers 2 --seed 8 --no-live --out pooled\n${SPACE}`);
  const study = context.lookup("pooled") as NotebookStudy;
  assert.ok(study.trials.every((t) => t.state === "complete" && t.metrics["params"] === 8 * (t.params["units"] as number) + 3), JSON.stringify(study.trials.map((t) => t.error)));
  assert.deepEqual([...study.frontModels.keys()].sort((a, b) => a - b), study.bestTrials.map((t) => t.number).sort((a, b) => a - b));
  study.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test("two history metrics, without --keep-best: no model is kept and both are read from the history", async () => {
  const { context, run, tf } = await notebook();
  const before = tf.memory().numTensors;
  await run(`%%tune --model buildModel --data xTrain,yTrain --epochs 1 --metric val_accuracy,val_loss --strategy random --trials 3 --seed 6 --no-live --no-keep-best\n${SPACE}`);
  const study = context.lookup("study") as NotebookStudy;
  assert.deepEqual(study.objectives, { metrics: ["val_acc", "val_loss"], directions: ["maximize", "minimize"] }, "names resolved to the history's keys");
  assert.ok(study.trials.every((t) => t.state === "complete" && t.values?.[1] === t.metrics["val_loss"]));
  assert.equal(study.frontModels.size, 0);
  assert.equal(tf.memory().numTensors, before, "no model outlived its trial");
});

test("an --objective may return a record or an array of the metrics", async () => {
  for (const shape of ["record", "array"] as const) {
    const { context, run } = await notebook();
    context.assign("tradeOff", (p: { x: number }) => (shape === "record" ? { error: (p.x - 1) ** 2, cost: p.x ** 2 } : [(p.x - 1) ** 2, p.x ** 2]));
    await run(`%%tune --objective tradeOff --metric error,cost --trials 14 --seed 1 --no-live\nx: uniform(-1, 2)`);
    const study = context.lookup("study") as NotebookStudy;
    assert.match(context.stdoutText(), /Strategy bayes/);
    assert.match(context.stdoutText(), /Minimising cost \(pass --direction/, "error is a known minimised name; cost is assumed");
    assert.equal(study.trials.filter((t) => t.state === "complete").length, 14, JSON.stringify(study.trials.map((t) => t.error)));
    const front = study.bestTrials;
    // Both objectives are minimised: every trial with x in [0, 1] is on the front.
    const numbers = front.map((t) => t.number).sort((a, b) => a - b);
    assert.deepEqual(numbers, bruteFront(study.trials, "error", "cost", true));
    const inside = study.trials.filter((t) => (t.params["x"] as number) >= 0 && (t.params["x"] as number) <= 1).map((t) => t.number);
    assert.ok(inside.length > 0 && inside.every((n) => numbers.includes(n)), `${JSON.stringify(inside)} on ${JSON.stringify(numbers)}`);
    assert.equal(study.pickTrial("cost").number, front.reduce((a, b) => (a.metrics["cost"]! <= b.metrics["cost"]! ? a : b)).number);
  }
});

test("--strategy bayes with several objectives: the GP on ParEGO's scalarisations, repeatable with a seed, its trials inside the space", async () => {
  const runOnce = async (seed: number): Promise<NotebookStudy> => {
    const { context, run } = await notebook();
    context.assign("tradeOff", (p: { x: number; y: number }) => ({ error: (p.x - 1) ** 2 + p.y, cost: p.x ** 2 + p.y }));
    await run(`%%tune --objective tradeOff --metric error,cost --strategy bayes --trials 12 --startup-trials 4 --seed ${seed} --no-live\nx: uniform(-1, 2)\ny: uniform(0, 1)`);
    return context.lookup("study") as NotebookStudy;
  };
  const first = await runOnce(3);
  assert.equal(first.study.sampler.name, "gp-parego");
  assert.equal(first.trials.filter((t) => t.state === "complete").length, 12);
  assert.deepEqual(first.bestTrials.map((t) => t.number), bruteFront(first.trials, "error", "cost", true));
  assert.deepEqual((await runOnce(3)).trials.map((t) => t.params), first.trials.map((t) => t.params));
  assert.notDeepEqual((await runOnce(4)).trials.map((t) => t.params), first.trials.map((t) => t.params));
});

test("several objectives refuse single-objective strategies, pruners and mismatched directions; tiny budgets search at random", async () => {
  const { context, run } = await notebook();
  const expectError = async (cell: string, pattern: RegExp): Promise<void> => {
    await assert.rejects(run(`${cell}\n${SPACE}`), (error: unknown) => {
      assert.ok(error instanceof MagicError, `expected a MagicError, got ${String(error)}`);
      assert.match(error.message, pattern);
      return true;
    });
  };
  const base = "%%tune --model buildModel --data xTrain,yTrain --epochs 1 --metric val_acc,params";
  for (const strategy of ["tpe", "cmaes"]) {
    await expectError(`${base} --strategy ${strategy}`, new RegExp(`--strategy ${strategy} optimises one objective; with 2 objectives .* use --strategy nsga2 \\(the auto choice\\), bayes \\(the GP on random scalarisations\\), random, sobol or grid`));
  }
  await expectError(`${base} --pruner median`, /pruning is not supported with 2 objectives/);
  await expectError(`${base} --direction maximize`, /--direction gives 1 direction for 2 metrics \(val_acc,params\); give one per metric, e.g. --direction maximize,minimize/);
  await expectError(`${base},val_acc`, /--metric names val_acc twice/);
  await expectError(`%%tune --model buildModel --data xTrain,yTrain --epochs 1 --metric val_acc,val_kappa`, /val_kappa/);
  await run(`${base} --trials 4 --seed 3 --no-live\n${SPACE}`);
  assert.match(context.stdoutText(), /Strategy random \(auto: 2 objectives but only 4 trials: too few for NSGA-II/);
  (context.lookup("study") as NotebookStudy).dispose();
});

test("a study of several objectives in a journal resumes with its objectives", async () => {
  const { context, run } = await notebook();
  const journal = join(mkdtempSync(join(tmpdir(), "tunelab-pareto-")), "study.jsonl");
  context.assign("tradeOff", (p: { x: number }) => ({ error: (p.x - 1) ** 2, cost: p.x ** 2 }));
  const cell = (trials: number) => `%%tune --objective tradeOff --metric error,cost --strategy random --trials ${trials} --seed 4 --storage ${journal} --no-live --out stored\nx: uniform(-1, 2)`;
  await run(cell(3));
  (context.lookup("stored") as NotebookStudy).dispose();
  await run(cell(5));
  const study = context.lookup("stored") as NotebookStudy;
  assert.match(context.stdoutText(), /Resuming study "stored" from .*study\.jsonl: 3 trials \(3 complete\)/);
  assert.equal(study.trials.length, 5);
  assert.deepEqual(study.objectives, { metrics: ["error", "cost"], directions: ["minimize", "minimize"] });
  assert.ok(study.bestTrials.length >= 1);
  study.dispose();
});

test("the parts on their own: reading --metric/--direction lists, the auto choice, NSGA-II's population", () => {
  assert.deepEqual(readObjectiveOptions(["val_acc"], ["maximize"]), { metric: "val_acc", direction: "maximize" });
  assert.deepEqual(readObjectiveOptions(undefined, undefined), {});
  assert.deepEqual(readObjectiveOptions(["val_acc", "size"], undefined), { objectives: { metrics: ["val_acc", "size"] } });
  assert.deepEqual(readObjectiveOptions(["a", "b"], ["maximize", "minimize"]), { objectives: { metrics: ["a", "b"], directions: ["maximize", "minimize"] } });
  assert.throws(() => readObjectiveOptions(["val_acc"], ["maximize", "minimize"]), /--direction gives 2 directions but --metric names 1 metric/);
  assert.deepEqual(objectiveDirections({ metrics: ["val_acc", "latency", "val_loss"] }).directions, ["maximize", "minimize", "minimize"]);
  assert.throws(() => objectiveDirections({ metrics: ["val_acc", "kappa"] }), /cannot tell whether kappa should go up or down: add one direction per metric, e.g. --direction maximize,maximize/);
  assert.deepEqual(objectiveDirections({ metrics: ["val_acc", "kappa"] }, "minimize"), { directions: ["maximize", "minimize"], assumed: ["kappa"] });
  const space = { units: intDistribution(1, 3), act: categorical(["relu", "tanh"]) };
  assert.equal(chooseStrategyForSeveral(space, 6, 2).strategy, "grid", "6 points, 6 trials");
  assert.equal(chooseStrategyForSeveral({ lr: floatDistribution(0, 1) }, 11, 2).strategy, "random");
  assert.equal(chooseStrategyForSeveral({ lr: floatDistribution(0, 1) }, 12, 3).strategy, "bayes", "few numeric parameters: the GP (ParEGO)");
  assert.equal(chooseStrategyForSeveral({ lr: floatDistribution(0, 1) }, 201, 2).strategy, "nsga2", "past the GP's budget");
  assert.equal(chooseStrategyForSeveral({ a: categorical(["x", "y"]), b: categorical([1, 2, 3]), lr: floatDistribution(0, 1) }, 50, 2).strategy, "nsga2", "mostly choices");
  const wide = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`x${i}`, floatDistribution(0, 1)]));
  assert.equal(chooseStrategyForSeveral(wide, 50, 2).strategy, "nsga2", "more numeric parameters than the GP takes");
  const conditional = { layers: intDistribution(1, 2), lr: floatDistribution(0, 1), units2: { ...intDistribution(4, 8), condition: { parent: "layers", operator: ">=" as const, value: 2 } } };
  assert.equal(chooseStrategyForSeveral(conditional, 50, 2).strategy, "nsga2", "conditional parameters");
  assert.deepEqual([10, 30, 100, 1000].map(nsga2PopulationSize), [4, 6, 20, 50]);
});

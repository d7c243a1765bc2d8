/**
 * `%%tune --pruner hyperband` and `--strategy bohb` through the magic front end, with real
 * TensorFlow.js training on the iris data (the kernel replaced by the magic tests' FakeContext).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HyperbandPruner } from "../../../src/engine/pruners/hyperband";
import { TPESampler } from "../../../src/engine/samplers/tpe";
import { PLOTLY_MIME } from "../../../src/render";
import { NotebookStudy } from "../../../src/magic/tune";
import { makePruner } from "../../../src/magic/tune/study-setup";
import { categorical, floatDistribution, intDistribution } from "../../../src/engine/distributions";
import { irisNotebook } from "./iris-notebook";

const SPACE = `units: int(2, 16, log)
lr: loguniform(1e-4, 3e-1)`;

/** The titles of the Plotly figures a context displayed. */
function figureTitles(outputs: readonly { kind: string; bundle?: Record<string, unknown> }[]): string[] {
  return outputs
    .filter((o) => o.kind === "display" && o.bundle !== undefined && PLOTLY_MIME in o.bundle)
    .map((o) => String(((o.bundle![PLOTLY_MIME] as { layout: { title?: { text?: string } } }).layout.title?.text) ?? ""));
}

test("--pruner hyperband: trials run in brackets (user attribute \"bracket\"), some are pruned at a rung, and the brackets figure is shown", async () => {
  const { context, run, tf } = await irisNotebook();
  const before = tf.memory().numTensors;
  await run(`%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 9 --strategy random --pruner hyperband --trials 17 --seed 3 --no-live --out hb
${SPACE}`);
  const study = context.lookup("hb") as NotebookStudy;
  const pruner = new HyperbandPruner({ maxResource: 9, reductionFactor: 3 });
  assert.equal(study.trials.length, 17);
  for (const trial of study.trials) assert.equal(trial.userAttrs["bracket"], pruner.bracketOf(trial.number), `trial ${trial.number}`);
  const pruned = study.trials.filter((t) => t.state === "pruned");
  assert.ok(pruned.length > 0, `some trials were pruned: ${JSON.stringify(study.trials.map((t) => t.state))}`);
  // A pruned trial stopped at one of its bracket's rungs (steps 1 and 3 for bracket 0, 3 for bracket 1) and trained fewer epochs.
  for (const trial of pruned) {
    const lastStep = trial.intermediateValues[trial.intermediateValues.length - 1]!.step;
    const rungs = trial.userAttrs["bracket"] === 0 ? [1, 3] : [3];
    assert.ok(rungs.includes(lastStep), `trial ${trial.number} in bracket ${String(trial.userAttrs["bracket"])} stopped at step ${lastStep}`);
    assert.ok((trial.userAttrs["epochs"] as number) < 9);
  }
  // One cycle of the paper's order (9 + 5 + 3 trials) visits every bracket; the last (2) never prunes: its trials train all 9 epochs.
  const last = study.trials.filter((t) => t.userAttrs["bracket"] === 2);
  assert.equal(last.length, 3);
  for (const trial of last) assert.equal(trial.state, "complete");
  assert.ok(figureTitles(context.outputs).some((title) => /by Hyperband bracket/.test(title)), "the brackets figure is among the final figures");
  // The report lists the states in the order trials first had them (trial 0 may be pruned): either order.
  assert.match(context.stdoutText(), /Ran 17 trials .*\((\d+ complete, \d+ pruned|\d+ pruned, \d+ complete)\)/);
  study.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
});

test("--strategy bohb: TPE fitted at a budget with the hyperband pruner; the journal resumes with the same brackets", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-bohb-"));
  try {
    const storage = join(dir, "bohb.jsonl");
    const cell = (trials: number): string =>
      `%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 9 --strategy bohb --startup-trials 4 --trials ${trials} --seed 8 --storage ${storage} --name bohb --no-live --out bohb\n${SPACE}`;
    const first = await irisNotebook();
    await first.run(cell(8));
    const firstStudy = first.context.lookup("bohb") as NotebookStudy;
    assert.ok(firstStudy.study.sampler instanceof TPESampler && firstStudy.study.sampler.fitAtBudget, "bohb is TPE fitted at a budget");
    assert.ok(firstStudy.study.pruner instanceof HyperbandPruner, "with the hyperband pruner");
    const firstTrials = firstStudy.trials;
    firstStudy.dispose();

    const second = await irisNotebook();
    await second.run(cell(12));
    const study = second.context.lookup("bohb") as NotebookStudy;
    assert.match(second.context.stdoutText(), /Resuming study "bohb"/);
    assert.equal(study.trials.filter((t) => t.state === "complete" || t.state === "pruned").length, 12);
    assert.deepEqual(study.trials.slice(0, firstTrials.length), firstTrials, "the first run's trials are kept as they were");
    const pruner = study.study.pruner as HyperbandPruner;
    for (const trial of study.trials) assert.equal(trial.userAttrs["bracket"], pruner.bracketOf(trial.number));
    assert.ok(study.trials.some((t) => t.state === "pruned"), JSON.stringify(study.trials.map((t) => t.state)));
    study.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an interrupt keeps the finished trials of a hyperband search, each with its bracket", async () => {
  const { context, run } = await irisNotebook();
  let calls = 0;
  context.assign("curve", async (params: Record<string, number>, trial: { report(v: number, s: number): void; shouldPrune(): boolean }) => {
    calls++;
    if (calls === 6) context.controller.abort(new Error("interrupted"));
    let value = 0;
    for (let step = 0; step < 9; step++) {
      value = (params["x"]! - 0.3) ** 2 + 1 / (step + 1);
      trial.report(value, step);
      trial.shouldPrune();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return value;
  });
  await assert.rejects(run("%%tune --objective curve --strategy random --pruner hyperband --max-resource 9 --trials 30 --seed 2 --no-live\nx: uniform(0, 1)"), /interrupted/);
  const study = context.lookup("study") as NotebookStudy;
  const pruner = new HyperbandPruner({ maxResource: 9 });
  assert.ok(study.trials.length >= 5 && study.trials.length < 30, `${study.trials.length} trials kept`);
  for (const trial of study.trials) assert.equal(trial.userAttrs["bracket"], pruner.bracketOf(trial.number));
  assert.ok(study.trials.filter((t) => t.state === "complete" || t.state === "pruned").length >= 5);
});

test("hyperband's resources: --epochs × folds unless --max-resource; a searched epochs counts at its largest", () => {
  const base = { strategy: "random", pruner: "hyperband", epochs: 9 } as const;
  assert.equal((makePruner(base) as HyperbandPruner).maxResource, 9);
  assert.equal((makePruner({ ...base, cv: 3 }) as HyperbandPruner).maxResource, 27);
  assert.equal((makePruner({ ...base, maxResource: 40, minResource: 2, reductionFactor: 2 }) as HyperbandPruner).brackets.length, 5);
  assert.equal((makePruner(base, { epochs: intDistribution(3, 20), lr: floatDistribution(1e-3, 1) }) as HyperbandPruner).maxResource, 20);
  assert.ok(makePruner({ strategy: "bohb", pruner: "none", epochs: 9 }) instanceof HyperbandPruner, "bohb brings the hyperband pruner");
});

test("with --model, a searched batchSize and --rung-unit steps, rungs count optimizer steps (a batch 4× larger is judged after 4× the epochs); by default epochs", () => {
  const base = { strategy: "bohb", pruner: "none", epochs: 20, batchSize: 32, model: "build", rungUnit: "steps" } as const;
  const space = { batchSize: categorical([16, 32, 64]), lr: floatDistribution(1e-3, 1) };
  const stops = (pruner: HyperbandPruner, batchSize: number): number[] => pruner.rungSteps({ number: 0, params: { batchSize, lr: 0.1 } });
  const bySteps = makePruner(base, space) as HyperbandPruner;
  assert.deepEqual([16, 32, 64].map((b) => stops(bySteps, b)), [[1, 3], [3, 7], [7, 15]], "bracket 0's rungs after 2 and 4 epochs of batch 16");
  const byEpochs = makePruner({ ...base, rungUnit: "epochs" }, space) as HyperbandPruner;
  assert.deepEqual([16, 32, 64].map((b) => stops(byEpochs, b)), [[1, 3], [1, 3], [1, 3]]);
  const { rungUnit: __, ...byDefault } = base;
  assert.deepEqual([16, 32, 64].map((b) => stops(makePruner(byDefault, space) as HyperbandPruner, b)), [[1, 3], [1, 3], [1, 3]], "epochs by default");
  const { model: _, ...objectiveSearch } = base;
  assert.deepEqual(stops(makePruner(objectiveSearch, space) as HyperbandPruner, 64), [1, 3], "--objective: the function's steps are its own");
  assert.deepEqual(stops(makePruner(base, { lr: floatDistribution(1e-3, 1) }) as HyperbandPruner, 64), [1, 3], "one batch size: every epoch costs the same");
  assert.deepEqual(stops(makePruner({ ...base, batchSize: 8 }, space) as HyperbandPruner, 16), [1, 3], "--batch-size is not used: every trial has its batchSize");
  const conditional = { ...space, batchSize: { ...categorical([16, 32, 64]), condition: { parent: "lr", operator: ">", value: 0.5 } } } as const;
  assert.deepEqual(stops(makePruner({ ...base, batchSize: 8 }, conditional) as HyperbandPruner, 16), [3, 7], "a trial without batchSize trains with --batch-size 8, the smallest");
});

test("option errors name what was expected", async () => {
  const { run } = await irisNotebook();
  const cell = (options: string): string => `%%tune --objective score --trials 2 --no-live ${options}\nx: uniform(-1, 1)`;
  await assert.rejects(run(cell("--strategy bohb --pruner median")), /--strategy bohb runs the hyperband pruner; drop --pruner median/);
  await assert.rejects(run(cell("--pruner asha --max-resource 9")), /--max-resource is for --pruner hyperband/);
  await assert.rejects(run(cell("--reduction-factor 3")), /--reduction-factor is for --pruner asha or hyperband/);
  await assert.rejects(run(cell("--pruner hyperband --reduction-factor 1")), /--reduction-factor must be at least 2, got 1/);
  await assert.rejects(run(cell("--pruner hyperband --min-resource 5 --max-resource 3")), /--max-resource must be at least --min-resource \(5\), got 3/);
  await assert.rejects(run(cell("--pruner asha --pause")), /--pause is for --pruner hyperband or --strategy bohb/);
  await assert.rejects(run(cell("--pruner asha --rung-unit epochs")), /--rung-unit is for --pruner hyperband or --strategy bohb/);
  await assert.rejects(run(cell("--pruner hyperband --rung-unit batches")), /rung-unit/);
});

test("--pause where a trial cannot wait (--cv: several models) says so and prunes at the rung", async () => {
  const { context, run } = await irisNotebook();
  await run(`%%tune --model buildModel --data xTrain,yTrain --cv 2 --epochs 3 --strategy random --pruner hyperband --pause --trials 3 --seed 3 --workers 1 --no-live --out hb
${SPACE}`);
  assert.match(context.stdoutText(), /--pause: trials are pruned at a rung instead, because of --cv/);
  assert.doesNotMatch(context.stdoutText(), /Successive halving with paused trials/);
  (context.lookup("hb") as NotebookStudy).dispose();
});

/** The trials of bracket 0 (rungs at steps 1 and 3 with --epochs 9) that reached step `step`. */
function reached(trials: readonly { readonly userAttrs: Readonly<Record<string, unknown>>; readonly intermediateValues: readonly { step: number }[] }[], step: number): number {
  return trials.filter((t) => t.userAttrs["bracket"] === 0 && t.intermediateValues.some((iv) => iv.step === step)).length;
}

/**
 * ASHA's bound with η = 3 at bracket 0's rungs (steps 1 and 3): a trial goes past a rung only when
 * at least 3 trials reached it and it is among the best ⌊n/3⌋, so of n trials there at most
 * n − 2 went past (one per arrival from the 3rd on), and none when n < 3.
 */
function assertPromotionBound(trials: Parameters<typeof reached>[0]): void {
  for (const [rung, next] of [[1, 2], [3, 4]] as const) {
    const [n, past] = [reached(trials, rung), reached(trials, next)];
    assert.ok(past <= Math.max(0, n - 2), `${past} of the ${n} trials at step ${rung} went past it`);
  }
}

test("--pruner hyperband --pause: a trial waits at a rung until it is among the best ⌊n/η⌋ there, resumes with its weights, and the never promoted end pruned", async () => {
  const { context, run, tf } = await irisNotebook();
  const before = tf.memory().numTensors;
  await run(`%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 9 --strategy random --pruner hyperband --pause --trials 17 --seed 3 --workers 1 --no-live --out hb
${SPACE}`);
  assert.match(context.stdoutText(), /Successive halving with paused trials/);
  const study = context.lookup("hb") as NotebookStudy;
  assert.deepEqual(study.trials.filter((t) => t.state !== "complete" && t.state !== "pruned"), [], "no trial is left running or failed");
  // One thread: trial 0 reached its first rung (step 1) alone, so it waited there (pruning lets it go on):
  // it either ended pruned after 2 epochs or was resumed after them.
  const first = study.trials[0]!;
  assert.ok((first.state === "pruned" && first.userAttrs["epochs"] === 2) || (first.userAttrs["pausedAfter"] as number[] | undefined)?.[0] === 2, JSON.stringify(first));
  assertPromotionBound(study.trials);
  const resumed = study.trials.filter((t) => Array.isArray(t.userAttrs["pausedAfter"]));
  assert.ok(resumed.length > 0, "a trial that waited at a rung was resumed");
  for (const trial of resumed) {
    // Resumed, it went on from where it stopped: one value per step 0..8, each step once.
    assert.deepEqual(trial.intermediateValues.map((iv) => iv.step).slice(0, 4), [0, 1, 2, 3], `trial ${trial.number}`);
  }
  const complete = study.trials.filter((t) => t.state === "complete");
  for (const trial of complete) assert.equal(trial.userAttrs["epochs"], 9, `trial ${trial.number} trained every epoch`);
  assert.ok(study.bestModel !== undefined, "the best complete trial's model is kept");
  study.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
});

test("without --pause hyperband prunes at the rung (a trial alone there goes on)", async () => {
  const { context, run } = await irisNotebook();
  await run(`%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 9 --strategy random --pruner hyperband --trials 9 --seed 3 --workers 1 --no-live --out hb
${SPACE}`);
  assert.doesNotMatch(context.stdoutText(), /paused trials/);
  const study = context.lookup("hb") as NotebookStudy;
  assert.equal(study.trials[0]!.userAttrs["epochs"], 9, "the first trial, alone at every rung, trained all its epochs");
  assert.ok(study.trials.every((t) => t.userAttrs["pausedAfter"] === undefined));
  study.dispose();
});

test("an interrupt while trials wait at a rung keeps every trial, none left running, no tensor leaked", async () => {
  let builds = 0;
  let interrupt = (): void => undefined;
  const { context, run, tf } = await irisNotebook({
    builders: {
      buildModel: (tf, params) => {
        // The interrupt comes as the 6th model is built (the check and 5 trials: some wait at a rung by then).
        if (++builds === 6) interrupt();
        const model = tf.sequential();
        model.add(tf.layers.dense({ inputShape: [4], units: params["units"] as number, activation: "relu" }));
        model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
        model.compile({ optimizer: tf.train.adam(params["lr"] as number), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
        return model;
      },
    },
  });
  interrupt = () => context.controller.abort(new Error("interrupted"));
  const before = tf.memory().numTensors;
  await assert.rejects(
    run(`%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 9 --strategy bohb --pause --trials 30 --seed 4 --workers 1 --no-live --out hb
${SPACE}`),
    /interrupted/,
  );
  const study = context.lookup("hb") as NotebookStudy;
  assert.ok(study.trials.length >= 4 && study.trials.length < 30, `${study.trials.length} trials kept`);
  assert.deepEqual(study.trials.filter((t) => t.state === "running"), [], "no trial left running");
  assert.ok(study.trials.some((t) => t.state === "pruned" && t.intermediateValues.length > 0), "a trial that waited at a rung ended pruned with its values");
  study.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
});

test("--pause on two worker threads: trials move between threads as data (weights and optimizer state), every trial ends, the best model is rebuilt here, no leak", async () => {
  const { context, run, tf } = await irisNotebook();
  const before = tf.memory().numTensors;
  await run(`%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 9 --strategy bohb --pause --trials 12 --seed 5 --workers 2 --no-live --out hb
${SPACE}`);
  const text = context.stdoutText();
  assert.match(text, /Training 2 trials at once on worker threads/);
  assert.match(text, /Not exactly repeatable with 2 workers: --strategy bohb compares each trial with the trials running beside it/);
  assert.match(text, /Successive halving with paused trials/);
  const study = context.lookup("hb") as NotebookStudy;
  assert.equal(study.trials.length, 12);
  assert.deepEqual(study.trials.filter((t) => t.state !== "complete" && t.state !== "pruned").map((t) => t.state), []);
  assertPromotionBound(study.trials);
  for (const trial of study.trials.filter((t) => t.state === "complete")) {
    assert.deepEqual(trial.intermediateValues.map((iv) => iv.step), [0, 1, 2, 3, 4, 5, 6, 7, 8], `trial ${trial.number} reported each epoch once`);
  }
  assert.ok(study.bestModel !== undefined, "the best trial's model is rebuilt in the notebook");
  study.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
});

test("--pause: too many failures in a row end the search, and the trials waiting at a rung end with it (no hang)", async () => {
  let builds = 0;
  const { context, run } = await irisNotebook({
    builders: {
      buildModel: (tf, params) => {
        // The model check and the first two trials build; every later trial fails to build.
        if (++builds > 3) throw new Error("no memory left for this model");
        const model = tf.sequential();
        model.add(tf.layers.dense({ inputShape: [4], units: params["units"] as number, activation: "relu" }));
        model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
        model.compile({ optimizer: tf.train.adam(params["lr"] as number), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
        return model;
      },
    },
  });
  await assert.rejects(
    run(`%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 9 --strategy random --pruner hyperband --pause --max-failures 2 --trials 9 --seed 3 --workers 1 --no-live --out hb
${SPACE}`),
    /no memory left for this model/,
  );
  const study = context.lookup("hb") as NotebookStudy;
  const states = study.trials.map((t) => t.state);
  // The two that waited at the first rung ended pruned; the failures (the ones already admitted when the second was told count too) stopped the search early.
  assert.deepEqual(states.slice(0, 2), ["pruned", "pruned"], JSON.stringify(states));
  assert.ok(states.length < 9 && states.slice(2).length >= 2 && states.slice(2).every((s) => s === "failed"), JSON.stringify(states));
  study.dispose();
});

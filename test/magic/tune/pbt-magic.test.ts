/**
 * `%%tune --strategy pbt` through the magic front end, with real TensorFlow.js training on the
 * iris data (the kernel replaced by the magic tests' FakeContext): lineage and schedules in the
 * study, seeds, failed members, interrupts, the figure, option errors and tensor hygiene.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PLOTLY_MIME } from "../../../src/render";
import { NotebookStudy } from "../../../src/magic/tune";
import type { FrozenTrial } from "../../../src/engine/types";
import { irisNotebook } from "./iris-notebook";
import { Study } from "../../../src/engine";
import { JournalStorage } from "../../../src/engine/storage/journal";

const SPACE = `units: int(2, 16, log)
lr: loguniform(1e-3, 3e-1)`;

const CELL = (extra: string): string =>
  `%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 6 --ready-epochs 2 --strategy pbt --population 4 --no-live ${extra}\n${SPACE}`;

/** The titles of the Plotly figures a context displayed. */
function figureTitles(outputs: readonly { kind: string; bundle?: Record<string, unknown> }[]): string[] {
  return outputs
    .filter((o) => o.kind === "display" && o.bundle !== undefined && PLOTLY_MIME in o.bundle)
    .map((o) => String(((o.bundle![PLOTLY_MIME] as { layout: { title?: { text?: string } } }).layout.title?.text) ?? ""));
}

/** The lineage of a PBT study: per trial its member, round, parent trial and parameters. */
function lineage(trials: readonly FrozenTrial[]): unknown[] {
  return trials.map((t) => [t.userAttrs["member"], t.userAttrs["round"], t.userAttrs["parent"], t.params]);
}

test("--strategy pbt: members train in rounds; the bottom quarter copies a top member, keeps its architecture and perturbs lr; best model and figure", async () => {
  const { context, run, tf } = await irisNotebook();
  const before = tf.memory().numTensors;
  await run(CELL("--seed 3 --out pbt"));
  const study = context.lookup("pbt") as NotebookStudy;
  const trials = study.trials;
  assert.equal(trials.length, 12, "4 members × 3 rounds, one trial per member-round");
  assert.ok(trials.every((t) => t.state === "complete"), JSON.stringify(trials.map((t) => t.state)));
  for (const trial of trials) {
    const member = trial.userAttrs["member"] as number;
    const round = trial.userAttrs["round"] as number;
    assert.equal(trial.number, 4 * round + member, "members in order within each round");
    assert.deepEqual(trial.intermediateValues.map((v) => v.step), [2 * round, 2 * round + 1], "steps are the member's epochs");
    assert.equal(trial.userAttrs["epochs"], 2 * round + 2);
    const parent = trial.userAttrs["parent"] as number | null;
    if (round === 0) {
      assert.equal(parent, null);
      continue;
    }
    const previous = trials[4 * (round - 1) + member]!;
    if (parent === null) {
      assert.deepEqual(trial.params, previous.params, "a member that does not copy keeps its parameters");
      continue;
    }
    const copied = trials[parent]!;
    assert.equal(copied.userAttrs["round"], round - 1, "a member copies a member-round of the round before");
    assert.ok(study.study.isBetter(copied.value!, previous.value!), `trial ${trial.number} copies a better member (${copied.value} vs ${previous.value})`);
    assert.equal(trial.params["units"], copied.params["units"], "the architecture is the parent's");
    assert.deepEqual(Object.keys(trial.userAttrs["explored"] as object), ["lr"], "only the learning rate is perturbable here");
  }
  for (const round of [1, 2]) {
    assert.equal(trials.filter((t) => t.userAttrs["round"] === round && t.userAttrs["parent"] !== null).length, 1, `one member (25 % of 4) copies in round ${round}`);
  }
  assert.ok(study.bestModel !== undefined, "the best member-round's model is kept");
  assert.equal(study.bestTrial!.value, Math.min(...trials.map((t) => t.value!)));
  assert.match(context.stdoutText(), /PBT: 4 members, 3 rounds of 2 epochs \(6 in all\).*explore lr/);
  assert.match(context.stdoutText(), /PBT trains 2 member-rounds at once on worker threads \(.*--workers auto: 2 cores\).*Repeatable: --seed 3 gives the same lineage with any number of workers/);
  assert.ok(figureTitles(context.outputs).some((title) => /population-based training/.test(title)), "the PBT figure is shown");
  const shown = context.outputs.length;
  await run("%tune_plot pbt pbt bracket");
  assert.deepEqual(figureTitles(context.outputs.slice(shown)).map((title) => title.replace(/ \(.*/, "")), ["population-based training", "intermediate values by Hyperband bracket"], "%tune_plot draws the pbt and bracket figures on request");
  study.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
});

test("--strategy pbt with a seed: the same lineage, perturbations and values twice", async () => {
  const first = await irisNotebook();
  await first.run(CELL("--seed 11 --out a"));
  const second = await irisNotebook();
  await second.run(CELL("--seed 11 --out a"));
  const a = first.context.lookup("a") as NotebookStudy;
  const b = second.context.lookup("a") as NotebookStudy;
  assert.deepEqual(lineage(b.trials), lineage(a.trials));
  assert.deepEqual(b.trials.map((t) => t.value), a.trials.map((t) => t.value));
  assert.ok(a.trials.some((t) => t.userAttrs["parent"] !== null));
  a.dispose();
  b.dispose();
});

test("--workers: the same seed gives the same lineage and values in the notebook's thread (--workers 1) and on 2 threads", async () => {
  const notebook = await irisNotebook();
  await notebook.run(CELL("--seed 11 --workers 1 --out a"));
  const threads = await irisNotebook();
  await threads.run(CELL("--seed 11 --workers 2 --out a"));
  const a = notebook.context.lookup("a") as NotebookStudy;
  const b = threads.context.lookup("a") as NotebookStudy;
  assert.match(threads.context.stdoutText(), /PBT trains 2 member-rounds at once on worker threads/);
  assert.match(notebook.context.stdoutText(), /PBT trains one member-round at a time in the notebook's thread/);
  assert.deepEqual(lineage(b.trials), lineage(a.trials));
  assert.deepEqual(b.trials.map((t) => t.value), a.trials.map((t) => t.value));
  assert.ok(a.trials.some((t) => t.userAttrs["parent"] !== null), "some member copied another");
  a.dispose();
  b.dispose();
});

test("a member whose training fails is recorded as failed and copies a top member after the round", async () => {
  const { context, run, tf } = await irisNotebook();
  const build = context.lookup("buildModel") as (params: Record<string, unknown>) => unknown;
  let calls = 0;
  context.assign("flakyModel", (params: Record<string, unknown>) => {
    calls++;
    if (calls === 2) throw new Error("out of GPU memory (simulated)");
    return build(params);
  });
  const before = tf.memory().numTensors;
  await run(CELL("--seed 5 --no-keep-best --workers 1 --out flaky").replace("buildModel", "flakyModel"));
  const study = context.lookup("flaky") as NotebookStudy;
  // Build calls: the check before the search (1), then member 0 (2) — it fails.
  const failed = study.trials.filter((t) => t.state === "failed");
  assert.deepEqual(failed.map((t) => [t.number, t.userAttrs["member"], t.userAttrs["round"]]), [[0, 0, 0]]);
  assert.match(failed[0]!.error ?? "", /out of GPU memory/);
  const next = study.trials.find((t) => t.userAttrs["member"] === 0 && t.userAttrs["round"] === 1)!;
  assert.equal(next.state, "complete");
  assert.notEqual(next.userAttrs["parent"], null, "the failed member copies a member that trained");
  const stderr = context.outputs.flatMap((o) => (o.kind === "stderr" ? [o.text] : [])).join("");
  assert.match(stderr, /PBT member 0 failed in round 0 .*out of GPU memory/);
  assert.equal(study.trials.filter((t) => t.state === "complete").length, 11);
  study.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
});

test("an interrupt mid-round keeps every finished member-round", async () => {
  const { context, run, tf } = await irisNotebook();
  let calls = 0;
  // A metric computed after every epoch of every member: the 12th call (after the check's one and round 0's eight: member 1's first epoch of round 1) interrupts.
  context.assign("error", (yTrue: number[][], yPred: number[][]) => {
    calls++;
    if (calls === 12) context.controller.abort(new Error("interrupted"));
    return yTrue.reduce((sum, row, i) => sum + row.reduce((s, v, k) => s + Math.abs(v - yPred[i]![k]!), 0), 0) / yTrue.length;
  });
  const before = tf.memory().numTensors;
  await assert.rejects(run(CELL("--seed 5 --metric-fn error --direction minimize --out cut")), /interrupted/);
  const study = context.lookup("cut") as NotebookStudy;
  const complete = study.trials.filter((t) => t.state === "complete");
  const roundOf = (t: FrozenTrial): number => t.userAttrs["round"] as number;
  assert.deepEqual(complete.filter((t) => roundOf(t) === 0).map((t) => t.userAttrs["member"]), [0, 1, 2, 3], "round 0 is kept whole");
  assert.ok(complete.some((t) => roundOf(t) === 1) && complete.length < 8, `round 1 was cut: ${complete.length} complete`);
  for (const trial of complete) assert.equal(trial.intermediateValues.length, 2, "each kept member-round trained its 2 epochs");
  const stopped = study.trials.filter((t) => t.state !== "complete");
  assert.equal(stopped.length, 1, "the member-round being trained is the only other trial");
  assert.equal(stopped[0]!.state, "failed");
  assert.match(stopped[0]!.error ?? "", /interrupted in round 1/);
  assert.ok(study.bestModel !== undefined);
  study.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
});

/** Per member-round (member/round), the final trial's parent member-round, parameters and value. */
function finalLineage(trials: readonly FrozenTrial[]): Map<string, unknown> {
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  const final = new Map<string, unknown>();
  for (const t of trials) {
    if (t.state !== "complete") continue;
    const parent = t.userAttrs["parent"] as number | null;
    const from = parent === null ? null : `${byNumber.get(parent)!.userAttrs["member"]}/${byNumber.get(parent)!.userAttrs["round"]}`;
    final.set(`${t.userAttrs["member"]}/${t.userAttrs["round"]}`, { from, params: t.params, value: t.value });
  }
  return final;
}

test("--storage: a study interrupted mid-round resumes in a new notebook from the members' kept weights, with the lineage of an uninterrupted run", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-pbt-"));
  try {
    const storage = join(dir, "pbt.jsonl");
    const cell = CELL(`--seed 5 --metric-fn error --direction minimize --storage ${storage} --name pop --out cut`);
    const errorMetric = (abortAt: number, abort: () => void) => {
      let calls = 0;
      return (yTrue: number[][], yPred: number[][]) => {
        if (++calls === abortAt) abort();
        return yTrue.reduce((sum, row, i) => sum + row.reduce((s, v, k) => s + Math.abs(v - yPred[i]![k]!), 0), 0) / yTrue.length;
      };
    };
    const whole = await irisNotebook();
    whole.context.assign("error", errorMetric(-1, () => undefined));
    await whole.run(CELL("--seed 5 --metric-fn error --direction minimize --out whole"));
    const reference = whole.context.lookup("whole") as NotebookStudy;

    const first = await irisNotebook();
    // The 12th metric call: the check's one, round 0's eight, then member 1's first epoch of round 1.
    first.context.assign("error", errorMetric(12, () => first.context.controller.abort(new Error("interrupted"))));
    await assert.rejects(first.run(cell), /interrupted/);
    const cut = first.context.lookup("cut") as NotebookStudy;
    const kept = cut.trials.filter((t) => t.state === "complete").map((t) => [t.number, t.params, t.value]);
    assert.ok(kept.length >= 5 && kept.length < 12, `${kept.length} member-rounds finished before the interrupt`);
    const stopped = cut.trials.find((t) => t.state === "failed")!;
    cut.dispose();
    // A process killed between enqueue and ask leaves a waiting trial in the journal, here with
    // another architecture than the member-round that trains again: the resumed search must not
    // take it for that member-round (it would copy weights into a model of another shape).
    const journal = await Study.create({ storage: JournalStorage.open(storage), studyName: "pop", direction: "minimize" });
    const stale = await journal.enqueue({ units: stopped.params["units"] === 16 ? 2 : 16, lr: 0.01 });

    const second = await irisNotebook();
    second.context.assign("error", errorMetric(-1, () => undefined));
    await second.run(cell);
    const resumed = second.context.lookup("cut") as NotebookStudy;
    assert.match(second.context.stdoutText(), /PBT resumes at round 1 \(1 of 4 members done in it; 1 interrupted member-round trains again\), members from their weights kept beside the journal, planned with the study's seed 5/);
    assert.deepEqual(resumed.trials.filter((t) => kept.some(([n]) => n === t.number)).map((t) => [t.number, t.params, t.value]), kept, "the finished member-rounds are kept as they were");
    const interrupted = resumed.trials.filter((t) => t.state === "failed" && t.number !== stale);
    assert.equal(interrupted.length, 1);
    assert.match(interrupted[0]!.error ?? "", /interrupted in round 1/);
    const left = resumed.trials.find((t) => t.number === stale)!;
    assert.equal(left.state, "failed", "the waiting trial left by the stopped search never trains");
    assert.match(left.error ?? "", /a waiting trial left by a search that stopped before starting it/);
    assert.equal(resumed.trials.filter((t) => t.state === "complete").length, 12, "every member-round is done once");
    const expected = finalLineage(reference.trials);
    const got = finalLineage(resumed.trials);
    assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort());
    for (const [key, want] of expected) {
      const { value: a, ...restA } = got.get(key) as { value: number };
      const { value: b, ...restB } = want as { value: number };
      assert.deepEqual(restA, restB, `member-round ${key}: same parent and parameters`);
      // The resumed members' Adam state is restored from data (β^t recomputed as a power): float32 rounding only.
      assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `member-round ${key}: ${a} vs ${b}`);
    }
    assert.ok(resumed.bestModel !== undefined, "the best member-round's model is kept");
    const files = readdirSync(join(`${storage}.pbt`, "pop")).sort();
    const last = resumed.trials.filter((t) => t.state === "complete" && t.userAttrs["round"] === 2).map((t) => `trial-${t.number}.json`);
    const bestFile = `trial-${resumed.bestTrial!.number}.json`;
    assert.deepEqual(files, [...new Set([...last, bestFile])].sort(), "only the last round's and the best member-round's weights are kept");
    resumed.dispose();
    reference.dispose();

    // Everything done: the same cell again only restores the best model.
    const third = await irisNotebook();
    third.context.assign("error", errorMetric(-1, () => undefined));
    await third.run(cell);
    assert.match(third.context.stdoutText(), /every round of this study is done already/);
    const again = third.context.lookup("cut") as NotebookStudy;
    assert.equal(again.trials.length, 14);
    assert.ok(again.bestModel !== undefined, "the best model comes back from its kept weights");
    again.dispose();

    const other = await irisNotebook();
    other.context.assign("error", errorMetric(-1, () => undefined));
    await assert.rejects(other.run(cell.replace("--population 4", "--population 3")), /ran 4 members in rounds of \[2, 2, 2\] epochs, but these options ask for 3 members/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("with worker threads: an interrupt between rounds keeps round 0, and the study resumes from --storage exactly as an uninterrupted run goes on", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tunelab-pbt-threads-"));
  try {
    const storage = join(dir, "pbt.jsonl");
    const cell = (out: string, extra = ""): string => CELL(`--seed 9 --workers 2 ${extra} --out ${out}`).replace("buildModel", "countedModel");
    /** A notebook whose builder counts its calls and runs `onCall` with the count. */
    const notebook = async (onCall: (calls: number, abort: () => void) => void) => {
      const book = await irisNotebook();
      const build = book.context.lookup("buildModel") as (params: Record<string, unknown>) => unknown;
      let calls = 0;
      book.context.assign("countedModel", (params: Record<string, unknown>) => {
        onCall(++calls, () => book.context.controller.abort(new Error("interrupted")));
        return build(params);
      });
      return book;
    };
    const whole = await notebook(() => undefined);
    await whole.run(cell("whole"));
    const reference = whole.context.lookup("whole") as NotebookStudy;
    assert.match(whole.context.stdoutText(), /PBT trains 2 member-rounds at once on worker threads/);

    // Builds: the check (1), the worker probe (2), round 0's four members (3–6), then round 1's first copy (7).
    const first = await notebook((calls, abort) => calls === 7 && abort());
    const before = first.tf.memory().numTensors;
    await assert.rejects(first.run(cell("cut", `--storage ${storage} --name pop`)), /interrupted/);
    const cut = first.context.lookup("cut") as NotebookStudy;
    assert.deepEqual(cut.trials.map((t) => [t.state, t.userAttrs["round"]]), [0, 1, 2, 3].map(() => ["complete", 0]), "round 0 is kept whole, round 1 never started");
    cut.dispose();
    assert.equal(first.tf.memory().numTensors, before, "no tensor leaked");

    const second = await notebook(() => undefined);
    await second.run(cell("cut", `--storage ${storage} --name pop`));
    assert.match(second.context.stdoutText(), /PBT resumes at round 1 \(0 of 4 members done in it\)/);
    const resumed = second.context.lookup("cut") as NotebookStudy;
    assert.deepEqual(lineage(resumed.trials), lineage(reference.trials), "the same member-rounds, parents and parameters");
    assert.deepEqual(resumed.trials.map((t) => t.value), reference.trials.map((t) => t.value), "the same values: members went on from their exact weights");
    resumed.dispose();
    reference.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--timeout stops starting member-rounds and keeps what finished", async () => {
  const { context, run } = await irisNotebook();
  await run(CELL("--seed 5 --timeout 0.000001 --out quick"));
  const study = context.lookup("quick") as NotebookStudy;
  assert.ok(study.trials.length < 12, `${study.trials.length} member-rounds`);
  assert.ok(study.trials.every((t) => t.state === "complete"));
  assert.match(context.stdoutText(), /--timeout 0.000001 s: no new member-round after round 0/);
  study.dispose();
});

test("a parameter marked mutable is perturbed; one that changes the architecture fails with a clear message", async () => {
  const { context, run } = await irisNotebook();
  await run(CELL("--seed 2 --out marked") + "\nwarmup: uniform(0, 1) mutable");
  const study = context.lookup("marked") as NotebookStudy;
  const copies = study.trials.filter((t) => t.userAttrs["parent"] !== null);
  assert.ok(copies.length > 0);
  for (const trial of copies) assert.deepEqual(Object.keys(trial.userAttrs["explored"] as object), ["lr", "warmup"]);
  study.dispose();
  const cell = `%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 4 --ready-epochs 2 --strategy pbt --population 4 --seed 2 --no-live --out wide
units: int(4, 12) mutable
lr: 0.05`;
  await assert.rejects(run(cell), /--strategy pbt: weight 0 .* has shape \[4, \d+\], but the member it copies has \[4, \d+\].*cannot be marked mutable/);
});

test("a population larger than a discrete space: members share points and train apart", async () => {
  const { context, run } = await irisNotebook();
  await run(`%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 2 --ready-epochs 1 --strategy pbt --population 5 --seed 1 --no-live --out few
units: [4, 8]
lr: [0.01, 0.05]`);
  const study = context.lookup("few") as NotebookStudy;
  assert.equal(study.trials.length, 10);
  assert.ok(study.trials.every((t) => t.state === "complete"));
  study.dispose();
});

test("the live table shows the member-rounds as they finish", async () => {
  const { context, run } = await irisNotebook();
  await run(`%%tune --model buildModel --data xTrain,yTrain --validation 0.25 --epochs 4 --ready-epochs 2 --strategy pbt --population 3 --seed 4 --out watched\n${SPACE}`);
  const updates = context.outputs.flatMap((o) => (o.kind === "update" ? [String(o.bundle["text/plain"])] : []));
  assert.ok(updates.length >= 1, "the live view updated in place");
  assert.match(updates[updates.length - 1]!, /6 of 6 trials done/);
  (context.lookup("watched") as NotebookStudy).dispose();
});

test("pbt option errors name what was expected", async () => {
  const { run } = await irisNotebook();
  const cell = (options: string, space = "lr: loguniform(1e-3, 1e-1)"): string => `%%tune --model buildModel --data xTrain,yTrain --no-live ${options}\n${space}`;
  await assert.rejects(run(cell("--strategy pbt --storage postgres://localhost/x")), /--strategy pbt keeps its members' weights beside a journal file to resume: give --storage a file, not a database/);
  await assert.rejects(run(cell("--strategy pbt --cv 3")), /--strategy pbt trains each member on one validation split; drop --cv/);
  await assert.rejects(run(cell("--strategy pbt --pruner asha")), /drop --pruner asha/);
  await assert.rejects(run(cell("--strategy pbt --population 1")), /--population must be at least 2/);
  await assert.rejects(run(cell("--strategy pbt --ready-epochs 0")), /--ready-epochs must be at least 1, got 0/);
  await assert.rejects(run(cell("--strategy random --population 4")), /--population is for --strategy pbt/);
  await assert.rejects(run(cell("--strategy random", "lr: loguniform(1e-3, 1e-1) mutable")), /"mutable" marks a parameter .* it needs --strategy pbt/);
  await assert.rejects(run(cell("--strategy pbt", "lr: hypergradient(1e-2)")), /hypergradient\(\.\.\.\) and --strategy pbt both change the learning rate/);
  await assert.rejects(run(cell("--strategy pbt", "lr: loguniform(1e-3, 1e-1)\nepochs: int(2, 5)")), /drop the searched epochs parameter/);
  await assert.rejects(run("%%tune --objective score --strategy pbt --no-live\nx: uniform(0, 1)"), /--strategy pbt trains a population of models: it needs --model/);
});

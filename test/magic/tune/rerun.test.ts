/**
 * Re-running a `%%tune` cell: the study its `--out` name held is disposed once the new search
 * starts (its kept model's tensors, its journal file), and a search that fails first leaves the
 * old binding as it was. Real training on the iris data, with worker threads and a journal.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NotebookStudy } from "../../../src/magic/tune";
import { irisNotebook, openFileCount, threadCount } from "./iris-notebook";

test("a %%tune cell re-run 20 times with a journal and --workers 2: tensors, open files and threads stay flat", async () => {
  const { context, tf, run } = await irisNotebook();
  const journal = join(mkdtempSync(join(tmpdir(), "tunelab-rerun-")), "study.jsonl");
  // Each run adds two trials to the journal's study (--trials counts the study's finished trials).
  const cell = (trials: number): string => `%%tune --model buildModel --data xTrain,yTrain --epochs 1 --workers 2 --trials ${trials} --seed 5 --storage ${journal} --out rerun
units: int(2, 6)
lr: loguniform(1e-2, 1e-1)`;
  await run(cell(2));
  const first = context.lookup("rerun");
  assert.ok(first instanceof NotebookStudy && first.bestModel !== undefined, "the first run keeps a model");
  const tensors = tf.memory().numTensors;
  const files = openFileCount();
  const threads = threadCount();
  for (let i = 2; i <= 20; i++) await run(cell(2 * i));
  const last = context.lookup("rerun");
  assert.ok(last instanceof NotebookStudy && last !== first);
  assert.equal(last.trials.length, 40, "every run added its trials to the one study");
  assert.ok(last.bestModel !== undefined, "the last run keeps its best model");
  assert.equal(first.bestModel, undefined, "the replaced study's model was disposed");
  assert.equal(tf.memory().numTensors, tensors, "one kept model's tensors, as after the first run");
  assert.equal(openFileCount(), files, "no descriptor more than after the first run (the journal opens its file per operation)");
  assert.equal(threadCount(), threads, "the pools' threads are gone");
  last.dispose();
  assert.ok(openFileCount() <= files, "disposing the last study leaves no descriptor of its own open");
});

test("a re-run that fails before its first trial leaves the old binding as it was", async () => {
  const { context, tf, run } = await irisNotebook();
  const journal = join(mkdtempSync(join(tmpdir(), "tunelab-rerun-")), "study.jsonl");
  const cell = `%%tune --model buildModel --data xTrain,yTrain --epochs 1 --trials 2 --seed 5 --storage ${journal} --out kept
lr: loguniform(1e-2, 1e-1)`;
  await run(cell);
  const kept = context.lookup("kept") as NotebookStudy;
  const model = kept.bestModel;
  assert.ok(model !== undefined);
  const tensors = tf.memory().numTensors;
  const files = openFileCount();
  const failing = [
    // bad input: an unknown builder, a bad space line, a storage that cannot open
    cell.replace("buildModel", "noSuchBuilder"),
    cell.replace("lr: loguniform(1e-2, 1e-1)", "lr: loguniform(1e-2"),
    cell.replace(journal, mkdtempSync(join(tmpdir(), "tunelab-dir-"))),
  ];
  for (const bad of failing) {
    await assert.rejects(run(bad));
    assert.equal(context.lookup("kept"), kept, bad);
    assert.equal(kept.bestModel, model, "the old study's model is untouched");
  }
  assert.equal(tf.memory().numTensors, tensors);
  assert.equal(openFileCount(), files, "the failed runs left no file open");
  assert.ok(model.predict(tf.zeros([1, 4])) !== undefined, "the old model still predicts");
  kept.dispose();
});

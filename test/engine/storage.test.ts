import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { after, describe, test } from "node:test";

import { categorical, floatDistribution, intDistribution } from "../../src/engine/distributions";
import { GridSampler } from "../../src/engine/samplers/grid";
import { JournalStorage } from "../../src/engine/storage/journal";
import { MemoryStorage } from "../../src/engine/storage/memory";
import { createStudy } from "../../src/engine/study";
import type { SearchSpace } from "../../src/engine/types";

const dir = mkdtempSync(join(tmpdir(), "tunelab-journal-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `journal-${files++}.jsonl`);

const space: SearchSpace = { lr: floatDistribution(1e-4, 1, { log: true }), act: categorical(["relu", "tanh", null]) };

describe("MemoryStorage", () => {
  test("assigns trial numbers in order, merges updates and names unknown studies and trials", async () => {
    const storage = new MemoryStorage();
    await storage.createStudy({ name: "s", direction: "minimize", createdAt: 0 });
    const base = { state: "running" as const, params: {}, distributions: {}, metrics: {}, intermediateValues: [], userAttrs: {} };
    assert.equal(await storage.createTrial("s", base), 0);
    assert.equal(await storage.createTrial("s", base), 1);
    await storage.updateTrial("s", 1, { params: { a: 1 }, intermediate: { step: 0, value: 5 } });
    await storage.updateTrial("s", 1, { params: { b: "x" }, intermediate: { step: 0, value: 6 }, state: "complete", value: 2 });
    const trial = (await storage.readTrials("s"))[1];
    assert.deepEqual(trial?.params, { a: 1, b: "x" });
    assert.deepEqual(trial?.intermediateValues, [{ step: 0, value: 5 }]);
    assert.equal(trial?.state, "complete");
    await assert.rejects(storage.readTrials("nope"), /no study named "nope" \(known: s\)/);
    await assert.rejects(storage.updateTrial("s", 7, {}), /study "s" has no trial 7 \(it has trials 0…1\)/);
  });
});

describe("JournalStorage", () => {
  test("a new process (a fresh open) replays the study: trials, numbering, intermediate values", async () => {
    const path = freshPath();
    const first = await createStudy({ storage: JournalStorage.open(path), studyName: "a", seed: 3 });
    await first.optimize(
      (trial) => {
        trial.report(1, 0);
        trial.setUserAttr("epochs", 1);
        return trial.params["lr"] as number;
      },
      { trials: 4, space },
    );
    await first.storage.close();
    const resumed = await createStudy({ storage: JournalStorage.open(path), studyName: "a", seed: 3 });
    assert.deepEqual(resumed.trials, first.trials);
    const next = await resumed.ask(space);
    assert.equal(next.number, 4, "numbering continues");
    await resumed.tell(next, 0.5);
    await resumed.storage.close();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    for (const line of lines) JSON.parse(line);
  });

  test("holds several studies in one file, each resumed by name, and checks the direction", async () => {
    const path = freshPath();
    const storage = JournalStorage.open(path);
    const a = await createStudy({ storage, studyName: "a" });
    const b = await createStudy({ storage, studyName: "b", direction: "maximize" });
    await a.optimize(() => 1, { trials: 2, space });
    await b.optimize(() => 2, { trials: 3, space });
    await a.optimize(() => 3, { trials: 1, space });
    await storage.close();
    const reopened = JournalStorage.open(path);
    assert.deepEqual((await reopened.listStudies()).sort(), ["a", "b"]);
    assert.equal((await reopened.readTrials("a")).length, 3);
    assert.equal((await reopened.readTrials("b")).length, 3);
    await assert.rejects(createStudy({ storage: reopened, studyName: "b" }), /stored with direction "maximize", but "minimize" was asked for/);
    // a different metric is named as the cause, before the direction it brings
    await createStudy({ storage: reopened, studyName: "c", direction: "maximize", metric: "val_acc" });
    await assert.rejects(
      createStudy({ storage: reopened, studyName: "c", direction: "minimize", metric: "val_loss" }),
      /^RangeError: study "c" is stored with metric "val_acc" \(maximize\), but "val_loss" \(minimize\) was asked for$/,
    );
    await reopened.close();
  });

  test("a resumed grid search carries on without repeating a point, and the sampler sees old trials", async () => {
    const path = freshPath();
    const grid: SearchSpace = { a: intDistribution(1, 3), b: categorical([true, false]) };
    const first = await createStudy({ storage: JournalStorage.open(path), studyName: "grid", sampler: new GridSampler({ seed: 2 }) });
    await first.optimize(() => 0, { trials: 4, space: grid });
    await first.storage.close();
    const second = await createStudy({ storage: JournalStorage.open(path), studyName: "grid", sampler: new GridSampler({ seed: 2 }) });
    const summary = await second.optimize(() => 0, { trials: 10, space: grid });
    assert.equal(summary.trialsRun, 2);
    assert.equal(summary.stopReason, "exhausted");
    assert.equal(new Set(second.trials.map((t) => JSON.stringify(t.params))).size, 6);
    await second.storage.close();
  });

  test("two storage objects of one file in one process see each other's lines and take numbers from the file", async () => {
    // Two processes at once: journal-processes.test.ts.
    const path = freshPath();
    const first = JournalStorage.open(path);
    const second = JournalStorage.open(path);
    await first.createStudy({ name: "shared", direction: "minimize", createdAt: 0 });
    const base = { state: "running" as const, params: {}, distributions: {}, metrics: {}, intermediateValues: [], userAttrs: {} };
    assert.equal(await first.createTrial("shared", base), 0);
    assert.equal(await second.createTrial("shared", base), 1, "the second writer read the first's trial before numbering");
    assert.equal(await first.createTrial("shared", base), 2);
    await second.updateTrial("shared", 2, { state: "complete", value: 4 });
    assert.equal((await first.readTrials("shared"))[2]?.value, 4);
    // A study whose cache is behind takes its trial's number from the file, after the other writer's.
    const study = await createStudy({ storage: first, studyName: "shared" });
    await second.createTrial("shared", base);
    const trial = await study.ask(space);
    assert.equal(trial.number, 4);
    await study.tell(trial, 1);
    // Trials 0, 1 and 3 belong to open storage objects: the study's resume left them running.
    assert.deepEqual(
      (await second.readTrials("shared")).map((t) => t.state),
      ["running", "running", "complete", "running", "complete"],
    );
    await first.close();
    await second.close();
    const replayed = JournalStorage.open(path);
    assert.equal((await replayed.readTrials("shared")).length, 5);
    assert.equal(replayed.replay.lines, 9); // study, 5 trials, trial 2's result, trial 4's parameters and result
    await replayed.close();
  });

  test("a torn last line is ignored and cut off; later appends start on a clean line", async () => {
    const path = freshPath();
    const study = await createStudy({ storage: JournalStorage.open(path), studyName: "t" });
    await study.optimize(() => 1, { trials: 2, space });
    await study.storage.close();
    const clean = readFileSync(path, "utf8");
    appendFileSync(path, '{"op":"updateTrial","study":"t","number":1,"upd');
    const reopened = JournalStorage.open(path);
    assert.ok(reopened.replay.tornBytes > 0);
    assert.equal(readFileSync(path, "utf8"), clean, "the torn tail is cut");
    const resumed = await createStudy({ storage: reopened, studyName: "t" });
    assert.equal(resumed.trials.length, 2);
    await resumed.optimize(() => 2, { trials: 1, space });
    await reopened.close();
    const again = JournalStorage.open(path);
    assert.equal(again.replay.tornBytes, 0);
    assert.equal((await again.readTrials("t")).length, 3);
    await again.close();
  });

  test("a malformed line before the end is reported as corruption with its line number", async () => {
    const path = freshPath();
    const study = await createStudy({ storage: JournalStorage.open(path), studyName: "c" });
    await study.optimize(() => 1, { trials: 1, space });
    await study.storage.close();
    const lines = readFileSync(path, "utf8").split("\n");
    lines.splice(1, 0, "not json");
    writeFileSync(path, lines.join("\n"));
    assert.throws(() => JournalStorage.open(path), /line 2 is not a journal record \(the file is corrupt\): "not json"/);
  });

  test("a file that is not a journal is refused and left as it was, one line or many", async () => {
    for (const text of ["my notes\n", "my notes", "150,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n", '{"note": "json, not a journal"}\n']) {
      const path = freshPath();
      writeFileSync(path, text);
      assert.throws(() => JournalStorage.open(path), /is not a tunelab journal \(its first line is not a journal record: "/, JSON.stringify(text));
      assert.equal(readFileSync(path, "utf8"), text, `${JSON.stringify(text)} is not cut`);
    }
  });

  test("a journal whose only line was torn by a killed writer opens empty, the fragment cut", async () => {
    const path = freshPath();
    writeFileSync(path, '{"op":"createSt');
    const storage = JournalStorage.open(path);
    assert.equal(storage.replay.tornBytes, 15);
    assert.equal(readFileSync(path, "utf8"), "");
    await storage.close();
  });

  test("a writer killed mid-study loses nothing it told; the resumed study fails the trial left running", async () => {
    const path = freshPath();
    const script = join(__dirname, "fixtures", `journal-writer${extname(__filename)}`);
    const child = spawn(process.execPath, [...process.execArgv, script, path, "killed"], { stdio: ["ignore", "pipe", "pipe"] });
    const told = new Map<number, number>();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      let buffer = "";
      child.on("exit", (code, signal) => (signal === "SIGKILL" ? resolve() : reject(new Error(`writer exited early (${code}): ${stderr}`))));
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop() as string;
        for (const line of lines) {
          const [, number, value] = line.split(" ");
          told.set(Number(number), Number(value));
        }
        if (told.size >= 25 && child.exitCode === null && !child.killed) child.kill("SIGKILL");
      });
    });
    assert.ok(told.size >= 25);
    const storage = JournalStorage.open(path);
    const study = await createStudy({ storage, studyName: "killed", seed: 1 });
    for (const [number, value] of told) {
      const trial = study.trials[number];
      assert.equal(trial?.state, "complete", `trial ${number} was told, so it must be complete`);
      assert.equal(trial?.value, value);
      assert.equal(trial?.intermediateValues.length, 3);
    }
    const unfinished = study.trials.filter((t) => t.state !== "complete");
    assert.ok(unfinished.length <= 1, "at most the trial in flight is unfinished");
    for (const trial of unfinished) {
      assert.equal(trial.state, "failed");
      assert.match(trial.error ?? "", /stopped before telling its result/);
    }
    const count = study.trials.length;
    assert.ok(count >= Math.max(...told.keys()) + 1);
    const next = await study.ask();
    assert.equal(next.number, count, "numbering continues after the last trial");
    await storage.close();
  });
});

/**
 * The journal off the happy path: files damaged by tunelab before the journal lock, lock files
 * left by dead, live and far-away processes, and running trials of live, dead and silent processes.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";

import { floatDistribution } from "../../src/engine/distributions";
import { JournalStorage } from "../../src/engine/storage/journal";
import { StorageError } from "../../src/engine/storage/memory";
import { processStart } from "../../src/engine/storage/journal-lock";
import { createStudy } from "../../src/engine/study";
import type { Trial } from "../../src/engine/trial";
import type { SearchSpace } from "../../src/engine/types";

const dir = mkdtempSync(join(tmpdir(), "tunelab-journal-damage-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `journal-${files++}.jsonl`);
const space: SearchSpace = { x: floatDistribution(0, 1) };

const study = (name: string) => JSON.stringify({ op: "createStudy", record: { name, direction: "minimize", createdAt: 0 } });
const created = (name: string, number: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    op: "createTrial",
    study: name,
    number,
    trial: { state: "running", params: {}, distributions: {}, metrics: {}, intermediateValues: [], userAttrs: {}, startedAt: Date.now() },
    ...extra,
  });
const completed = (name: string, number: number, value: number) =>
  JSON.stringify({ op: "updateTrial", study: name, number, update: { state: "complete", value, completedAt: 1 } });

/** A process that lives until killed, and its pid. */
function liveProcess(): { pid: number; stop: () => void } {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  return { pid: child.pid as number, stop: () => child.kill("SIGKILL") };
}

/** When process `pid` started (it must exist, on Linux). */
function started(pid: number): number {
  const ticks = processStart(pid);
  assert.ok(ticks !== undefined, `no start time for pid ${pid}`);
  return ticks;
}

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid as number;
}

describe("journal damaged before the lock", () => {
  test("a duplicate trial number opens with a report of the line set aside; the study carries on", async () => {
    const path = freshPath();
    const lines = [study("d"), created("d", 0), completed("d", 0, 1), created("d", 1), created("d", 1), completed("d", 1, 2)];
    writeFileSync(path, `${lines.join("\n")}\n`);
    const storage = JournalStorage.open(path);
    assert.equal(storage.replay.setAside.length, 1);
    assert.match(storage.replay.setAside[0] ?? "", /^line 5: creates trial 1 of "d", which line 4 already created .*set aside/);
    const resumed = await createStudy({ storage, studyName: "d" });
    assert.deepEqual(resumed.trials.map((t) => [t.number, t.state, t.value]), [
      [0, "complete", 1],
      [1, "complete", 2],
    ]);
    const next = await resumed.ask(space);
    assert.equal(next.number, 2);
    await resumed.tell(next, 3);
    await storage.close();
    const again = JournalStorage.open(path);
    assert.equal(again.replay.setAside.length, 1, "the damage stays in the file and is reported again");
    assert.equal((await again.readTrials("d")).length, 3);
    await again.close();
  });

  test("a torn fragment with a whole line glued after it: the fragment is skipped and reported, the line kept", async () => {
    const path = freshPath();
    const fragment = '{"op":"updateTrial","study":"g","numb';
    writeFileSync(path, `${[study("g"), created("g", 0), `${fragment}${completed("g", 0, 5)}`, created("g", 1)].join("\n")}\n`);
    const storage = JournalStorage.open(path);
    assert.deepEqual(storage.replay.setAside, [
      `line 3: skipped ${fragment.length} bytes of a torn write (a writer killed mid-line) that the next line was glued to; the line itself was applied`,
    ]);
    const trials = await storage.readTrials("g");
    assert.deepEqual(trials.map((t) => [t.state, t.value]), [
      ["complete", 5],
      ["running", undefined],
    ]);
    await storage.close();
  });
});

describe("journal edited by hand", () => {
  test("a last line that is a whole record without its newline is kept, its line ended, and the study goes on", async () => {
    const path = freshPath();
    writeFileSync(path, [study("n"), created("n", 0), completed("n", 0, 0.25)].join("\n"));
    const storage = JournalStorage.open(path);
    assert.equal(storage.replay.tornBytes, 0);
    const resumed = await createStudy({ storage, studyName: "n" });
    assert.deepEqual(resumed.trials.map((trial) => [trial.state, trial.value]), [["complete", 0.25]]);
    await resumed.optimize((trial) => trial.suggestFloat("x", 0, 1), { trials: 1 });
    await storage.close();
    const lines = readFileSync(path, "utf8").split("\n");
    assert.equal(lines[2], completed("n", 0, 0.25), "the record was kept whole");
    const reread = await createStudy({ storage: JournalStorage.open(path), studyName: "n" });
    assert.deepEqual(reread.trials.map((trial) => trial.state), ["complete", "complete"]);
    await reread.storage.close();
  });
});

describe("a journal path that is not a regular file", () => {
  test("a named pipe, a device and a folder are refused naming what they are; a pipe no longer hangs the process", () => {
    const fifo = freshPath();
    execFileSync("mkfifo", [fifo]);
    const open = (path: string) =>
      // In a child process with a time limit: opening a FIFO to append blocks beyond any timer.
      spawnSync(process.execPath, ["-e", `try { require(${JSON.stringify(require.resolve("../../src/engine/storage/journal"))}).JournalStorage.open(${JSON.stringify(path)}); console.log("opened"); } catch (e) { console.log(e.message); }`], {
        encoding: "utf8",
        timeout: 30_000,
      });
    const cases: Array<[string, string]> = [
      [fifo, "a named pipe (FIFO)"],
      ["/dev/null", "a device"],
      [dir, "a folder"],
    ];
    for (const [path, kind] of cases) {
      const child = open(path);
      assert.equal(child.signal, null, `${path}: the open hung`);
      assert.equal(child.stdout.trim(), `${path} is ${kind}: a journal must be a regular file (name a new file, or a journal a search wrote)`);
    }
  });
});

describe("journal lock", () => {
  test("a lock left by a process of this host that is gone is broken, and the operation goes on", async () => {
    const path = freshPath();
    writeFileSync(`${path}.lock`, JSON.stringify({ host: hostname(), pid: await deadPid(), thread: 0, token: "old" }));
    const storage = JournalStorage.open(path);
    await storage.createStudy({ name: "s", direction: "minimize", createdAt: 0 });
    assert.equal(existsSync(`${path}.lock`), false, "the lock is released after the operation");
    assert.deepEqual(await storage.listStudies(), ["s"]);
    await storage.close();
  });

  test("a lock whose pid now names another process (started at another time) is broken at once", async () => {
    const path = freshPath();
    const other = liveProcess();
    try {
      writeFileSync(`${path}.lock`, JSON.stringify({ host: hostname(), pid: other.pid, thread: 0, token: "reused", started: started(other.pid) + 1 }));
      const storage = JournalStorage.open(path, { waitLimitMs: 60_000 });
      await storage.createStudy({ name: "s", direction: "minimize", createdAt: 0 });
      assert.equal(existsSync(`${path}.lock`), false);
      await storage.close();
    } finally {
      other.stop();
    }
  });

  test("a lock of another pid namespace (a container of the same host name) is not judged by pid", async () => {
    const path = freshPath();
    // Its pid is dead here, and may even be this process's own pid: neither says anything there.
    for (const pid of [await deadPid(), process.pid]) {
      writeFileSync(`${path}.lock`, JSON.stringify({ host: hostname(), pid, thread: 0, token: "boxed", pidNamespace: "pid:[1]" }));
      const storage = JournalStorage.open(path, { waitLimitMs: 300 });
      await assert.rejects(storage.createStudy({ name: "s", direction: "minimize", createdAt: 0 }), new RegExp(`held for over 300 ms by pid ${pid} on host`));
      await storage.close();
    }
  });

  test("a lock of another host is broken once older than the grace period, not before", async () => {
    const path = freshPath();
    const lock = `${path}.lock`;
    writeFileSync(lock, JSON.stringify({ host: "elsewhere.invalid", pid: 1, thread: 0, token: "far" }));
    const waiting = JournalStorage.open(path, { waitLimitMs: 300 });
    await assert.rejects(
      waiting.createStudy({ name: "s", direction: "minimize", createdAt: 0 }),
      /the journal lock .*\.lock has been held for over 300 ms by pid 1 on host "elsewhere\.invalid"; if no tunelab process is using the journal, delete the lock file/,
    );
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(lock, old, old);
    await waiting.createStudy({ name: "s", direction: "minimize", createdAt: 0 });
    assert.equal(existsSync(lock), false);
    await waiting.close();
  });

  test("a live holder on this host is waited for, and named when the wait is given up", async () => {
    const path = freshPath();
    const holder = liveProcess();
    try {
      writeFileSync(`${path}.lock`, JSON.stringify({ host: hostname(), pid: holder.pid, thread: 0, token: "live" }));
      const storage = JournalStorage.open(path, { waitLimitMs: 300 });
      await assert.rejects(storage.createStudy({ name: "s", direction: "minimize", createdAt: 0 }), new RegExp(`held for over 300 ms by pid ${holder.pid} on host`));
      assert.equal(existsSync(`${path}.lock`), true, "a live holder's lock is left alone");
      await storage.close();
    } finally {
      holder.stop();
    }
  });
});

describe("journal deleted while in use", () => {
  test("the search stops with an error naming the journal; no new file is made; the trials told stay in memory", async () => {
    const path = freshPath();
    const storage = JournalStorage.open(path);
    const study = await createStudy({ storage, studyName: "gone" });
    const objective = (trial: Trial): number => {
      const x = trial.suggestFloat("x", 0, 1);
      if (trial.number === 3) rmSync(path);
      return x;
    };
    await assert.rejects(
      study.optimize(objective, { trials: 6 }),
      (error: unknown) => error instanceof StorageError && error.message.startsWith(`the journal ${path} is gone: it was deleted or moved while in use`),
    );
    assert.equal(existsSync(path), false, "a journal without the study's creation would have been started");
    assert.deepEqual(study.trials.slice(0, 3).map((trial) => trial.state), ["complete", "complete", "complete"]);
    await storage.close();
  });
});

describe("running trials when a study opens", () => {
  test("only trials whose process is gone are failed: live on this host and recently heard from elsewhere stay running", async () => {
    const path = freshPath();
    const live = liveProcess();
    try {
      const long = Date.now() - 600_000;
      const owner = (host: string, pid: number) => ({ owner: { host, pid, thread: 0, token: "t" } });
      const lines = [
        study("o"),
        created("o", 0, owner(hostname(), live.pid)),
        created("o", 1, owner(hostname(), await deadPid())),
        JSON.stringify({ ...JSON.parse(created("o", 2, owner("elsewhere.invalid", 5))), trial: { ...JSON.parse(created("o", 2)).trial, startedAt: long } }),
        JSON.stringify({ ...JSON.parse(created("o", 3, owner("elsewhere.invalid", 6))), trial: { ...JSON.parse(created("o", 3)).trial, startedAt: long } }),
        JSON.stringify({ op: "heartbeat", study: "o", numbers: [3], at: Date.now() }),
        created("o", 4), // written before trials recorded their process
        // The live process's pid, once with its start time, once with another (a reused pid).
        created("o", 5, { owner: { ...owner(hostname(), live.pid).owner, started: started(live.pid) } }),
        created("o", 6, { owner: { ...owner(hostname(), live.pid).owner, started: started(live.pid) - 1 } }),
        // Another pid namespace (a container of the same host name), recently started: its pid says nothing here.
        created("o", 7, { owner: { ...owner(hostname(), await deadPid()).owner, pidNamespace: "pid:[1]" } }),
        created("o", 8, { owner: { ...owner(hostname(), process.pid).owner, pidNamespace: "pid:[1]" } }),
      ];
      writeFileSync(path, `${lines.join("\n")}\n`);
      const storage = JournalStorage.open(path);
      const resumed = await createStudy({ storage, studyName: "o" });
      assert.deepEqual(resumed.trials.map((t) => t.state), ["running", "failed", "failed", "running", "failed", "running", "failed", "running", "running"]);
      assert.match(resumed.trials[6]?.error ?? "", new RegExp(`the process running this trial \\(pid ${live.pid} on host ".*"\\) stopped before telling its result$`));
      assert.match(resumed.trials[1]?.error ?? "", /the process running this trial \(pid \d+ on host ".*"\) stopped before telling its result$/);
      assert.match(resumed.trials[2]?.error ?? "", /pid 5 on host "elsewhere\.invalid"\) stopped before telling its result: no heartbeat for over 60 s/);
      assert.match(resumed.trials[4]?.error ?? "", /found running on resume/);
      await assert.rejects(storage.updateTrial("o", 1, { state: "complete", value: 1 }), /trial 1 of study "o" is already failed/);
      await storage.close();
    } finally {
      live.stop();
    }
  });

  test("a trial of this process whose storage was closed (a re-run cell) is failed when the study opens again", async () => {
    const path = freshPath();
    const first = await createStudy({ storage: JournalStorage.open(path), studyName: "c" });
    const abandoned = await first.ask(space);
    await first.storage.close();
    const second = await createStudy({ storage: JournalStorage.open(path), studyName: "c" });
    assert.equal(second.trials[abandoned.number]?.state, "failed");
    assert.match(second.trials[abandoned.number]?.error ?? "", new RegExp(`\\(pid ${process.pid} on host`));
    assert.match(readFileSync(path, "utf8"), /"op":"updateTrial".*"state":"failed"/);
    await second.storage.close();
  });
});

/**
 * Several real processes on one journal file: they run one study together, and a process killed
 * (SIGKILL, at random points, several times) loses nothing it told and harms nobody else.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { after, describe, test } from "node:test";

import { createRng } from "../../src/common/random";
import { JournalStorage } from "../../src/engine/storage/journal";
import { createStudy } from "../../src/engine/study";

const dir = mkdtempSync(join(tmpdir(), "tunelab-journal-procs-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const script = join(__dirname, "fixtures", `journal-writer${extname(__filename)}`);

/** A journal-writer child process (see the fixture) and what it printed. */
class Writer {
  readonly child: ChildProcess;
  readonly told = new Map<number, number>();
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly ready: Promise<void>;
  stderr = "";
  stdout = "";
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(path: string, study: string, trials: number, delayMs: number) {
    this.child = spawn(process.execPath, [...process.execArgv, script, path, study, String(trials)], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, JOURNAL_WRITER_DELAY_MS: String(delayMs), JOURNAL_WRITER_FSYNC: "0" },
    });
    this.exit = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
    let readyResolve: () => void = () => undefined;
    this.ready = new Promise((resolve) => (readyResolve = resolve));
    this.child.stderr?.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    let buffer = "";
    this.child.stdout?.on("data", (chunk: Buffer) => {
      this.stdout += chunk.toString();
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() as string;
      for (const line of lines) {
        const [word, number, value] = line.split(" ");
        if (word === "ready") readyResolve();
        if (word === "told") this.told.set(Number(number), Number(value));
      }
      this.waiters = this.waiters.filter((waiter) => (this.told.size >= waiter.count ? (waiter.resolve(), false) : true));
    });
    void this.exit.then(() => {
      readyResolve();
      for (const waiter of this.waiters) waiter.resolve();
    });
  }

  /** Lets the writer start its trials. */
  go(): void {
    this.child.stdin?.end("go\n");
  }

  /** Resolves once the writer has told `count` trials (or has exited). */
  toldAtLeast(count: number): Promise<void> {
    if (this.told.size >= count || this.child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async expectSuccess(name: string): Promise<void> {
    const { code, signal } = await this.exit;
    assert.equal(code, 0, `${name} (pid ${this.child.pid}) exited with ${code ?? signal}: ${this.stderr}`);
    assert.match(this.stdout, /done (trials|exhausted)/, `${name} finished its search`);
  }
}

/** The createTrial numbers of `study` in the journal file, in file order. */
function createdNumbers(path: string, study: string): number[] {
  return readFileSync(path, "utf8")
    .trimEnd()
    .split("\n")
    .map((raw) => JSON.parse(raw) as { op: string; study?: string; number?: number })
    .filter((line) => line.op === "createTrial" && line.study === study)
    .map((line) => line.number as number);
}

/** Opens the journal in this process, checks numbering and told trials, and returns the trials. */
async function checkJournal(path: string, study: string, writers: readonly Writer[], finished: number) {
  const storage = JournalStorage.open(path);
  try {
    assert.deepEqual(storage.replay.setAside, [], "nothing set aside");
    assert.equal(storage.replay.tornBytes, 0, "a killed writer's torn line was cut by the next writer");
    const resumed = await createStudy({ storage, studyName: study, seed: 1 });
    const numbers = createdNumbers(path, study);
    assert.deepEqual(numbers, numbers.map((_, index) => index), "trial numbers are unique and consecutive in the file");
    resumed.trials.forEach((trial, index) => assert.equal(trial.number, index));
    for (const writer of writers) {
      for (const [number, value] of writer.told) {
        const trial = resumed.trials[number];
        assert.equal(trial?.state, "complete", `trial ${number} was told by pid ${writer.child.pid}, so it must be complete`);
        assert.equal(trial?.value, value);
        assert.equal(trial?.intermediateValues.length, 3);
      }
    }
    assert.equal(resumed.trials.filter((t) => t.state === "complete").length, finished, "--trials counts the study's finished trials");
    assert.ok(!resumed.trials.some((t) => t.state === "running" || t.state === "waiting"));
    return resumed.trials;
  } finally {
    await storage.close();
  }
}

describe("journal shared by processes", () => {
  test("two writers in two processes at once run one study together and never collide on trial numbers", async () => {
    const path = join(dir, "together.jsonl");
    const writers = [new Writer(path, "shared", 60, 0), new Writer(path, "shared", 60, 0)];
    await Promise.all(writers.map((writer) => writer.ready));
    for (const writer of writers) writer.go();
    await writers[0]?.expectSuccess("first writer");
    await writers[1]?.expectSuccess("second writer");
    const trials = await checkJournal(path, "shared", writers, 60);
    assert.deepEqual(trials.filter((t) => t.state === "failed"), [], "nobody died, so no trial failed");
    for (const writer of writers) assert.ok(writer.told.size > 0, `pid ${writer.child.pid} took part (told ${writer.told.size})`);
  });

  test("one of two writers SIGKILLed at random points and restarted: nothing told lost, the survivor's trials untouched", async (t) => {
    const path = join(dir, "killed.jsonl");
    const rng = createRng(12, "journal-kills");
    // The survivor's trials are slower, so that most of the restarts happen while it works.
    const survivor = new Writer(path, "s", 200, 15);
    await survivor.ready;
    survivor.go();
    const victims: Writer[] = [];
    let killedWhileSurvivorRan = 0;
    for (let round = 0; round < 5; round++) {
      const victim = new Writer(path, "s", 200, 0);
      victims.push(victim);
      await victim.ready;
      victim.go();
      await victim.toldAtLeast(rng.int(15));
      if (survivor.child.exitCode === null) killedWhileSurvivorRan += 1;
      victim.child.kill("SIGKILL");
      const { signal, code } = await victim.exit;
      assert.ok(signal === "SIGKILL" || code === 0, `victim ${round} ended by the kill or by finishing: ${victim.stderr}`);
    }
    const last = new Writer(path, "s", 200, 0);
    await last.ready;
    last.go();
    await last.expectSuccess("restarted writer");
    await survivor.expectSuccess("survivor");
    t.diagnostic(`${killedWhileSurvivorRan} of 5 kills while the survivor ran; survivor told ${survivor.told.size}`);

    const trials = await checkJournal(path, "s", [survivor, ...victims, last], 200);
    const victimPids = new Set(victims.map((victim) => victim.child.pid));
    const failed = trials.filter((trial) => trial.state === "failed");
    assert.ok(failed.length <= victims.length, `at most one running trial per killed writer failed (${failed.length})`);
    for (const trial of failed) {
      const pid = Number(/\(pid (\d+) on host/.exec(trial.error ?? "")?.[1]);
      assert.ok(victimPids.has(pid), `trial ${trial.number} was failed for a killed writer, not the survivor: ${trial.error}`);
    }
  });
});

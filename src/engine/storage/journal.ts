/**
 * An append-only journal file: one JSON line per change to any study in it. Opening the file
 * replays every line to rebuild the studies, so a new process resumes a study by name. A line is
 * written (and by default fsync-ed) before the operation resolves, so whatever was told survives a
 * crash of the process.
 *
 * Several processes may use one journal at once (on one machine, or on one NFS share), like
 * workers on PostgreSQL: it is a {@link SharedStudyStorage}.
 * - Every write happens under an inter-process lock (`<journal>.lock`, see `journal-lock.ts`):
 *   catch up on the lines others appended, check, append one whole line in one write, release.
 *   Trial numbers therefore never collide, and a waiting trial is handed to one process only.
 * - A running trial's line records its process (host, pid, thread, storage token); the process
 *   heartbeats it every `heartbeatIntervalMs`. A running trial is failed (when a study is opened,
 *   and before every ask) only when its process is gone: on this host and pid namespace, no such
 *   process (or its pid now names a process that started at another time, or a closed storage
 *   object of this process); on another host or pid namespace (a container of the same host name), no heartbeat for
 *   `staleTrialTimeoutMs` (by this host's clock, so hosts' clocks should agree). Unlike the
 *   PostgreSQL storage, its parameters are not enqueued again. A change to a trial that is over
 *   is refused with a {@link StaleTrialError}.
 * - A torn last line (a writer killed mid-line) is skipped on replay, reported (`replay.tornBytes`,
 *   the log) and cut off under the lock before the next append, never glued to. A last line that
 *   is a whole record without its newline (an editor dropped it) is kept: its newline is added. Only the start of
 *   a journal line (`{"op":"…`) counts as torn: a file holding anything else is refused, never cut
 *   (a user's CSV or notes named by mistake). A malformed line
 *   elsewhere is corruption and stops the replay with its line number, except a torn fragment
 *   with a whole line glued after it (written by tunelab before the lock), whose line is kept.
 * - A write that fails (a full disk, an I/O error) is taken back to the last whole line under the
 *   lock, and the operation fails with a {@link StorageError} naming the journal and what was not
 *   kept; so does failing to write the lock's own file. What was written before stays readable.
 * - A path that is not a regular file (a named pipe, whose open would block forever; a device
 *   that would swallow every line; a folder) is refused, naming what it is.
 * - A journal deleted or moved while in use is an error naming it, and is not created anew
 *   (its next lines would change trials of a study the new file does not have).
 * - A journal damaged by tunelab before the lock (two lines creating one trial number) opens:
 *   the second creation is set aside and reported in `replay.setAside` and the log.
 *
 * Line format: `{"op":"createStudy","record":{…}}`, `{"op":"createTrial","study":"…","number":n,"trial":{…},"owner":{…}}`,
 * `{"op":"updateTrial","study":"…","number":n,"update":{…}}`, `{"op":"heartbeat","study":"…","numbers":[…],"at":ms}`.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, statSync, writeSync, type Stats } from "node:fs";

import { messageOf } from "../../common/errors";
import { log } from "../../common/log";
import { isFinished, isTerminal } from "../search-space";
import type { FrozenTrial } from "../types";
import { describeProcess, isGone, JournalLock, newIdentity, retireToken, type JournalLockOptions, type ProcessIdentity } from "./journal-lock";
import { JournalState, type JournalLine } from "./journal-state";
import { StorageError } from "./memory";
import { newTrial, StaleTrialError } from "./storage";
import type { NewTrial, SharedStudyStorage, StartTrialRequest, StudyRecord, TrialChanges, TrialUpdate } from "./storage";

/** How every journal line starts (see the line format above). */
const LINE_START = '{"op":"';

/** What a journal line records, for the message of a write that failed. */
function describeLine(line: JournalLine): string {
  switch (line.op) {
    case "createStudy":
      return `the new study "${line.record.name}"`;
    case "createTrial":
      return `the new trial ${line.number} of "${line.study}"`;
    case "updateTrial": {
      const { state, intermediate } = line.update;
      const trial = `trial ${line.number} of "${line.study}"`;
      if (state !== undefined) return `${trial} becoming ${state}`;
      if (intermediate !== undefined) return `the intermediate value of ${trial} at step ${intermediate.step}`;
      return `a change of ${trial} (${Object.keys(line.update).join(", ")})`;
    }
    case "heartbeat":
      return `a heartbeat of "${line.study}"`;
  }
}

/**
 * Refuses a path that exists and is not a regular file: opening a named pipe (FIFO) to append
 * blocks until a reader comes, hanging the process beyond any interrupt, and a device such as
 * /dev/null would swallow every line.
 */
function refuseNonFile(path: string): void {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // a new journal
    throw error;
  }
  if (stats.isFile()) return;
  const kind = stats.isDirectory()
    ? "a folder"
    : stats.isFIFO()
      ? "a named pipe (FIFO)"
      : stats.isCharacterDevice() || stats.isBlockDevice()
        ? "a device"
        : stats.isSocket()
          ? "a socket"
          : "not a regular file";
  throw new StorageError(`${path} is ${kind}: a journal must be a regular file (name a new file, or a journal a search wrote)`);
}

/** Whether `text` may be a journal line cut short by a killed writer: a start of one. */
function couldBeTornLine(text: string): boolean {
  return text.startsWith(LINE_START) || LINE_START.startsWith(text);
}

/** Options of {@link JournalStorage.open}. */
export interface JournalOptions extends JournalLockOptions {
  /** fsync after every line (default true): survives a machine crash, not only a process crash. */
  readonly fsync?: boolean;
  /** How often a study heartbeats its running trials, in ms (default 5000). */
  readonly heartbeatIntervalMs?: number;
  /**
   * A running trial of a process on another host with no heartbeat for this long (ms) is failed
   * (default 60 000). Trials of this host are failed as soon as their process is gone.
   */
  readonly staleTrialTimeoutMs?: number;
}

/** What the replay at open found. */
export interface ReplayReport {
  /** Lines applied. */
  readonly lines: number;
  /** Bytes of a torn last line that were skipped and cut off (0 when the file ended cleanly). */
  readonly tornBytes: number;
  /** Lines set aside or repaired (a duplicate trial number, a glued torn fragment), with their line numbers. */
  readonly setAside: readonly string[];
}

/** A study storage in an append-only JSON-lines file, shared safely by several processes. */
export class JournalStorage implements SharedStudyStorage {
  readonly path: string;
  readonly heartbeatIntervalMs: number;
  readonly staleTrialTimeoutMs: number;
  private readonly state: JournalState;
  private readonly fsync: boolean;
  private readonly me: ProcessIdentity;
  private readonly lock: JournalLock;
  private closed = false;
  /** Bytes of the file already applied to `state` (always a line boundary). */
  private known = 0;
  /** Lines of the file read so far (applied or set aside). */
  private lineNumber = 0;
  private report: ReplayReport = { lines: 0, tornBytes: 0, setAside: [] };

  private constructor(path: string, options: JournalOptions) {
    this.path = path;
    this.fsync = options.fsync ?? true;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5000;
    this.staleTrialTimeoutMs = options.staleTrialTimeoutMs ?? 60_000;
    if (!(this.staleTrialTimeoutMs > this.heartbeatIntervalMs)) {
      throw new RangeError(`staleTrialTimeoutMs (${this.staleTrialTimeoutMs}) must exceed heartbeatIntervalMs (${this.heartbeatIntervalMs}), or live trials would be failed`);
    }
    this.state = new JournalState(path);
    this.me = newIdentity();
    this.lock = new JournalLock(`${path}.lock`, this.me, options);
  }

  /**
   * Opens (creating if absent) the journal at `path` and replays it. A torn tail is cut under the
   * lock; lines set aside are logged and listed in {@link replay}.
   */
  static open(path: string, options: JournalOptions = {}): JournalStorage {
    refuseNonFile(path);
    const storage = new JournalStorage(path, options);
    try {
      closeSync(openSync(path, "a"));
      const lines = storage.catchUp(false);
      let tornBytes = 0;
      let applied = lines.applied;
      if (storage.unread() > 0) {
        const more = storage.lock.runSync(() => storage.catchUp(true));
        tornBytes = more.cut;
        applied += more.applied;
      }
      const setAside = [...storage.state.setAside];
      storage.report = { lines: applied, tornBytes, setAside };
      for (const entry of setAside) log(`journal ${path}: ${entry}`);
    } catch (error) {
      retireToken(storage.me.token);
      throw error;
    }
    return storage;
  }

  /** What the replay at open found. */
  get replay(): ReplayReport {
    return this.report;
  }

  async createStudy(record: StudyRecord): Promise<StudyRecord> {
    return this.locked(() => {
      if (!this.state.hasStudy(record.name)) this.append({ op: "createStudy", record });
      return this.state.record(record.name);
    });
  }

  async loadStudy(name: string): Promise<StudyRecord | undefined> {
    this.catchUp(false);
    return this.state.hasStudy(name) ? this.state.record(name) : undefined;
  }

  async listStudies(): Promise<string[]> {
    this.catchUp(false);
    return this.state.studyNames();
  }

  async createTrial(studyName: string, trial: NewTrial): Promise<number> {
    return this.locked(() => {
      const number = this.state.trials(studyName).length;
      this.append({ op: "createTrial", study: studyName, number, trial, ...(trial.state === "running" ? { owner: this.me } : {}) });
      return number;
    });
  }

  async updateTrial(studyName: string, number: number, update: TrialUpdate): Promise<void> {
    await this.locked(() => {
      const current = this.state.trial(studyName, number);
      if (isTerminal(current.state)) throw new StaleTrialError(studyName, number, current.state, current.error);
      const starts = update.state === "running" && current.state !== "running";
      this.append({ op: "updateTrial", study: studyName, number, update, ...(starts ? { owner: this.me } : {}) });
    });
  }

  async readTrials(studyName: string): Promise<FrozenTrial[]> {
    this.catchUp(false);
    return this.state.trials(studyName);
  }

  async readTrialChanges(studyName: string, cursor: number): Promise<TrialChanges> {
    this.catchUp(false);
    return { trials: this.state.changedSince(studyName, cursor), cursor: Math.max(cursor, this.lineNumber) };
  }

  async startTrial(studyName: string, request: StartTrialRequest): Promise<FrozenTrial | undefined> {
    return this.locked(() => {
      const trials = this.state.trials(studyName);
      if (request.limit !== undefined) {
        // Finished trials (the one rule: FINISHED_STATES) and the running ones that may finish.
        const counted = trials.filter((trial) => isFinished(trial.state) || trial.state === "running").length;
        if (counted >= request.limit) return undefined;
      }
      const waiting = trials.find((trial) => trial.state === "waiting");
      if (waiting !== undefined) {
        this.append({ op: "updateTrial", study: studyName, number: waiting.number, update: { state: "running", startedAt: request.startedAt }, owner: this.me });
        return this.state.trial(studyName, waiting.number);
      }
      const number = trials.length;
      this.append({ op: "createTrial", study: studyName, number, trial: newTrial("running", { startedAt: request.startedAt }), owner: this.me });
      return this.state.trial(studyName, number);
    });
  }

  async recordHeartbeat(studyName: string, numbers: readonly number[]): Promise<void> {
    if (numbers.length === 0) return;
    await this.locked(() => {
      const running = numbers.filter((number) => this.state.liveness(studyName, number) !== undefined);
      if (running.length > 0) this.append({ op: "heartbeat", study: studyName, numbers: running, at: Date.now() });
    });
  }

  async failStaleTrials(studyName: string): Promise<number[]> {
    // A look without the lock first: most of the time nothing is stale.
    this.catchUp(false);
    if (this.staleReasons(studyName).length === 0) return [];
    return this.locked(() =>
      this.staleReasons(studyName).map(({ number, reason }) => {
        const update: TrialUpdate = { state: "failed", completedAt: Date.now(), error: reason };
        this.append({ op: "updateTrial", study: studyName, number, update });
        return number;
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    retireToken(this.me.token);
  }

  // ---- internals -------------------------------------------------------------------------

  /** The running trials of `studyName` whose process is gone, with the reason to record. */
  private staleReasons(studyName: string): Array<{ number: number; reason: string }> {
    const stale: Array<{ number: number; reason: string }> = [];
    for (const { number, liveness } of this.state.running(studyName)) {
      const owner = liveness.owner;
      let reason: string | undefined;
      if (owner === undefined) {
        // Written by tunelab before the journal recorded owners, when one process used a journal.
        reason = "the process running this trial stopped before telling its result (found running on resume)";
      } else {
        const gone = isGone(owner);
        if (gone === true) reason = `the process running this trial (${describeProcess(owner)}) stopped before telling its result`;
        else if (gone === undefined && Date.now() - liveness.beat > this.staleTrialTimeoutMs) {
          reason = `the process running this trial (${describeProcess(owner)}) stopped before telling its result: no heartbeat for over ${Math.round(this.staleTrialTimeoutMs / 1000)} s`;
        }
      }
      if (reason !== undefined) stale.push({ number, reason });
    }
    return stale;
  }

  /** Runs `section` under the lock, after catching up (and cutting a dead writer's torn tail). */
  private locked<T>(section: () => T): Promise<T> {
    this.checkOpen();
    return this.lock.run(() => {
      this.catchUp(true);
      return section();
    });
  }

  /** Appends one whole line in one write and applies it; call under the lock, just caught up. */
  private append(line: JournalLine): void {
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`, "utf8");
    // Opened per write, so NFS revalidates the file (close-to-open consistency).
    const fd = openSync(this.path, "a");
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      if (this.fsync) fsyncSync(fd);
    } catch (error) {
      // A full disk or an I/O error: take back what part of the line was written (we hold the
      // lock), so the file ends on a whole line, and say which file and what was not kept.
      try {
        ftruncateSync(fd, this.known);
      } catch {
        // Left for the next writer, which cuts a torn tail under the lock.
      }
      throw new StorageError(
        `could not write to the journal ${this.path} (${messageOf(error)}): ${describeLine(line)} is not kept; ` +
          `everything written before is. Free space (or fix the file system) and run again to resume the study`,
      );
    } finally {
      closeSync(fd);
    }
    this.known += bytes.length;
    this.lineNumber += 1;
    this.state.apply(line, this.lineNumber);
  }

  /** Bytes in the file past what has been applied. */
  private unread(): number {
    const fd = this.openExisting("r");
    try {
      return fstatSync(fd).size - this.known;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Applies the whole lines appended since the last look. Without the lock, a line still being
   * written (no newline yet, or unparseable as the last line) is left for later. Under the lock no
   * one else is writing, so such a tail is a dead writer's torn fragment: it is cut off and reported.
   */
  private catchUp(underLock: boolean): { applied: number; cut: number } {
    this.checkOpen();
    const fd = this.openExisting(underLock ? "r+" : "r");
    try {
      const size = fstatSync(fd).size;
      if (size < this.known) {
        throw new StorageError(`the journal ${this.path} shrank from ${this.known} to ${size} bytes while open: it was modified by something other than a journal storage`);
      }
      if (size === this.known) return { applied: 0, cut: 0 };
      const fresh = Buffer.alloc(size - this.known);
      let read = 0;
      while (read < fresh.length) {
        const got = readSync(fd, fresh, read, fresh.length - read, this.known + read);
        if (got === 0) break;
        read += got;
      }
      const end = fresh.lastIndexOf(0x0a) + 1;
      const lines = end === 0 ? [] : fresh.subarray(0, end).toString("utf8").split("\n").slice(0, -1);
      const start = this.known;
      let applied = 0;
      for (const [index, raw] of lines.entries()) {
        if (!this.state.applyText(raw, this.lineNumber + 1)) {
          if (index < lines.length - 1 || end < read) throw this.malformed(raw);
          break; // an unparseable last line: a torn write (cut below when under the lock)
        }
        this.lineNumber += 1;
        this.known += Buffer.byteLength(raw, "utf8") + 1;
        applied += 1;
      }
      let cut = size - this.known;
      // Only the start of a journal line can be a torn write; any other text is not ours to cut.
      const tail = cut > 0 ? fresh.subarray(this.known - start).toString("utf8") : "";
      if (cut > 0 && !couldBeTornLine(tail)) throw this.malformed(tail.replace(/\n$/, ""));
      if (underLock && cut > 0 && !tail.includes("\n") && this.state.applyText(tail, this.lineNumber + 1)) {
        // A whole record lacking only its newline (an editor or a copy dropped it): a torn write
        // is never whole JSON (its closing brace comes last), so it is kept and its line ended.
        writeSync(fd, "\n", size);
        this.lineNumber += 1;
        this.known = size + 1;
        applied += 1;
        cut = 0;
        log(`journal ${this.path}: ended its last line, a whole record without a newline`);
      }
      if (underLock && cut > 0) {
        ftruncateSync(fd, this.known);
        log(`journal ${this.path}: skipped and cut off a torn last line of ${cut} bytes (a writer killed mid-line)`);
      }
      return { applied, cut: underLock ? cut : 0 };
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Opens the journal, which must still be there: one deleted or moved while in use is an error
   * naming it (not a bare ENOENT), and is not created anew, which would hold changes to trials
   * of a study it does not have.
   */
  private openExisting(flags: "r" | "r+"): number {
    try {
      return openSync(this.path, flags);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      throw new StorageError(
        `the journal ${this.path} is gone: it was deleted or moved while in use (${this.lineNumber} lines had been read). ` +
          `The study's trials so far are still in memory (study.toJSON(), study.toCSV()); run again with a journal to start afresh`,
      );
    }
  }

  /** The error for an unreadable line: a file that is not a journal at all, or a corrupt one. */
  private malformed(raw: string): StorageError {
    const shown = JSON.stringify(raw.slice(0, 120));
    return this.lineNumber === 0
      ? new StorageError(`${this.path} is not a tunelab journal (its first line is not a journal record: ${shown}); name a new file, or a journal a search wrote`)
      : new StorageError(`journal ${this.path}: line ${this.lineNumber + 1} is not a journal record (the file is corrupt): ${shown}`);
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError(`the journal ${this.path} is closed`);
  }
}

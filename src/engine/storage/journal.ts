/**
 * An append-only journal file: one JSON line per change to any study in it. Opening the file
 * replays every line to rebuild the studies, so a new process resumes a study by name. A line is
 * written (and by default fsync-ed) before the operation resolves, so whatever was told survives a
 * crash of the process. A torn last line (a crash mid-write) is ignored and cut off before the next
 * append; a malformed line elsewhere is corruption and stops the replay with its line number.
 * Lines appended by another writer of the same file (a second storage object, another process)
 * are read and applied before every operation, so trial numbers stay consistent.
 *
 * Line format: `{"op":"createStudy","record":{…}}`, `{"op":"createTrial","study":"…","number":n,"trial":{…}}`,
 * `{"op":"updateTrial","study":"…","number":n,"update":{…}}`.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, writeSync } from "node:fs";

import type { FrozenTrial } from "../types";
import { MemoryStorage, StorageError } from "./memory";
import type { NewTrial, StudyRecord, StudyStorage, TrialUpdate } from "./storage";

type JournalLine =
  | { readonly op: "createStudy"; readonly record: StudyRecord }
  | { readonly op: "createTrial"; readonly study: string; readonly number: number; readonly trial: NewTrial }
  | { readonly op: "updateTrial"; readonly study: string; readonly number: number; readonly update: TrialUpdate };

/** Options of {@link JournalStorage.open}. */
export interface JournalOptions {
  /** fsync after every line (default true): survives a machine crash, not only a process crash. */
  readonly fsync?: boolean;
}

/** What the replay found. */
export interface ReplayReport {
  readonly lines: number;
  /** Bytes of a torn last line that were cut off (0 when the file ended cleanly). */
  readonly tornBytes: number;
}

/** A study storage in an append-only JSON-lines file. */
export class JournalStorage implements StudyStorage {
  readonly path: string;
  readonly replay: ReplayReport;
  private readonly state: MemoryStorage;
  private readonly fsync: boolean;
  private fd: number | undefined;
  /** Bytes of the file already applied to `state` (always a line boundary). */
  private known: number;
  private lineCount: number;

  private constructor(path: string, fd: number, state: MemoryStorage, replay: ReplayReport, fsync: boolean, known: number) {
    this.path = path;
    this.fd = fd;
    this.known = known;
    this.lineCount = replay.lines;
    this.state = state;
    this.replay = replay;
    this.fsync = fsync;
  }

  /** Opens (creating if absent) the journal at `path` and replays it. */
  static open(path: string, options: JournalOptions = {}): JournalStorage {
    const state = new MemoryStorage();
    const text = existsSync(path) ? readFileSync(path, "utf8") : "";
    const replay = replayJournal(path, text, state);
    const fd = openSync(path, "a+");
    const known = Buffer.byteLength(text, "utf8") - replay.tornBytes;
    if (replay.tornBytes > 0) {
      // Cut the torn tail so the next line starts on a line boundary.
      ftruncateSync(fd, known);
    }
    return new JournalStorage(path, fd, state, replay, options.fsync ?? true, known);
  }

  async createStudy(record: StudyRecord): Promise<StudyRecord> {
    this.catchUp();
    if (this.state.hasStudy(record.name)) return this.state.applyCreateStudy(record);
    this.append({ op: "createStudy", record });
    return this.state.applyCreateStudy(record);
  }

  async loadStudy(name: string): Promise<StudyRecord | undefined> {
    this.catchUp();
    return this.state.loadStudy(name);
  }

  async listStudies(): Promise<string[]> {
    this.catchUp();
    return this.state.listStudies();
  }

  async createTrial(studyName: string, trial: NewTrial): Promise<number> {
    this.catchUp();
    const number = this.state.nextTrialNumber(studyName);
    this.append({ op: "createTrial", study: studyName, number, trial });
    return this.state.applyCreateTrial(studyName, trial);
  }

  async updateTrial(studyName: string, number: number, update: TrialUpdate): Promise<void> {
    this.catchUp();
    this.state.checkTrial(studyName, number);
    this.append({ op: "updateTrial", study: studyName, number, update });
    this.state.applyUpdateTrial(studyName, number, update);
  }

  async readTrials(studyName: string): Promise<FrozenTrial[]> {
    this.catchUp();
    return this.state.readTrials(studyName);
  }

  async close(): Promise<void> {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  /** Appends one line; the caller has just caught up, so the file ends where `known` says. */
  private append(line: JournalLine): void {
    const fd = this.openFd();
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`, "utf8");
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    if (this.fsync) fsyncSync(fd);
    this.known += bytes.length;
    this.lineCount += 1;
  }

  /** Applies the complete lines other writers appended since this storage last looked. */
  private catchUp(): void {
    const fd = this.openFd();
    const size = fstatSync(fd).size;
    if (size === this.known) return;
    if (size < this.known) {
      throw new StorageError(`the journal ${this.path} shrank from ${this.known} to ${size} bytes while open: it was modified by something other than a journal storage`);
    }
    const fresh = Buffer.alloc(size - this.known);
    let read = 0;
    while (read < fresh.length) read += readSync(fd, fresh, read, fresh.length - read, this.known + read);
    const end = fresh.lastIndexOf(0x0a) + 1; // only whole lines; a line being written is read next time
    if (end === 0) return;
    const lines = fresh.subarray(0, end).toString("utf8").split("\n").slice(0, -1);
    for (const raw of lines) {
      this.lineCount += 1;
      let line: JournalLine;
      try {
        line = JSON.parse(raw) as JournalLine;
      } catch {
        throw new StorageError(`journal ${this.path}: line ${this.lineCount} is not valid JSON (the file is corrupt): ${raw.slice(0, 120)}`);
      }
      applyLine(this.path, this.lineCount, line, this.state);
    }
    this.known += end;
  }

  private openFd(): number {
    if (this.fd === undefined) throw new StorageError(`the journal ${this.path} is closed`);
    return this.fd;
  }
}

function replayJournal(path: string, text: string, state: MemoryStorage): ReplayReport {
  const lines = text.split("\n");
  // After the last "\n" comes either "" (a clean end) or a torn line.
  const tail = lines.pop() as string;
  let tornBytes = Buffer.byteLength(tail, "utf8");
  let applied = 0;
  lines.forEach((raw, index) => {
    const last = index === lines.length - 1 && tail === "";
    let line: JournalLine;
    try {
      line = JSON.parse(raw) as JournalLine;
    } catch {
      if (last) {
        // A torn line that happened to end in "\n" cannot occur (the newline is written last),
        // but an unparseable final line is treated the same way: ignored and cut.
        tornBytes += Buffer.byteLength(raw, "utf8") + 1;
        return;
      }
      throw new StorageError(`journal ${path}: line ${index + 1} is not valid JSON (the file is corrupt): ${raw.slice(0, 120)}`);
    }
    applyLine(path, index + 1, line, state);
    applied += 1;
  });
  return { lines: applied, tornBytes };
}

function applyLine(path: string, lineNumber: number, line: JournalLine, state: MemoryStorage): void {
  switch (line.op) {
    case "createStudy":
      state.applyCreateStudy(line.record);
      return;
    case "createTrial": {
      const number = state.applyCreateTrial(line.study, line.trial);
      if (number !== line.number) {
        throw new StorageError(`journal ${path}: line ${lineNumber} creates trial ${line.number} of "${line.study}", but replay gives it number ${number}`);
      }
      return;
    }
    case "updateTrial":
      state.applyUpdateTrial(line.study, line.number, line.update);
      return;
    default:
      throw new StorageError(`journal ${path}: line ${lineNumber} has an unknown op ${JSON.stringify((line as { op?: unknown }).op)}`);
  }
}

/**
 * What replaying a journal builds: the studies and their trials, who runs each
 * running trial and when it last gave a sign of life, which line last changed each trial (the
 * cursor of `readTrialChanges`), and the lines that were set aside with the reason.
 *
 * Lines are applied one at a time with their line number in the file. A line that cannot be
 * applied because two writers without a lock (tunelab before the journal lock) both numbered a
 * new trial alike is set aside and reported rather than stopping the replay; a fragment of a
 * writer killed mid-line that another writer glued a whole line to is skipped, the line kept.
 */
import type { FrozenTrial } from "../types";
import type { ProcessIdentity } from "./journal-lock";
import { StorageError } from "./memory";
import { applyTrialUpdate, type NewTrial, type StudyRecord, type TrialUpdate } from "./storage";

/** Who runs a trial, as a journal line records it. */
export type TrialOwner = ProcessIdentity;

/** One line of the journal. `owner` marks the process that set the trial running. */
export type JournalLine =
  | { readonly op: "createStudy"; readonly record: StudyRecord }
  | { readonly op: "createTrial"; readonly study: string; readonly number: number; readonly trial: NewTrial; readonly owner?: TrialOwner }
  | { readonly op: "updateTrial"; readonly study: string; readonly number: number; readonly update: TrialUpdate; readonly owner?: TrialOwner }
  | { readonly op: "heartbeat"; readonly study: string; readonly numbers: readonly number[]; readonly at: number };

/** Who runs a running trial and when it last gave a sign of life (its writer's clock, ms). */
export interface Liveness {
  readonly owner: TrialOwner | undefined;
  readonly beat: number;
}

interface StudyExtras {
  readonly record: StudyRecord;
  readonly trials: FrozenTrial[];
  /** Line that last changed each trial, by number. */
  readonly changed: number[];
  /** Line that created each trial, by number. */
  readonly createdBy: number[];
  readonly liveness: Map<number, Liveness>;
}

/** The state a journal replays into (see the module comment). */
export class JournalState {
  /** Descriptions of the lines set aside or repaired, with their line numbers. */
  readonly setAside: string[] = [];
  private readonly extras = new Map<string, StudyExtras>();

  constructor(private readonly path: string) {}

  /**
   * Parses and applies line `lineNumber`. Returns false when the text is not a journal line
   * (the caller decides whether that is a torn tail or corruption).
   */
  applyText(raw: string, lineNumber: number): boolean {
    const parsed = parseLine(raw);
    if (parsed === undefined) return false;
    if (parsed.skipped > 0) {
      this.report(lineNumber, `skipped ${parsed.skipped} bytes of a torn write (a writer killed mid-line) that the next line was glued to; the line itself was applied`);
    }
    this.apply(parsed.line, lineNumber);
    return true;
  }

  /** Applies a parsed line. */
  apply(line: JournalLine, lineNumber: number): void {
    switch (line.op) {
      case "createStudy":
        if (!this.extras.has(line.record.name)) {
          this.extras.set(line.record.name, { record: line.record, trials: [], changed: [], createdBy: [], liveness: new Map() });
        }
        return;
      case "createTrial": {
        const extras = this.extrasOf(line.study);
        const expected = extras.trials.length;
        if (line.number < expected) {
          this.report(
            lineNumber,
            `creates trial ${line.number} of "${line.study}", which line ${extras.createdBy[line.number]} already created ` +
              `(two writers without a lock numbered a trial alike): set aside, and later changes of trial ${line.number} apply to the first`,
          );
          return;
        }
        if (line.number !== expected) {
          throw new StorageError(`journal ${this.path}: line ${lineNumber} creates trial ${line.number} of "${line.study}", but replay gives it number ${expected}`);
        }
        extras.trials.push({ ...line.trial, number: expected });
        extras.createdBy[line.number] = lineNumber;
        extras.changed[line.number] = lineNumber;
        this.track(extras, line.number, line.trial.state, line.owner, line.trial.startedAt);
        return;
      }
      case "updateTrial": {
        const extras = this.extrasOf(line.study);
        const next = applyTrialUpdate(this.trial(line.study, line.number), line.update);
        extras.trials[line.number] = next;
        extras.changed[line.number] = lineNumber;
        const state = next.state;
        const known = extras.liveness.get(line.number);
        this.track(extras, line.number, state, line.owner ?? known?.owner, line.update.startedAt ?? known?.beat);
        return;
      }
      case "heartbeat": {
        const extras = this.extrasOf(line.study);
        for (const number of line.numbers) {
          const known = extras.liveness.get(number);
          if (known !== undefined) extras.liveness.set(number, { owner: known.owner, beat: Math.max(known.beat, line.at) });
        }
        return;
      }
      default:
        throw new StorageError(`journal ${this.path}: line ${lineNumber} has an unknown op ${JSON.stringify((line as { op?: unknown }).op)}`);
    }
  }

  /** Whether a study of this name exists. */
  hasStudy(name: string): boolean {
    return this.extras.has(name);
  }

  /** Study `name`'s record (it must exist). */
  record(name: string): StudyRecord {
    return this.extrasOf(name).record;
  }

  /** Names of every study. */
  studyNames(): string[] {
    return [...this.extras.keys()];
  }

  /** Every trial of `study`, in number order (a copy of the list). */
  trials(study: string): FrozenTrial[] {
    return [...this.extrasOf(study).trials];
  }

  /** Trial `number` of `study`; throws a StorageError naming the range when there is none. */
  trial(study: string, number: number): FrozenTrial {
    const trials = this.extrasOf(study).trials;
    if (!Number.isInteger(number) || number < 0 || number >= trials.length) {
      throw new StorageError(`study "${study}" has no trial ${number} (it has trials 0…${trials.length - 1})`);
    }
    return trials[number] as FrozenTrial;
  }

  /** Who runs running trial `number`, and its last sign of life (undefined: not running). */
  liveness(study: string, number: number): Liveness | undefined {
    return this.extrasOf(study).liveness.get(number);
  }

  /** The running trials of `study` with their liveness. */
  running(study: string): Array<{ number: number; liveness: Liveness }> {
    return [...this.extrasOf(study).liveness].map(([number, liveness]) => ({ number, liveness }));
  }

  /** The trials of `study` changed by a line after `cursor`, in number order. */
  changedSince(study: string, cursor: number): FrozenTrial[] {
    const changed = this.extrasOf(study).changed;
    const trials: FrozenTrial[] = [];
    changed.forEach((line, number) => {
      if (line > cursor) trials.push(this.trial(study, number));
    });
    return trials;
  }

  private track(extras: StudyExtras, number: number, state: FrozenTrial["state"], owner: TrialOwner | undefined, beat: number | undefined): void {
    if (state === "running") extras.liveness.set(number, { owner, beat: beat ?? 0 });
    else extras.liveness.delete(number);
  }

  private extrasOf(study: string): StudyExtras {
    const extras = this.extras.get(study);
    if (extras === undefined) {
      const known = [...this.extras.keys()];
      throw new StorageError(`no study named "${study}"${known.length > 0 ? ` (known: ${known.join(", ")})` : ""}`);
    }
    return extras;
  }

  private report(lineNumber: number, what: string): void {
    this.setAside.push(`line ${lineNumber}: ${what}`);
  }
}

/**
 * A journal line from its text, or `undefined`. When the text is a torn fragment with a whole
 * line glued after it (`{"op":"upd{"op":"createTrial",…}`), the whole line and the fragment's length.
 */
export function parseLine(raw: string): { line: JournalLine; skipped: number } | undefined {
  const whole = tryParse(raw);
  if (whole !== undefined) return { line: whole, skipped: 0 };
  for (let at = raw.lastIndexOf('{"op":'); at > 0; at = raw.lastIndexOf('{"op":', at - 1)) {
    const line = tryParse(raw.slice(at));
    if (line !== undefined) return { line, skipped: Buffer.byteLength(raw.slice(0, at), "utf8") };
  }
  return undefined;
}

function tryParse(raw: string): JournalLine | undefined {
  try {
    const value = JSON.parse(raw) as JournalLine | null;
    return typeof value === "object" && value !== null && typeof value.op === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

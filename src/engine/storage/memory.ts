/** Studies held in this process's memory only: the default storage. */
import type { FrozenTrial } from "../types";
import { applyTrialUpdate, type NewTrial, type StudyRecord, type StudyStorage, type TrialUpdate } from "./storage";

/** An error naming a study or trial a storage does not hold. */
export class StorageError extends Error {
  override readonly name = "StorageError";
}

/**
 * In-memory storage. Also the replayed state of the journal storage: every operation is a plain
 * synchronous method (`apply*`) that the async interface wraps.
 */
export class MemoryStorage implements StudyStorage {
  private readonly studies = new Map<string, { record: StudyRecord; trials: FrozenTrial[] }>();

  async createStudy(record: StudyRecord): Promise<StudyRecord> {
    return this.applyCreateStudy(record);
  }

  async loadStudy(name: string): Promise<StudyRecord | undefined> {
    return this.studies.get(name)?.record;
  }

  async listStudies(): Promise<string[]> {
    return [...this.studies.keys()];
  }

  async createTrial(studyName: string, trial: NewTrial): Promise<number> {
    return this.applyCreateTrial(studyName, trial);
  }

  async updateTrial(studyName: string, number: number, update: TrialUpdate): Promise<void> {
    this.applyUpdateTrial(studyName, number, update);
  }

  async readTrials(studyName: string): Promise<FrozenTrial[]> {
    return [...this.study(studyName).trials];
  }

  async close(): Promise<void> {
    // Nothing to release.
  }

  /** Whether a study of this name exists. */
  hasStudy(name: string): boolean {
    return this.studies.has(name);
  }

  /** The number the next trial of `studyName` will get. */
  nextTrialNumber(studyName: string): number {
    return this.study(studyName).trials.length;
  }

  /** Checks that `update` can be applied (the trial exists) without applying it. */
  checkTrial(studyName: string, number: number): void {
    const trials = this.study(studyName).trials;
    if (!Number.isInteger(number) || number < 0 || number >= trials.length) {
      throw new StorageError(`study "${studyName}" has no trial ${number} (it has trials 0…${trials.length - 1})`);
    }
  }

  applyCreateStudy(record: StudyRecord): StudyRecord {
    const existing = this.studies.get(record.name);
    if (existing !== undefined) return existing.record;
    this.studies.set(record.name, { record, trials: [] });
    return record;
  }

  applyCreateTrial(studyName: string, trial: NewTrial): number {
    const trials = this.study(studyName).trials;
    const number = trials.length;
    trials.push({ ...trial, number });
    return number;
  }

  applyUpdateTrial(studyName: string, number: number, update: TrialUpdate): void {
    this.checkTrial(studyName, number);
    const trials = this.study(studyName).trials;
    trials[number] = applyTrialUpdate(trials[number] as FrozenTrial, update);
  }

  private study(name: string): { record: StudyRecord; trials: FrozenTrial[] } {
    const study = this.studies.get(name);
    if (study === undefined) {
      const known = [...this.studies.keys()];
      throw new StorageError(`no study named "${name}"${known.length > 0 ? ` (known: ${known.join(", ")})` : ""}`);
    }
    return study;
  }
}

/**
 * When each intermediate value of a run reached the study: the digits benchmarks' clock for
 * "a model was evaluated at or above a target" counted at every epoch, pruned trials and PBT
 * member-rounds included, not only at the end of a trial that ran every epoch.
 *
 * The engine stores intermediate values without a time, so while a run is measured the benchmark
 * wraps `Trial.prototype.report` (the call every trainer, on threads or not, makes on the
 * notebook's thread when an epoch's validation value arrives) and notes the wall-clock time of
 * each first report of a (trial, step). Bench-only instrumentation: nothing in `src/` changes.
 */
import { Trial } from "../src/engine/trial";

/** One intermediate value and when the study received it (ms since the Unix epoch). */
export interface TimedReport {
  readonly trial: number;
  readonly step: number;
  readonly value: number;
  readonly at: number;
}

/**
 * Runs `measured` while every first report of a (trial, step) is noted with its time, and
 * restores `Trial.prototype.report` afterwards (also when `measured` throws). Runs must not
 * overlap: the wrap is process-wide.
 */
export async function withReportTimes<T>(measured: () => Promise<T>): Promise<{ readonly result: T; readonly reports: readonly TimedReport[] }> {
  const original = Trial.prototype.report;
  const reports: TimedReport[] = [];
  const seen = new Set<string>();
  Trial.prototype.report = function timedReport(this: Trial, value: number, step: number): void {
    original.call(this, value, step);
    const key = `${this.number}:${step}`;
    if (seen.has(key)) return;
    seen.add(key);
    reports.push({ trial: this.number, step, value, at: Date.now() });
  };
  try {
    return { result: await measured(), reports };
  } finally {
    Trial.prototype.report = original;
  }
}

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

/** One trial's course in a run, for `bench:schedulers --trace`. Times are seconds from the cell's start. */
export interface TrialTimeline {
  readonly trial: number;
  readonly state: string;
  /** Hyperband's bracket (user attribute), when there is one. */
  readonly bracket?: number;
  readonly batchSize: number;
  readonly startS?: number;
  /** When its first epoch's value reached the study: start → first report is the fixed cost (build, transfer) plus one epoch. */
  readonly firstReportS?: number;
  /** When its last epoch's value reached the study. */
  readonly lastReportS?: number;
  readonly endS?: number;
  readonly epochs: number;
  readonly best?: number;
  readonly value?: number;
  /** The epochs after which it waited at a rung and was promoted later (paused trials). */
  readonly pausedAfter?: readonly number[];
}

/** Each trial's start, epoch reports, end and values, in trial order (the study's trials and the reports noted while it ran). */
export function trialTimelines(
  trials: readonly { readonly number: number; readonly state: string; readonly params: Readonly<Record<string, unknown>>; readonly userAttrs: Readonly<Record<string, unknown>>; readonly startedAt?: number; readonly completedAt?: number; readonly value?: number; readonly intermediateValues: readonly { readonly value: number }[] }[],
  reports: readonly TimedReport[],
  startedAt: number,
): TrialTimeline[] {
  const s = (at: number | undefined): number | undefined => (at === undefined ? undefined : (at - startedAt) / 1000);
  return trials.map((t) => {
    const own = reports.filter((r) => r.trial === t.number);
    const bracket = t.userAttrs["bracket"];
    const pausedAfter = t.userAttrs["pausedAfter"];
    const values = t.intermediateValues.map((iv) => iv.value).filter(Number.isFinite);
    return {
      trial: t.number,
      state: t.state,
      ...(typeof bracket === "number" ? { bracket } : {}),
      batchSize: Number(t.params["batchSize"]),
      ...optionalNumber("startS", s(t.startedAt)),
      ...optionalNumber("firstReportS", s(own[0]?.at)),
      ...optionalNumber("lastReportS", s(own[own.length - 1]?.at)),
      ...optionalNumber("endS", s(t.completedAt)),
      epochs: t.intermediateValues.length,
      ...optionalNumber("best", values.length === 0 ? undefined : Math.max(...values)),
      ...optionalNumber("value", t.value),
      ...(Array.isArray(pausedAfter) ? { pausedAfter: pausedAfter.map(Number) } : {}),
    };
  });
}

function optionalNumber<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}

/** The timelines as text lines: one per trial, sorted by start. */
export function timelineLines(timelines: readonly TrialTimeline[]): string[] {
  const f = (x: number | undefined, digits = 2): string => (x === undefined ? "-" : x.toFixed(digits));
  return [...timelines]
    .sort((a, b) => (a.startS ?? Infinity) - (b.startS ?? Infinity))
    .map(
      (t) =>
        `#${String(t.trial).padStart(2)} ${t.state.padEnd(8)} br ${t.bracket ?? "-"} bs ${String(t.batchSize).padStart(2)} ` +
        `start ${f(t.startS)} first ${f(t.firstReportS)} last ${f(t.lastReportS)} end ${f(t.endS)} ` +
        `epochs ${String(t.epochs).padStart(2)} best ${f(t.best, 4)} value ${f(t.value, 4)}` +
        (t.pausedAfter === undefined ? "" : ` paused after ${t.pausedAfter.join(", ")} epochs, resumed`),
    );
}

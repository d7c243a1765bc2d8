/**
 * Printing the digits benchmarks' figures: one row per configuration with the medians over seeds,
 * and the ratios ours / peer.
 */
import { median } from "./peers";
import { DIGITS_TARGETS, type RunFigures } from "./digits-e2e";

/** One configuration's runs (one per seed), or why it failed. */
export interface ConfigRuns {
  readonly name: string;
  readonly runs: readonly RunFigures[];
  readonly error?: string;
}

/** The medians over a configuration's seeds. */
export interface Medians {
  readonly wallS: number;
  readonly best: number;
  readonly reachedS: readonly number[];
  readonly trialsPerMinute: number;
  readonly overheadShare: number;
  /** The live view's share of the wall time (NaN for the peer, which has none). */
  readonly liveShare: number;
}

/** Medians over seeds (a target never reached counts as ∞, so a median can be ∞). */
export function medians(runs: readonly RunFigures[]): Medians {
  return {
    wallS: median(runs.map((r) => r.wallS)),
    best: median(runs.map((r) => r.best)),
    reachedS: DIGITS_TARGETS.map((_, i) => median(runs.map((r) => r.reachedS[i]!))),
    trialsPerMinute: median(runs.map((r) => r.trialsPerMinute)),
    overheadShare: median(runs.map((r) => r.overheadShare ?? Number.NaN)),
    liveShare: median(runs.map((r) => r.liveShare ?? Number.NaN)),
  };
}

const seconds = (s: number): string => (Number.isFinite(s) ? s.toFixed(1) : "never");

/** The header of {@link summaryRow}'s table. */
export function summaryHeader(): string {
  const targets = DIGITS_TARGETS.map((t) => `to ${t}`.padStart(8)).join(" ");
  return `${"run".padEnd(24)} ${"seeds".padStart(5)} ${"wall s".padStart(7)} ${"best acc".padStart(8)} ${targets} ${"trials/min".padStart(10)} ${"overhead".padStart(8)} ${"live view".padStart(9)}`;
}

/** One row: the medians of a configuration (times in seconds from the start of the search). */
export function summaryRow(config: ConfigRuns): string {
  if (config.runs.length === 0) return `${config.name.padEnd(24)} failed: ${config.error ?? "no run"}`;
  const m = medians(config.runs);
  const targets = m.reachedS.map((s) => seconds(s).padStart(8)).join(" ");
  const percent = (share: number): string => (Number.isFinite(share) ? `${(share * 100).toFixed(1)} %` : "-");
  const failed = config.error === undefined ? "" : `  (some seeds failed: ${config.error})`;
  return (
    `${config.name.padEnd(24)} ${String(config.runs.length).padStart(5)} ${m.wallS.toFixed(1).padStart(7)} ${m.best.toFixed(4).padStart(8)} ${targets} ` +
    `${m.trialsPerMinute.toFixed(1).padStart(10)} ${percent(m.overheadShare).padStart(8)} ${percent(m.liveShare).padStart(9)}${failed}`
  );
}

/** Ours / peer: wall and time-to-target ratios, the best accuracy's difference in validation examples. */
export function ratioRow(ours: ConfigRuns, peer: Medians, validationRows: number): string {
  if (ours.runs.length === 0) return `${ours.name.padEnd(24)} -`;
  const m = medians(ours.runs);
  const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "-");
  const examples = (m.best - peer.best) * validationRows;
  const targets = m.reachedS.map((s, i) => ratio(s, peer.reachedS[i]!).padStart(8)).join(" ");
  return (
    `${ours.name.padEnd(24)} wall ${ratio(m.wallS, peer.wallS).padStart(7)}  best acc ${examples >= 0 ? "+" : ""}${examples.toFixed(1)} validation examples  ` +
    `to targets ${targets}  trials/min ${ratio(m.trialsPerMinute, peer.trialsPerMinute)}`
  );
}

/** One line per seed, for the log: wall, best, times to target, and the cell's own report. */
export function seedLine(name: string, seed: number, run: RunFigures): string {
  const reached = DIGITS_TARGETS.map((t, i) => `${t}: ${seconds(run.reachedS[i]!)}`).join(", ");
  const parts = run.outside === undefined ? "" : ` (setup ${run.outside.setupS.toFixed(2)} s, between trials ${run.outside.betweenS.toFixed(2)} s, after ${run.outside.afterS.toFixed(2)} s)`;
  const overhead = run.overheadShare === undefined ? "" : `, outside the objective ${(run.overheadShare * 100).toFixed(1)} %${parts}`;
  const live = run.liveShare === undefined ? "" : `, live view ${(run.liveShare * 100).toFixed(2)} %`;
  return `  ${name} seed ${seed}: ${run.wallS.toFixed(1)} s, best ${run.best.toFixed(4)} (${run.completed}/${run.trials} trials complete), first reached {${reached}}${overhead}${live}, ${run.liveUpdates} live updates, ${run.sentKB.toFixed(0)} KB sent`;
}

/**
 * The end-to-end digits search of `../shared/bench/e2e_digits_optuna_torch.py`, run through the
 * real `%%tune` front end: a one-hidden-layer MLP (relu, dropout, softmax) trained with Adam on
 * the digits rows of `../shared/bench/digits_split.json`, inputs standardised on the training
 * rows, maximising the validation accuracy after the last epoch. Shared by `bench:tune` and
 * `bench:schedulers`; `digits-peer.ts` runs the peer on the same rows.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type * as tfjs from "@tensorflow/tfjs";
import { createDefaultRegistry, runCell } from "../src/magic";
import { PlotlyEmbedding } from "../src/render";
import type { TensorFlow } from "../src/tfjs/backend";
import { loadTable } from "../src/tfjs/csv";
import { oneHot, standardize, takeRows } from "../src/tfjs/data";
import { NotebookStudy, registerTuneMagics } from "../src/magic/tune";
import { TUNE_OPTIONS } from "../src/magic/tune/options";
import { BenchContext } from "./bench-context";
import { repositoryRoot } from "./peers";
import { trialTimelines, withReportTimes, type TrialTimeline } from "./report-times";

/** Validation accuracies whose first reaching time is printed (as the peer script does). */
export const DIGITS_TARGETS = [0.97, 0.98, 0.985] as const;

/** The peer's space, in the `%%tune` grammar (units int 16..256 log, dropout 0..0.6, lr 1e-4..1e-1 log, batch size {16, 32, 64}). */
export const DIGITS_SPACE = ["units: int(16, 256, log)", "dropout: uniform(0.0, 0.6)", "lr: loguniform(1e-4, 1e-1)", "batchSize: [16, 32, 64]"].join("\n");

/** The digits data file: the repository's copy (the same rows as `../shared/data/digits.csv.gz`). */
export function digitsPath(): string {
  return join(repositoryRoot(), "notebooks/data/digits.csv.gz");
}

/** The train and validation rows, standardised with μ and σ of the training rows. */
export interface DigitsRows {
  readonly xTrain: number[][];
  readonly yTrain: number[][];
  readonly xValidation: number[][];
  readonly yValidation: number[][];
}

/** Reads digits and the peer's split (`../shared/bench/digits_split.json`: row indices). */
export function digitsRows(): DigitsRows {
  const splitPath = join(repositoryRoot(), "../shared/bench/digits_split.json");
  if (!existsSync(splitPath)) throw new Error(`digits split not found at ${splitPath}: the benchmark uses the peer's rows (../shared/bench/digits_split.json, relative to the repository)`);
  const split = JSON.parse(readFileSync(splitPath, "utf8")) as { train: number[]; validation: number[] };
  const table = loadTable(digitsPath());
  const y = oneHot(table.y, 10);
  const { xTrain, xTest } = standardize(takeRows(table.x, split.train), takeRows(table.x, split.validation));
  return { xTrain, yTrain: takeRows(y, split.train), xValidation: xTest, yValidation: takeRows(y, split.validation) };
}

/** dense(units, relu) → dropout → dense(10, softmax), Adam(lr), categorical cross-entropy: the peer's MLP. */
export function digitsBuilder(tf: TensorFlow): (p: { units: number; dropout: number; lr: number }) => tfjs.LayersModel {
  return (p) => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [64], units: p.units, activation: "relu" }));
    model.add(tf.layers.dropout({ rate: p.dropout }));
    model.add(tf.layers.dense({ units: 10, activation: "softmax" }));
    model.compile({ optimizer: tf.train.adam(p.lr), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    return model;
  };
}

/** What `%%tune` does when an option is not given, read from its option specs when the bench runs. */
export function tuneDefaults(): string {
  const shown = ["strategy", "pruner", "workers", "batchSize"].map((name) => {
    const spec = TUNE_OPTIONS.find((option) => option.name === name);
    return `${name} ${spec === undefined ? "(no such option)" : String(spec.default ?? "(none)")}`;
  });
  return shown.join(", ");
}

/** One `%%tune` run of the digits search: the options that differ from the defaults. */
export interface DigitsRunSpec {
  readonly trials: number;
  readonly epochs: number;
  readonly seed: number;
  /** Extra `%%tune` options, e.g. `["--strategy", "random"]`; none for the defaults. */
  readonly options: readonly string[];
}

/** What one run measured. Times are from the start of the cell. */
export interface RunFigures {
  readonly wallS: number;
  /** The best validation accuracy of a trial that ran all its epochs (pruned trials' partial values are not counted). */
  readonly best: number;
  /** Seconds until a completed trial first reached each of {@link DIGITS_TARGETS} (Infinity: never). */
  readonly reachedS: readonly number[];
  /**
   * Seconds until any model of the search was first evaluated at or above each target: an epoch's
   * validation value of any trial (pruned ones and PBT member-rounds included) when the study
   * received it, or a completed trial's value (Infinity: never). Ours only; see report-times.ts.
   */
  readonly reachedAnyS?: readonly number[];
  /**
   * Training batches (summed over every trial, ceil(training rows / the trial's batch size) per
   * epoch) whose epochs' values had reached the study by {@link reachedS} (Infinity: never): the
   * work to each target, much less sensitive to a loaded machine than the time. Ours only.
   */
  readonly batchesToReached?: readonly number[];
  /** The same work by {@link reachedAnyS}. */
  readonly batchesToReachedAny?: readonly number[];
  /** The best value of the completed trials so far, at each completion that improved it (seconds from the start; ours only). */
  readonly bestOverTime?: readonly { readonly s: number; readonly best: number }[];
  readonly trials: number;
  readonly completed: number;
  readonly trialsPerMinute: number;
  /** Seconds inside the objective (building and training models), summed over trials. */
  readonly objectiveS: number | undefined;
  /**
   * Where the time outside the objective went (s): before the first trial (options, data, the
   * model check, the first display), between trials (sampling, bookkeeping, live updates at trial
   * ends), and after the search (the report and final figures).
   */
  readonly outside: { readonly setupS: number; readonly betweenS: number; readonly afterS: number } | undefined;
  /** (wall − objective) / wall; with parallel workers the objective time is summed over them. */
  readonly overheadShare: number | undefined;
  /**
   * Share of wall time the live view spent building and sending its output. Part of it falls
   * inside the objective (its refresh timer fires while a trial trains), so it is not all in
   * `overheadShare`.
   */
  readonly liveShare: number | undefined;
  /** The cell's report and other printed lines. */
  readonly printed: string;
  readonly liveUpdates: number;
  readonly sentKB: number;
  /** Each trial's start, epochs, end and values (ours only; `bench:schedulers --trace` prints them). */
  readonly timelines?: readonly TrialTimeline[];
}

/**
 * Runs the digits search once through `runCell` with a fresh registry and notebook. `embedding`
 * is the session's: plotly.js goes out with the first figure of a session only, so pass one
 * embedding to every run of a benchmark (the warm-up sends the library) to time searches as
 * later cells of one notebook session.
 */
export async function runDigitsSearch(tf: TensorFlow, rows: DigitsRows, spec: DigitsRunSpec, embedding: PlotlyEmbedding): Promise<RunFigures> {
  const registry = createDefaultRegistry();
  registerTuneMagics(registry, { embedding });
  const context = new BenchContext();
  context.assign("buildDigits", digitsBuilder(tf));
  context.assign("xTrain", rows.xTrain);
  context.assign("yTrain", rows.yTrain);
  context.assign("xVal", rows.xValidation);
  context.assign("yVal", rows.yValidation);
  const cell =
    `%%tune --model buildDigits --data xTrain,yTrain --validation-data xVal,yVal --epochs ${spec.epochs} --metric val_acc ` +
    `--trials ${spec.trials} --seed ${spec.seed} --out study ${spec.options.join(" ")}\n${DIGITS_SPACE}`;
  const startedAt = Date.now();
  const start = performance.now();
  const { reports } = await withReportTimes(() => runCell(cell, { registry, context }));
  const wallMs = performance.now() - start;
  const study = context.lookup("study");
  if (!(study instanceof NotebookStudy)) throw new Error(`the cell bound no study to \`study\`; it printed: ${context.printed.join("")}`);
  const completed = study.trials.filter((t) => t.state === "complete" && t.value !== undefined);
  const finals = completed.filter((t) => t.completedAt !== undefined).map((t) => ({ value: t.value!, at: t.completedAt! }));
  const reachedS = firstReachedS(finals, startedAt);
  const reachedAnyS = firstReachedS([...reports, ...finals], startedAt);
  const batchSizes = new Map(study.trials.map((t) => [t.number, Number(t.params["batchSize"])]));
  const batchesBy = (seconds: number): number =>
    !Number.isFinite(seconds)
      ? Number.POSITIVE_INFINITY
      : reports.filter((r) => (r.at - startedAt) / 1000 <= seconds).reduce((sum, r) => sum + Math.ceil(rows.xTrain.length / batchSizes.get(r.trial)!), 0);
  const bestOverTime: { s: number; best: number }[] = [];
  for (const trial of [...completed].filter((t) => t.completedAt !== undefined).sort((a, b) => a.completedAt! - b.completedAt!)) {
    const best = bestOverTime[bestOverTime.length - 1]?.best ?? Number.NEGATIVE_INFINITY;
    if (trial.value! > best) bestOverTime.push({ s: (trial.completedAt! - startedAt) / 1000, best: trial.value! });
  }
  const search = study.lastSearch;
  const objectiveMs = search?.objectiveMs;
  const figures: RunFigures = {
    wallS: wallMs / 1000,
    best: completed.length === 0 ? Number.NaN : Math.max(...completed.map((t) => t.value!)),
    reachedS,
    reachedAnyS,
    batchesToReached: reachedS.map(batchesBy),
    batchesToReachedAny: reachedAnyS.map(batchesBy),
    bestOverTime,
    trials: study.trials.length,
    completed: completed.length,
    trialsPerMinute: (study.trials.length / wallMs) * 60_000,
    objectiveS: objectiveMs === undefined ? undefined : objectiveMs / 1000,
    outside:
      search === undefined
        ? undefined
        : { setupS: search.setupMs / 1000, betweenS: (search.wallTimeMs - search.objectiveMs) / 1000, afterS: (wallMs - search.setupMs - search.wallTimeMs) / 1000 },
    overheadShare: objectiveMs === undefined ? undefined : (wallMs - objectiveMs) / wallMs,
    liveShare: search?.liveMs === undefined ? undefined : search.liveMs / wallMs,
    printed: context.printed.join("").trim(),
    liveUpdates: context.updates,
    sentKB: context.sentBytes / 1024,
    timelines: trialTimelines(study.trials, reports, startedAt),
  };
  study.dispose();
  return figures;
}

/** Seconds from `startedAt` to the first of the `evaluated` values at or above each of {@link DIGITS_TARGETS} (Infinity: none). */
function firstReachedS(evaluated: readonly { readonly value: number; readonly at: number }[], startedAt: number): number[] {
  return DIGITS_TARGETS.map((target) => {
    const times = evaluated.filter((e) => e.value >= target).map((e) => (e.at - startedAt) / 1000);
    return times.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...times);
  });
}

/**
 * `%%tune --workers N|auto`: how many trials a model search trains at once, the worker-thread pool
 * it borrows from the session (kept warm across cells), or why it trains in the notebook's thread
 * instead, and whether its trials can be repeated.
 */
import { availableParallelism } from "node:os";
import type { LoadedTensorFlow } from "../../tfjs/backend";
import { describeModel, sessionPool, UnserialisableModelError, type TrainingPool, type WarmPool } from "../../tfjs/pool";
import { buildTrialModel, disposeModel, type HypergradientTraining, type ModelBuilder } from "../../tfjs/train";
import { FusedTrainer, fusedLayoutOf, fusionBlocker } from "../../tfjs/fused";
import type { TrainingData } from "../../tfjs/trainingData";
import type { Params } from "../../engine/types";
import { messageOf } from "../../common/errors";
import { prunerOf, type TuneOptions } from "./options";

/** How a model search trains its trials. */
export type TrainingMode =
  | { readonly kind: "threads"; readonly pool: TrainingPool; readonly note: string }
  | { readonly kind: "notebook"; readonly note: string };

/** The worker threads a search gets, and why fewer than asked when it is bounded. */
export interface WorkerCount {
  readonly count: number;
  /** One line for the cell's output when `count` is below a number asked for. */
  readonly note?: string;
  /** With `--workers auto`: how the count was chosen ("--workers auto: 2 cores"). */
  readonly auto?: string;
}

/**
 * The trials `--workers auto` trains at once on a machine giving this process `cores` cores:
 * from 4 cores up, one core is left to the notebook (the kernel, the live view, building each
 * trial's model), so cores − 1; below that every core, since the notebook's share is small next to
 * training and leaving one of 2 cores idle would halve the speed.
 */
export function autoWorkers(cores: number = availableParallelism()): number {
  return cores >= 4 ? cores - 1 : Math.max(1, cores);
}

/**
 * Resolves `--workers auto` (see {@link autoWorkers}) and bounds `--workers N` by what can run at
 * once: one thread per core the machine gives this process (`os.availableParallelism()`) and one
 * per planned trial. More threads than cores only compete for them (each holds its own backend
 * and a copy of the data).
 */
export function boundedWorkers(requested: number | "auto", plannedTrials: number, cores: number = availableParallelism()): WorkerCount {
  if (requested === "auto") {
    const byCores = autoWorkers(cores);
    const count = Math.max(1, Math.min(byCores, plannedTrials));
    const coreText = `${cores} core${cores === 1 ? "" : "s"}${byCores < cores ? ", one left to the notebook" : ""}`;
    const trialText = count < byCores ? `, ${plannedTrials} planned trial${plannedTrials === 1 ? "" : "s"}` : "";
    return { count, auto: `--workers auto: ${coreText}${trialText}` };
  }
  const count = Math.max(1, Math.min(requested, cores, plannedTrials));
  if (count >= requested) return { count };
  const limits = [
    ...(cores < requested ? [`this machine runs ${cores} thread${cores === 1 ? "" : "s"} at once`] : []),
    ...(plannedTrials < requested ? [`the search plans ${plannedTrials} trial${plannedTrials === 1 ? "" : "s"}`] : []),
  ];
  return { count, note: `--workers ${requested}: ${limits.join(" and ")}, so ${count} ${count === 1 ? "trial runs" : "trials run"} at once.` };
}

/**
 * Borrows a pool of `count` threads holding the search's data from the session (see
 * {@link WarmPool}) after checking, with one model built from `params`, that a thread can rebuild
 * the builder's models; otherwise returns the notebook mode with the reason. The note is one line
 * for the cell's output. Give the pool back with {@link WarmPool.giveBack}.
 */
export async function startWorkerTraining(
  loaded: LoadedTensorFlow,
  workers: WorkerCount,
  builder: ModelBuilder,
  params: Params,
  data: TrainingData,
  seed: number,
  pools: WarmPool = sessionPool,
): Promise<TrainingMode> {
  const asked = workers.auto ?? `--workers ${workers.count}`;
  const inNotebook = (reason: string): TrainingMode => ({
    kind: "notebook",
    note: `${asked}: training one trial at a time in the notebook's thread, because ${reason}.`,
  });
  const model = await buildTrialModel(builder, params, 0, { seed });
  let description;
  try {
    description = describeModel(model);
  } catch (error) {
    if (error instanceof UnserialisableModelError) return inNotebook(`the model cannot be sent to a worker thread: ${error.message}`);
    throw error;
  } finally {
    disposeModel(model);
  }
  let pool: TrainingPool;
  try {
    pool = await pools.borrow(workers.count, loaded.backend, data);
  } catch (error) {
    // e.g. a native backend whose addon cannot load in a worker thread
    return inNotebook(`the worker threads could not start: ${messageOf(error)}`);
  }
  try {
    await pool.probe(description);
  } catch (error) {
    await pools.giveBack(pool);
    if (error instanceof UnserialisableModelError) return inNotebook(`the model cannot be sent to a worker thread: ${error.message}`);
    throw error;
  }
  const backend = pool.fallback === undefined ? pool.backend : `${pool.backend}, because ${pool.fallback}`;
  const how = workers.auto === undefined ? backend : `${backend}; ${workers.auto}`;
  return { kind: "threads", pool, note: `Training ${workers.count} trials at once on worker threads (${how}).` };
}

/** Trials `--fuse auto` trains as one computation (`npm run bench:train-step`: the CPU time per trial-step stops falling from about 4–8). */
export const AUTO_FUSED_SLOTS = 8;

/** A fused trainer for a search, and the line saying so; or the line saying why not. */
export type FusedMode = { readonly trainer: FusedTrainer; readonly note: string } | { readonly trainer?: undefined; readonly note: string };

/**
 * `--fuse K|auto`: a fused trainer of K slots when the search trains in the notebook's thread and
 * the builder's model (built once from `params` with the check seed) fuses; else why it trains
 * one trial at a time.
 * Undefined for `--fuse off`. Dispose the trainer after the search.
 */
export async function fusedTraining(
  loaded: LoadedTensorFlow,
  options: Pick<TuneOptions, "fuse" | "storage" | "pruner" | "strategy">,
  onThreads: boolean,
  builder: ModelBuilder,
  params: Params,
  data: TrainingData,
  seeds: { readonly study: number; readonly check: number },
  hypergradient: HypergradientTraining | undefined,
): Promise<FusedMode | undefined> {
  if (options.fuse === "off") return undefined;
  const asked = `--fuse ${options.fuse}`;
  const alone = (reason: string): FusedMode => ({ note: `${asked}: training one trial at a time, because ${reason}.` });
  if (onThreads) return alone("the trials train on worker threads (fusing runs in the notebook's thread: add --workers 1)");
  const blocked = fusionBlocker(data, hypergradient === undefined ? {} : { hypergradient });
  if (blocked !== undefined) return alone(blocked);
  const model = await buildTrialModel(builder, params, 0, { seed: seeds.check });
  let layout;
  try {
    layout = fusedLayoutOf(loaded.tf, model);
  } finally {
    disposeModel(model);
  }
  if (!layout.fusable) return alone(`the model does not fuse: ${layout.reason}`);
  const slots = options.fuse === "auto" ? AUTO_FUSED_SLOTS : options.fuse;
  const trainer = new FusedTrainer(loaded.tf, data.folds[0]!, slots);
  return {
    trainer,
    note: `Training ${slots} trials at once as one computation in the notebook's thread (fused dense stack, ${loaded.backend}). ${repeatabilityNote(options, seeds.study, slots, "fused slots")}`,
  };
}

/**
 * One line for the cell's output of a search training several trials at once: repeatable with the
 * same seed and worker (or fused slot) count (the engine's `repeatable` asking), or why not exactly.
 */
export function repeatabilityNote(options: Pick<TuneOptions, "storage" | "pruner" | "strategy">, seed: number, workers: number, what = "workers"): string {
  const pruner = prunerOf(options);
  const named = options.strategy === "bohb" ? "--strategy bohb" : `--pruner ${pruner}`;
  const why = [
    ...(options.storage !== undefined ? ["--storage is shared with any other process running the study, whose trials come in between"] : []),
    ...(pruner !== "none" ? [`${named} compares each trial with the trials running beside it, which depends on timing`] : []),
  ];
  if (why.length === 0) return `Repeatable: --seed ${seed} with ${workers} ${what} gives the same trials again.`;
  return `Not exactly repeatable with ${workers} ${what}: ${why.join("; ")}.`;
}

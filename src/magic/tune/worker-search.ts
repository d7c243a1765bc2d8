/**
 * `%%tune --workers N`: starts the worker-thread pool for a model search, or says why the search
 * trains in the notebook's thread instead.
 */
import { availableParallelism } from "node:os";
import type { LoadedTensorFlow } from "../../tfjs/backend";
import { describeModel, TrainingPool, UnserialisableModelError } from "../../tfjs/pool";
import { buildTrialModel, disposeModel, type ModelBuilder } from "../../tfjs/train";
import type { TrainingData } from "../../tfjs/trainingData";
import type { Params } from "../../engine/types";
import { messageOf } from "../../common/errors";

/** How a model search trains its trials. */
export type TrainingMode =
  | { readonly kind: "threads"; readonly pool: TrainingPool; readonly note: string }
  | { readonly kind: "notebook"; readonly note: string };

/** The worker threads a search gets, and why fewer than asked when it is bounded. */
export interface WorkerCount {
  readonly count: number;
  /** One line for the cell's output when `count` is below the request. */
  readonly note?: string;
}

/**
 * Bounds `--workers N` by what can run at once: one thread per core the machine gives this
 * process (`os.availableParallelism()`) and one per planned trial. More threads than cores only
 * compete for them (each holds its own backend and a copy of the data).
 */
export function boundedWorkers(requested: number, plannedTrials: number, cores: number = availableParallelism()): WorkerCount {
  const count = Math.max(1, Math.min(requested, cores, plannedTrials));
  if (count >= requested) return { count };
  const limits = [
    ...(cores < requested ? [`this machine runs ${cores} thread${cores === 1 ? "" : "s"} at once`] : []),
    ...(plannedTrials < requested ? [`the search plans ${plannedTrials} trial${plannedTrials === 1 ? "" : "s"}`] : []),
  ];
  return { count, note: `--workers ${requested}: ${limits.join(" and ")}, so ${count} ${count === 1 ? "trial runs" : "trials run"} at once.` };
}

/**
 * Starts `workers` threads on the search's data after checking, with one model built from
 * `params`, that a thread can rebuild the builder's models; otherwise returns the notebook mode
 * with the reason. The note is one line for the cell's output.
 */
export async function startWorkerTraining(
  loaded: LoadedTensorFlow,
  workers: number,
  builder: ModelBuilder,
  params: Params,
  data: TrainingData,
  seed: number,
): Promise<TrainingMode> {
  const inNotebook = (reason: string): TrainingMode => ({
    kind: "notebook",
    note: `--workers ${workers}: training one trial at a time in the notebook's thread, because the model cannot be sent to a worker thread: ${reason}.`,
  });
  const model = await buildTrialModel(builder, params, 0, { seed });
  let description;
  try {
    description = describeModel(model);
  } catch (error) {
    if (error instanceof UnserialisableModelError) return inNotebook(error.message);
    throw error;
  } finally {
    disposeModel(model);
  }
  let pool: TrainingPool;
  try {
    pool = await TrainingPool.start({ size: workers, backend: loaded.backend, data });
  } catch (error) {
    // e.g. a native backend whose addon cannot load in a worker thread
    return {
      kind: "notebook",
      note: `--workers ${workers}: training one trial at a time in the notebook's thread, because the worker threads could not start: ${messageOf(error)}.`,
    };
  }
  try {
    await pool.probe(description);
  } catch (error) {
    await pool.close();
    if (error instanceof UnserialisableModelError) return inNotebook(error.message);
    throw error;
  }
  return { kind: "threads", pool, note: `Training ${workers} trials at once: ${pool.description}.` };
}

/**
 * `%%tune --workers N`: starts the worker-thread pool for a model search, or says why the search
 * trains in the notebook's thread instead, and keeps the best model of trials trained on threads.
 */
import type { LoadedTensorFlow } from "../../tfjs/backend";
import { describeModel, TrainingPool, UnserialisableModelError, type PooledTraining } from "../../tfjs/pool";
import { buildTrialModel, disposeModel, type ModelBuilder } from "../../tfjs/train";
import type { TrainingData } from "../../tfjs/trainingData";
import type { Study } from "../../engine/study";
import type { Params } from "../../engine/types";
import type { NotebookStudy } from "./notebook-study";
import { messageOf } from "../../common/errors";

/** How a model search trains its trials. */
export type TrainingMode =
  | { readonly kind: "threads"; readonly pool: TrainingPool; readonly note: string }
  | { readonly kind: "notebook"; readonly note: string };

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

/**
 * Keeps the best trained model of trials that finish in any order: the decision is taken when a
 * trial's result arrives (against the best kept so far), the model is rebuilt in this thread, and
 * a rebuild overtaken by a better trial meanwhile is disposed.
 */
export class PooledBestModel {
  private keptValue: number | undefined;
  private generation = 0;

  constructor(
    private readonly bound: NotebookStudy,
    private readonly study: Study,
  ) {}

  /** Keeps the trial's model as `bound.bestModel` when it beats the one kept so far. */
  async offer(training: PooledTraining): Promise<void> {
    if (training.restoreModel === undefined || training.pruned || !Number.isFinite(training.value)) return;
    if (this.keptValue !== undefined && !this.study.isBetter(training.value, this.keptValue)) return;
    this.keptValue = training.value;
    const mine = ++this.generation;
    const model = await training.restoreModel();
    if (mine !== this.generation) {
      disposeModel(model);
      return;
    }
    if (this.bound.bestModel !== undefined) disposeModel(this.bound.bestModel);
    this.bound.bestModel = model;
  }
}

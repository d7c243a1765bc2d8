/**
 * A pool's worker thread: loads TensorFlow.js with the main thread's backend once (or, when that
 * cannot start in a thread, the next one of the main thread's fallback order, saying why), makes its
 * tensors of the shared training data once per dataset (a `data` message replaces them), then trains one trial per `train` message with the
 * same trainer as the main thread ({@link trainTrial}), rebuilding each fold's model from its
 * description. Each epoch's metric goes to the main thread, which answers whether to prune
 * through shared memory; the abort flag is read after every batch.
 */
import { parentPort } from "node:worker_threads";
import { orderFromEnvironment, selectBackend, type TensorFlow } from "../backend";
import { disposeModel, trainTrial, type AbortFlag, type TrialReporter } from "../train";
import type { TrainingData } from "../trainingData";
import { createValidationMetrics } from "../validation-metrics";
import { memberStateBuffers, trainMemberRound } from "../member-state";
import { Control, PruneAnswer, type ErrorData, type FromWorker, type RoundJob, type ToWorker, type TrainJob, type WorkerTraining } from "./messages";
import { describeModel, restoreModel, weightBuffers } from "./model-transfer";
import { trainingDataFromShared } from "./shared-data";
import { messageOf } from "../../common/errors";

/** Longest single wait for the pruning answer before the abort flag is looked at again (ms). */
const PRUNE_WAIT_SLICE_MS = 50;

const port = parentPort;
if (port === null) throw new Error("src/tfjs/pool/worker runs as a worker thread (new Worker(...)), not as a script");

let state: { tf: TensorFlow; data: TrainingData | undefined; control: Int32Array } | undefined;

const post = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

port.on("message", (message: ToWorker) => {
  void handle(message).catch((error: unknown) => post({ type: "trainFailed", error: errorData(error) }));
});

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case "init":
      try {
        // The main thread's backend first, then the fallbacks after it, as the main thread chose.
        const loaded = await selectBackend({ order: orderFromEnvironment(message.backend) });
        state = { tf: loaded.tf, data: undefined, control: new Int32Array(message.control) };
        post({ type: "ready", backend: loaded.backend, reason: loaded.reason });
      } catch (error) {
        post({ type: "initFailed", error: errorData(error) });
      }
      return;
    case "data": {
      const current = ready();
      current.data?.dispose();
      current.data = undefined;
      current.data = trainingDataFromShared(current.tf, message.data);
      post({ type: "dataReady" });
      return;
    }
    case "probe": {
      const { tf } = ready();
      try {
        disposeModel(await restoreModel(tf, message.model));
        post({ type: "probed" });
      } catch (error) {
        post({ type: "probed", error: errorData(error) });
      }
      return;
    }
    case "train":
      try {
        const { training, transfer } = await train(message.job);
        post({ type: "trained", training }, transfer);
      } catch (error) {
        post({ type: "trainFailed", error: errorData(error) });
      }
      return;
    case "trainRound":
      try {
        const { tf, data, control } = ready();
        if (data === undefined) throw new Error("the worker got a member-round before its training data");
        const job: RoundJob = message.job;
        const { result, state } = await trainMemberRound(tf, job.state, data.folds[0]!, {
          epochs: job.epochs,
          batchSize: job.batchSize,
          metric: job.metric,
          seed: job.seed,
          firstStep: job.firstStep,
          reporter: { report: (value, step) => post({ type: "epoch", value, step }), shouldPrune: () => false },
          signal: abortFlag(control),
          dataNames: job.dataNames,
          ...(job.validationMetrics === undefined ? {} : { validationMetrics: createValidationMetrics(job.validationMetrics) }),
        });
        post({ type: "roundTrained", result, state }, memberStateBuffers(state));
      } catch (error) {
        post({ type: "trainFailed", error: errorData(error) });
      }
      return;
  }
}

/** The shared abort slot as the trainer's abort flag. */
function abortFlag(control: Int32Array): AbortFlag {
  return {
    get aborted() {
      return Atomics.load(control, Control.abort) === 1;
    },
  };
}

function ready(): NonNullable<typeof state> {
  if (state === undefined) throw new Error("the worker got work before its init message");
  return state;
}

/** Trains one trial with the main thread's trainer; the trained model comes back as data when asked for. */
async function train(job: TrainJob): Promise<{ training: WorkerTraining; transfer: ArrayBuffer[] }> {
  const { tf, data, control } = ready();
  if (data === undefined) throw new Error("the worker got a trial before its training data");
  const signal = abortFlag(control);
  const result = await trainTrial(tf, (_params: unknown, context) => restoreModel(tf, job.models[context.fold]!), undefined, data, {
    epochs: job.epochs,
    batchSize: job.batchSize,
    metric: job.metric,
    seed: job.seed,
    reporter: reporterThroughMainThread(control),
    signal,
    keepModel: job.keepModel,
    dataNames: job.dataNames,
    ...(job.validationMetrics === undefined ? {} : { validationMetrics: createValidationMetrics(job.validationMetrics) }),
  });
  const { model, ...training } = result;
  if (model === undefined) return { training, transfer: [] };
  try {
    const description = describeModel(model);
    return { training: { ...training, model: description }, transfer: weightBuffers(description) };
  } finally {
    disposeModel(model);
  }
}

/**
 * Reports go to the main thread as messages; `shouldPrune` blocks this thread until the main thread
 * has asked the pruner and written the answer (or the trial is aborted).
 */
function reporterThroughMainThread(control: Int32Array): TrialReporter {
  return {
    report(value, step) {
      Atomics.store(control, Control.prune, PruneAnswer.pending);
      post({ type: "epoch", value, step });
    },
    shouldPrune() {
      while (Atomics.load(control, Control.prune) === PruneAnswer.pending && Atomics.load(control, Control.abort) === 0) {
        Atomics.wait(control, Control.prune, PruneAnswer.pending, PRUNE_WAIT_SLICE_MS);
      }
      return Atomics.load(control, Control.prune) === PruneAnswer.prune;
    },
  };
}

function errorData(error: unknown): ErrorData {
  if (!(error instanceof Error)) return { name: "Error", message: messageOf(error) };
  const counts = error as Error & { epochsRun?: unknown; batchesRun?: unknown };
  return {
    name: typeof error.name === "string" ? error.name : "Error",
    message: messageOf(error),
    ...(typeof counts.epochsRun === "number" ? { epochsRun: counts.epochsRun } : {}),
    ...(typeof counts.batchesRun === "number" ? { batchesRun: counts.batchesRun } : {}),
  };
}

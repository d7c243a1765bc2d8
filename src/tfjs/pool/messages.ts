/**
 * What the main thread and a pool's worker threads say to each other. Besides these messages,
 * each worker shares a small `Int32Array` with the main thread (see {@link Control}): training
 * keeps the worker's event loop busy, so an abort and a pruning answer are read from shared memory.
 */
import type { BackendName } from "../backend";
import type { TrialTraining } from "../train";
import type { ModelDescription } from "./model-transfer";
import type { SharedTrainingData } from "./shared-data";
import type { ValidationMetricsSpec } from "../validation-metrics";
import type { MemberState } from "../member-state";
import type { RoundResult } from "../train-rounds";

/** Slots of the shared control array. */
export const Control = {
  /** 1 once the running trial is aborted (read after every batch). */
  abort: 0,
  /** The main thread's answer to the last report: 0 pending, 1 go on, 2 prune. */
  prune: 1,
  /** Number of slots. */
  length: 2,
} as const;

/** Values of the prune slot. */
export const PruneAnswer = { pending: 0, goOn: 1, prune: 2 } as const;

/** One trial's work for a worker. */
export interface TrainJob {
  /** Each fold's model as built (and initialised) in the main thread: one with a validation split. */
  readonly models: readonly ModelDescription[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly metric: string;
  readonly seed: number;
  /** Send the trained model's weights back. */
  readonly keepModel: boolean;
  readonly dataNames: { readonly x: string; readonly y: string };
  /** The metrics from predictions on the validation rows, by name (the worker rebuilds them). */
  readonly validationMetrics?: ValidationMetricsSpec;
}

/** One round of a population-based-training member for a worker (see tfjs/member-state.ts). */
export interface RoundJob {
  /** The member's model and optimizer state at the round's start. */
  readonly state: MemberState;
  readonly epochs: number;
  readonly batchSize: number;
  readonly metric: string;
  readonly seed: number;
  /** The report step of the round's first epoch (the epochs the member trained before). */
  readonly firstStep: number;
  readonly dataNames: { readonly x: string; readonly y: string };
  readonly validationMetrics?: ValidationMetricsSpec;
}

/** Main thread → worker. */
export type ToWorker =
  | { readonly type: "init"; readonly backend: BackendName; readonly control: SharedArrayBuffer }
  /** The data to train on from now on (the thread's tensors of earlier data are disposed). */
  | { readonly type: "data"; readonly data: SharedTrainingData }
  | { readonly type: "probe"; readonly model: ModelDescription }
  | { readonly type: "train"; readonly job: TrainJob }
  /** Trains one PBT member-round on the first fold (reports go out as `epoch`, never waiting for a pruning answer). */
  | { readonly type: "trainRound"; readonly job: RoundJob };

/** An error as data. */
export interface ErrorData {
  readonly name: string;
  readonly message: string;
  readonly epochsRun?: number;
  readonly batchesRun?: number;
}

/** What a worker's training produced (the trained model as data when asked for). */
export type WorkerTraining = Omit<TrialTraining, "model"> & { readonly model?: ModelDescription };

/** Worker → main thread. */
export type FromWorker =
  /** Started: the backend the thread runs, and why (the reasons earlier backends did not start). */
  | { readonly type: "ready"; readonly backend: string; readonly reason: string }
  | { readonly type: "initFailed"; readonly error: ErrorData }
  | { readonly type: "dataReady" }
  | { readonly type: "probed"; readonly error?: ErrorData }
  | { readonly type: "epoch"; readonly value: number; readonly step: number }
  | { readonly type: "trained"; readonly training: WorkerTraining }
  | { readonly type: "roundTrained"; readonly result: RoundResult; readonly state: MemberState }
  | { readonly type: "trainFailed"; readonly error: ErrorData };

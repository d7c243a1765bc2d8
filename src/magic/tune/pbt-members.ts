/**
 * Where a `--strategy pbt` search's members live and train: {@link NotebookMembers} keeps each
 * member as a compiled model in the notebook's thread; {@link PoolMembers} keeps each as data
 * (tfjs/member-state.ts) and trains its rounds on the worker-thread pool, several at once. Both
 * build first models and copies with the notebook's builder, so the population's decisions
 * (pbt-population.ts) do not depend on where members train.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../../tfjs/backend";
import { buildTrialModel, disposeModel, type ModelBuilder, type TrialReporter, type ValidationMetrics } from "../../tfjs/train";
import { checkModelFitsData } from "../../tfjs/model-setup";
import { captureMemberState, copyMemberState, restoreMemberState, type MemberState } from "../../tfjs/member-state";
import { rebuildWithState, trainRound, type RoundResult } from "../../tfjs/train-rounds";
import type { TrainingFold } from "../../tfjs/trainingData";
import type { TrainingPool } from "../../tfjs/pool";
import { threadSpecOf } from "../../tfjs/validation-metrics";
import type { Params } from "../../engine/types";
import { optional } from "./options";

/** How one member-round trains. */
export interface MemberRoundSpec {
  readonly params: Params;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  /** The member's epochs before this round (the report step of its first epoch). */
  readonly firstStep: number;
  readonly reporter: TrialReporter;
  readonly signal: AbortSignal;
}

/** A member's state after a round and the round's result. */
export interface TrainedRound<S> {
  readonly result: RoundResult;
  readonly state: S;
}

/** Where members live (`S`: a member's state) and train. */
export interface MemberTrainer<S> {
  /** Member-rounds trained at once. */
  readonly concurrency: number;
  /** A member's first model, built from its parameters with `seed` and checked against the data. */
  first(params: Params, seed: number): Promise<S>;
  /** PBT's exploit: `params`'s model with `parent`'s weights and optimizer state (`parent` unchanged). */
  copy(parent: S, params: Params, seed: number): Promise<S>;
  /** Trains one round from `state` (which the trainer may change or consume: use the returned state). */
  train(state: S, spec: MemberRoundSpec): Promise<TrainedRound<S>>;
  /** A model of its own (the caller's) with the member's weights, for `study.bestModel`. */
  snapshot(state: S, params: Params, seed: number): Promise<tfjs.LayersModel>;
  /** The member's state as data (for a checkpoint). */
  capture(state: S): Promise<MemberState>;
  /** A member from data (a checkpoint). */
  restore(state: MemberState): Promise<S>;
  dispose(state: S): void;
}

/** What both trainers need from the search. */
export interface MemberContext {
  readonly tf: TensorFlow;
  readonly builder: ModelBuilder;
  readonly fold: TrainingFold;
  readonly metric: string;
  readonly dataNames: { readonly x: string; readonly y: string };
  readonly validationMetrics?: ValidationMetrics;
}

/** Members as compiled models in the notebook's thread, one member-round at a time. */
export class NotebookMembers implements MemberTrainer<tfjs.LayersModel> {
  readonly concurrency = 1;

  constructor(private readonly context: MemberContext) {}

  first(params: Params, seed: number): Promise<tfjs.LayersModel> {
    return buildChecked(this.context, params, seed);
  }

  copy(parent: tfjs.LayersModel, params: Params, seed: number): Promise<tfjs.LayersModel> {
    const { tf, builder, fold, dataNames } = this.context;
    return rebuildWithState(tf, builder, params, parent, fold, { seed, dataNames });
  }

  async train(model: tfjs.LayersModel, spec: MemberRoundSpec): Promise<TrainedRound<tfjs.LayersModel>> {
    const { tf, fold, metric, dataNames, validationMetrics } = this.context;
    const result = await trainRound(tf, model, fold, {
      epochs: spec.epochs,
      batchSize: spec.batchSize,
      metric,
      seed: spec.seed,
      reporter: spec.reporter,
      firstStep: spec.firstStep,
      signal: spec.signal,
      dataNames,
      ...optional("validationMetrics", validationMetrics),
    });
    return { result, state: model };
  }

  snapshot(model: tfjs.LayersModel, params: Params, seed: number): Promise<tfjs.LayersModel> {
    return this.copy(model, params, seed);
  }

  capture(model: tfjs.LayersModel): Promise<MemberState> {
    return captureMemberState(this.context.tf, model);
  }

  restore(state: MemberState): Promise<tfjs.LayersModel> {
    return restoreMemberState(this.context.tf, state);
  }

  dispose(model: tfjs.LayersModel): void {
    disposeModel(model);
  }
}

/**
 * Members as data, their rounds trained on the pool's threads (as many at once as it has):
 * models are built here with the notebook's builder, described, and sent with their optimizer
 * state; each round's state comes back. The validation metrics must be thread-safe (no notebook
 * function: pbt-search.ts trains in the notebook then).
 */
export class PoolMembers implements MemberTrainer<MemberState> {
  constructor(
    private readonly context: MemberContext,
    private readonly pool: TrainingPool,
  ) {}

  get concurrency(): number {
    return this.pool.size;
  }

  async first(params: Params, seed: number): Promise<MemberState> {
    const model = await buildChecked(this.context, params, seed);
    try {
      return await captureMemberState(this.context.tf, model);
    } finally {
      disposeModel(model);
    }
  }

  copy(parent: MemberState, params: Params, seed: number): Promise<MemberState> {
    const { builder, fold, dataNames } = this.context;
    return copyMemberState(builder, params, parent, fold, { seed, dataNames });
  }

  train(state: MemberState, spec: MemberRoundSpec): Promise<TrainedRound<MemberState>> {
    const { metric, dataNames, validationMetrics } = this.context;
    return this.pool.trainRound(
      {
        state,
        epochs: spec.epochs,
        batchSize: spec.batchSize,
        metric,
        seed: spec.seed,
        firstStep: spec.firstStep,
        dataNames,
        ...(validationMetrics === undefined ? {} : { validationMetrics: threadSpecOf(validationMetrics) }),
      },
      spec.reporter,
      spec.signal,
    );
  }

  snapshot(state: MemberState): Promise<tfjs.LayersModel> {
    return restoreMemberState(this.context.tf, state);
  }

  capture(state: MemberState): Promise<MemberState> {
    return Promise.resolve(state);
  }

  restore(state: MemberState): Promise<MemberState> {
    return Promise.resolve(state);
  }

  dispose(): void {
    // Data only: nothing to free.
  }
}

/** `params`'s model built with `seed`, checked against the data (disposed when the check fails). */
async function buildChecked(context: MemberContext, params: Params, seed: number): Promise<tfjs.LayersModel> {
  const model = await buildTrialModel(context.builder, params, 0, { seed });
  try {
    checkModelFitsData(model, context.fold, context.dataNames);
    return model;
  } catch (error) {
    disposeModel(model);
    throw error;
  }
}

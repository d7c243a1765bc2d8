/**
 * `%%tune --model`: trains the builder's models on `--data`, one per trial, in the notebook's
 * thread or on worker threads (`--workers`), keeps the best model, and with `--cv` refits the
 * best parameters on all rows after the search.
 */
import { activeParams } from "../../engine/conditions";
import { MagicError, type MagicContext } from "../types";
import type { LoadedTensorFlow } from "../../tfjs/backend";
import { metricDirection } from "../../tfjs/metrics";
import { trainTrialInPool, type TrainingPool } from "../../tfjs/pool";
import { checkTrialSetup, refitOnAllRows, TrainingAbortedError, trainTrial, type ModelBuilder, type TrialTraining } from "../../tfjs/train";
import { prepareTrainingData, type DataInput, type TrainingData, type Validation } from "../../tfjs/trainingData";
import type { Objective, ObjectiveResult } from "../../engine/study";
import { TrialPruned, type Trial } from "../../engine/trial";
import type { Params, SearchSpace } from "../../engine/types";
import { deriveSeed } from "../../common/random";
import { messageOf } from "../../common/errors";
import { BestModelKeeper } from "./best-model";
import { NotebookStudy } from "./notebook-study";
import type { TuneOptions } from "./options";
import { refitReport } from "./report";
import { InterruptedSearch, runSearch } from "./run-search";
import { openStudy } from "./study-setup";
import type { TuneSession } from "./tune-magic";
import { lookupFunction, lookupVariable } from "./variables";
import { plannedTrials } from "./space-size";
import { boundedWorkers, startWorkerTraining, type TrainingMode } from "./worker-search";

/**
 * Runs a `--model` search: reads `--data` (and `--validation-data`), checks one model built from
 * a representative point of the space (and resolves the metric and its direction) before any
 * training, opens the study, and runs it. The training data and any worker threads are released
 * at the end, also on failure.
 */
export async function runModelSearch(
  session: TuneSession,
  options: TuneOptions,
  space: SearchSpace,
  seed: number,
  context: MagicContext,
  loaded: LoadedTensorFlow,
): Promise<undefined> {
  const { tf } = loaded;
  const builder = lookupFunction(context, options.model!, "model") as unknown as ModelBuilder;
  const [xName, yName] = options.data!;
  const dataNames = { x: xName, y: yName };
  const x = lookupVariable(context, xName, "variable") as DataInput;
  const y = lookupVariable(context, yName, "variable") as DataInput;
  const validation = readValidation(options, context);
  let data: TrainingData;
  try {
    data = prepareTrainingData(tf, x, y, { validation, seed: deriveSeed(seed, "data") }, dataNames);
  } catch (error) {
    throw new MagicError(`--data ${xName},${yName}: ${messageOf(error)}`, 1);
  }
  let pool: TrainingPool | undefined;
  try {
    const requested = options.metric ?? "val_loss";
    const checkSeed = deriveSeed(seed, "check");
    let metric: string;
    try {
      const params = { ...representativeParams(space) };
      metric = await checkTrialSetup(builder, params, data, { seed: checkSeed, dataNames, metric: requested });
    } catch (error) {
      throw new MagicError(`--model ${options.model}: ${messageOf(error)}`, 1);
    }
    const direction = options.direction ?? metricDirection(metric);
    if (direction === undefined) {
      throw new MagicError(`cannot tell whether ${metric} should go up or down: add --direction minimize or --direction maximize`, 1);
    }
    const workers = boundedWorkers(options.workers, plannedTrials(options, space));
    if (workers.note !== undefined) context.stdout(`${workers.note}\n`);
    const mode: TrainingMode | undefined =
      workers.count > 1 ? await startWorkerTraining(loaded, workers.count, builder, representativeParams(space), data, checkSeed) : undefined;
    if (mode !== undefined) context.stdout(`${mode.note}\n`);
    pool = mode?.kind === "threads" ? mode.pool : undefined;
    const study = await openStudy(options, space, seed, direction, metric, context);
    const bound = new NotebookStudy(study, space, session.embedding, options.trials);
    const keeper = new BestModelKeeper(bound, (a, b) => study.isBetter(a, b));
    const inPool = pool;
    const objective: Objective = async (trial: Trial): Promise<ObjectiveResult> => {
      const params = trial.params;
      const perTrial = {
        ...trainingLength(params, options),
        metric,
        seed: deriveSeed(seed, "trial", trial.number),
        reporter: trial,
        signal: context.signal,
        keepModel: options.keepBest,
        dataNames,
      };
      let result: Omit<TrialTraining, "model">;
      if (inPool === undefined) {
        const trained = await trainTrial(tf, builder, params, data, perTrial);
        await keeper.offer(trained.value, trained.pruned, trained.model === undefined ? undefined : { kind: "in-hand", model: trained.model });
        result = trained;
      } else {
        const trained = await trainTrialInPool(tf, inPool, builder, params, data.folds.length, perTrial);
        await keeper.offer(trained.value, trained.pruned, trained.restoreModel === undefined ? undefined : { kind: "restorable", restore: trained.restoreModel });
        result = trained;
      }
      trial.setUserAttr("epochs", result.epochsRun);
      if (result.pruned) throw new TrialPruned(`pruned after ${result.epochsRun} epochs`);
      return result.metrics;
    };
    // With --cv the best trial's model is its last fold's: train its parameters on all the data instead.
    const refit = options.cv !== undefined && options.keepBest && options.refit ? () => refitBest({ loaded, builder, data, options, seed, bound, keeper, context }) : undefined;
    await runSearch({
      session,
      options,
      space,
      study,
      objective,
      context,
      bound,
      concurrency: pool?.size ?? 1,
      objectiveWork: "training",
      ...(refit === undefined ? {} : { afterSearch: refit }),
    });
  } finally {
    await pool?.close();
    data.dispose();
  }
  return undefined;
}

/** How the trials validate: `--cv` folds, `--validation-data`, or a `--validation` fraction (default 0.2). */
function readValidation(options: TuneOptions, context: MagicContext): Validation {
  if (options.cv !== undefined) return { kind: "folds", k: options.cv };
  if (options.validationData !== undefined) {
    const [vxName, vyName] = options.validationData;
    return {
      kind: "data",
      x: lookupVariable(context, vxName, "variable") as DataInput,
      y: lookupVariable(context, vyName, "variable") as DataInput,
    };
  }
  return { kind: "fraction", fraction: options.validation ?? 0.2 };
}

/**
 * A representative point of the space, for checking a builder before the search: each low end
 * (first choice), with the parameters those values make inactive left out, as a trial would.
 */
function representativeParams(space: SearchSpace): Params {
  const params: Record<string, Params[string]> = {};
  for (const [name, dist] of Object.entries(space)) {
    if (dist.kind === "categorical") params[name] = dist.choices[0]!;
    else if (dist.kind === "fixed") params[name] = dist.value;
    else params[name] = dist.low;
  }
  return activeParams(space, params);
}

/** A trial's epochs and batch size: searched parameters of those names, else --epochs and --batch-size. */
function trainingLength(params: Params, options: TuneOptions): { epochs: number; batchSize: number } {
  return {
    epochs: typeof params["epochs"] === "number" ? params["epochs"] : options.epochs,
    batchSize: typeof params["batchSize"] === "number" ? params["batchSize"] : options.batchSize,
  };
}

/** What the `--cv` refit needs. */
interface RefitInput {
  readonly loaded: LoadedTensorFlow;
  readonly builder: ModelBuilder;
  readonly data: TrainingData;
  readonly options: TuneOptions;
  readonly seed: number;
  readonly bound: NotebookStudy;
  readonly keeper: BestModelKeeper;
  readonly context: MagicContext;
}

/**
 * After a --cv search: trains the best trial's parameters once more on every row of --data (as
 * scikit-learn's refit) and keeps that model as `study.bestModel` in place of the trial's
 * last-fold model. If the refit is interrupted or fails, the last-fold model stays.
 */
async function refitBest({ loaded, builder, data, options, seed, bound, keeper, context }: RefitInput): Promise<void> {
  const best = bound.bestTrial;
  if (best === undefined || bound.bestModel === undefined) return;
  const [xName, yName] = options.data!;
  const length = trainingLength(best.params, options);
  const started = performance.now();
  try {
    const { model, rows } = await refitOnAllRows(loaded.tf, builder, best.params, data, {
      ...length,
      seed: deriveSeed(seed, "refit"),
      signal: context.signal,
      dataNames: { x: xName, y: yName },
    });
    keeper.replace(model);
    const durationMs = performance.now() - started;
    context.stdout(`${refitReport({ trialNumber: best.number, rows, data: `${xName},${yName}`, epochs: length.epochs, durationMs, out: options.out })}\n`);
  } catch (error) {
    if (error instanceof TrainingAbortedError) {
      throw new InterruptedSearch(`refit interrupted; the study and trial #${best.number}'s last-fold model are kept in \`${options.out}\``);
    }
    context.stderr(`The refit on all rows failed (${messageOf(error)}); ${options.out}.bestModel is trial #${best.number}'s last-fold model.\n`);
  }
}

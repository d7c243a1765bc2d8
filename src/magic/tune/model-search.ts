/**
 * `%%tune --model`: trains the builder's models on `--data`, one per trial, in the notebook's
 * thread or on worker threads (`--workers`), keeps the best model (the best K with `--test-top`),
 * and after the search refits on all rows with `--cv` (refit.ts), says when the best model is not
 * the best trial's, and evaluates the kept models on `--test` rows.
 */
import { activeParams } from "../../engine/conditions";
import { MagicError, type MagicContext } from "../types";
import type { LoadedTensorFlow } from "../../tfjs/backend";
import { metricDirection } from "../../tfjs/metrics";
import { sessionPool, trainTrialInPool, type TrainingPool } from "../../tfjs/pool";
import { checkTrialSetup, trainTrial, type HypergradientTraining, type ModelBuilder, type TrialTraining } from "../../tfjs/train";
import { prepareTrainingData, type DataInput, type TrainingData, type Validation } from "../../tfjs/trainingData";
import type { Objective, ObjectiveResult } from "../../engine/study";
import { TrialPruned, type Trial } from "../../engine/trial";
import type { Params, SearchSpace } from "../../engine/types";
import { deriveSeed } from "../../common/random";
import { messageOf } from "../../common/errors";
import { BestModelKeeper } from "./best-model";
import { NotebookStudy } from "./notebook-study";
import type { TuneOptions } from "./options";
import { bestModelNote, testReport } from "./report";
import { checkMetricsBeforeTraining, setUpMetrics, type MetricSetup } from "./metric-setup";
import { evaluateOnTest, FOLD_METRICS_ATTR, modelsToTest, prepareTestData, type TestData } from "./test-evaluation";
import { runSearch } from "./run-search";
import { refitBest, refitFront, type RefitInput } from "./refit";
import { trainingLength } from "./training-length";
import { checkClassNames, encodeStringLabels, readClassNames, resolvePositiveClass } from "./class-names";
import { openStudy } from "./study-setup";
import type { TuneSession } from "./tune-magic";
import { lookupFunction, lookupVariable } from "./variables";
import { runPbtSearch } from "./pbt-search";
import { plannedTrials } from "./space-size";
import { FrontModelKeeper } from "./front-models";
import { resolveModelObjectives, severalObjectivesResult, type ModelObjectives } from "./model-objectives";
import { boundedWorkers, fusedTraining, repeatabilityNote, startWorkerTraining, type TrainingMode } from "./worker-search";
import { trainTrialFused, type FusedTrainer } from "../../tfjs/fused";
import type * as tfjs from "@tensorflow/tfjs";
import { restoreMemberState, type MemberState } from "../../tfjs/member-state";
import { NotebookMembers, PoolMembers, type MemberContext } from "./pbt-members";
import { pausedHalvingFor } from "./paused-halving";
import { pausedObjective } from "./paused-objective";

/**
 * Runs a `--model` search: reads `--data` (and `--validation-data`), checks one model built from
 * a representative point of the space (and resolves the metric and its direction) before any
 * training, opens the study, and runs it. The training data is released at the end, also on
 * failure, and any worker threads go back to the session's pool for the next cell.
 */
export async function runModelSearch(
  session: TuneSession,
  options: TuneOptions,
  space: SearchSpace,
  seed: number,
  context: MagicContext,
  loaded: LoadedTensorFlow,
  hypergradient?: HypergradientTraining,
  mutable: readonly string[] = [],
): Promise<undefined> {
  const { tf } = loaded;
  const adapting = hypergradient === undefined ? {} : { hypergradient };
  const builder = lookupFunction(context, options.model!, "model") as unknown as ModelBuilder;
  const [xName, yName] = options.data!;
  const dataNames = { x: xName, y: yName };
  const x = lookupVariable(context, xName, "variable") as DataInput;
  const labels = encodeStringLabels(lookupVariable(context, yName, "variable") as DataInput, yName);
  const y = labels.y;
  if (labels.classes !== undefined) context.stdout(`${yName} holds class names: the model sees them as ${labels.classes.map((c, i) => `${i} = ${c}`).join(", ")}.\n`);
  const validation = readValidation(options, context, labels.classes);
  let data: TrainingData;
  try {
    // --cv folds keep each class's share when the targets are class labels, as scikit-learn's
    // cross-validation of a classifier does (a rare class could be absent from a fold, failing
    // every trial on a metric such as val_auc); --validation FRACTION is a plain split, as Keras's.
    data = prepareTrainingData(tf, x, y, { validation, seed: deriveSeed(seed, "data"), ...(validation.kind === "folds" ? { stratify: "if-classes" as const } : {}) }, dataNames);
  } catch (error) {
    throw new MagicError(`--data ${xName},${yName}: ${messageOf(error)}`, 1);
  }
  let pool: TrainingPool | undefined;
  let fused: FusedTrainer | undefined;
  let test: TestData | undefined;
  try {
    test = readTestData(loaded, options, context, { x, y }, labels.classes);
    const classNames = readClassNames(options, context) ?? labels.classes;
    if (classNames !== undefined) for (const targets of [data.folds[0]!.yTrain, data.folds[0]!.yValidation]) checkClassNames(classNames, targets);
    const positiveClass = resolvePositiveClass(options.positiveClass, classNames);
    const metrics = setUpMetrics(options, context, positiveClass);
    const { requested, validationMetrics } = metrics;
    const checkSeed = deriveSeed(seed, "check");
    let metric: string;
    let several: ModelObjectives | undefined;
    try {
      const params = { ...representativeParams(space) };
      const check = (wanted: string) => checkTrialSetup(builder, params, data, { seed: checkSeed, dataNames, metric: wanted, ...adapting, ...(validationMetrics === undefined ? {} : { validationMetrics }) });
      several = options.objectives === undefined ? undefined : await resolveModelObjectives(options.objectives, check);
      metric = several?.trainMetric ?? (await check(requested));
    } catch (error) {
      if (error instanceof MagicError) throw error;
      throw new MagicError(`--model ${options.model}: ${messageOf(error)}`, 1);
    }
    if (validationMetrics !== undefined) {
      try {
        await checkMetricsBeforeTraining(tf, builder, representativeParams(space), data, checkSeed, validationMetrics);
      } catch (error) {
        throw new MagicError(`--metric ${requested}: ${messageOf(error)}`, 1);
      }
    }
    const direction = several !== undefined ? "minimize" : options.direction ?? metricDirection(metric);
    if (direction === undefined) {
      throw new MagicError(`cannot tell whether ${metric} should go up or down: add --direction minimize or --direction maximize`, 1);
    }
    if (options.strategy === "pbt") {
      const study = await openStudy(options, space, seed, direction, metric, context);
      await runPbtSearch({ session, options, space, seed, context, tf, loaded, builder, data, metric, study, dataNames, mutable, ...(validationMetrics === undefined ? {} : { validationMetrics }), ...(metrics.userFunction === undefined ? {} : { metricFunction: metrics.userFunction }) });
      return undefined;
    }
    const workers = boundedWorkers(options.workers, plannedTrials(options, space));
    if (workers.note !== undefined) context.stdout(`${workers.note}\n`);
    const mode: TrainingMode | undefined =
      workers.count <= 1
        ? undefined
        : metrics.userFunction !== undefined
          ? metricFunctionStaysInNotebook(workers.count, metrics.userFunction)
          : await startWorkerTraining(loaded, workers, builder, representativeParams(space), data, checkSeed);
    if (mode !== undefined) context.stdout(`${mode.note}\n`);
    else if (workers.auto !== undefined) context.stdout(`Training one trial at a time in the notebook's thread (${workers.auto}).\n`);
    pool = mode?.kind === "threads" ? mode.pool : undefined;
    if (pool !== undefined) context.stdout(`${repeatabilityNote(options, seed, pool.size)}\n`);
    const fusion = await fusedTraining(loaded, options, pool !== undefined, builder, representativeParams(space), data, { study: seed, check: checkSeed }, hypergradient);
    if (fusion !== undefined) context.stdout(`${fusion.note}\n`);
    fused = fusion?.trainer;
    const inFused = fused;
    let fallbackSaid = false;
    // One trial in the notebook's thread: in a fused slot when there is a fused trainer (saying once why a trial fell back).
    const trainHere = async (params: Params, perTrial: Parameters<typeof trainTrial>[4]): Promise<TrialTraining> => {
      if (inFused === undefined) return trainTrial(tf, builder, params, data, perTrial);
      const trained = await trainTrialFused(tf, inFused, builder, params, data, perTrial);
      if (trained.fallback !== undefined && !fallbackSaid) {
        fallbackSaid = true;
        context.stdout(`A trial trained alone, not fused: ${trained.fallback}.\n`);
      }
      return trained;
    };
    const study = await openStudy(options, space, seed, direction, metric, context, several?.objectives);
    const bound = new NotebookStudy(study, space, session.embedding, options.trials);
    const front = several === undefined ? undefined : { plan: several, keeper: new FrontModelKeeper(bound.frontModels, several.objectives.directions) };
    const keeper = new BestModelKeeper(bound, (a, b) => study.isBetter(a, b), options.testTop ?? 1);
    const inPool = pool;
    let stepFallbackSaid = false;
    // Said once per search: why trials train with tfjs's generic step instead of the lean Dense step.
    const sayStepFallback = (trained: Pick<TrialTraining, "stepFallback">): void => {
      if (trained.stepFallback === undefined || stepFallbackSaid) return;
      stepFallbackSaid = true;
      context.stdout(`Trials train with tfjs's general step, not the lean Dense step: ${trained.stepFallback}.\n`);
    };
    const objective: Objective = async (trial: Trial): Promise<ObjectiveResult> => {
      const params = trial.params;
      const perTrial = {
        ...trainingLength(params, options),
        metric,
        seed: deriveSeed(seed, "trial", trial.number),
        reporter: trial,
        signal: context.signal,
        keepModel: options.keepBest || (front !== undefined && front.plan.costs.length > 0),
        dataNames,
        ...adapting,
        ...(validationMetrics === undefined ? {} : { validationMetrics }),
      };
      let result: Omit<TrialTraining, "model">;
      if (front !== undefined) {
        const trained = inPool === undefined ? await trainHere(params, perTrial) : await trainTrialInPool(tf, inPool, builder, params, data.folds.length, perTrial);
        sayStepFallback(trained);
        trial.setUserAttr("epochs", trained.epochsRun);
        const foldMetrics = foldFinals(trained, data.folds.length);
        if (foldMetrics !== undefined) trial.setUserAttr(FOLD_METRICS_ATTR, foldMetrics);
        return severalObjectivesResult(tf, trained, front, data, options.keepBest, trial.number);
      } else if (inPool === undefined) {
        const trained = await trainHere(params, perTrial);
        await keeper.offer(trained.value, trained.pruned, trained.model === undefined ? undefined : { kind: "in-hand", model: trained.model }, trial.number);
        result = trained;
      } else {
        const trained = await trainTrialInPool(tf, inPool, builder, params, data.folds.length, perTrial);
        await keeper.offer(trained.value, trained.pruned, trained.restoreModel === undefined ? undefined : { kind: "restorable", restore: trained.restoreModel }, trial.number);
        result = trained;
      }
      sayStepFallback(result);
      trial.setUserAttr("epochs", result.epochsRun);
      // hypergradient(...): the learning rate after each epoch, for the "learning-rate" figure.
      const rates = result.history["lr"];
      if (rates !== undefined) trial.setUserAttr("lr", rates.map((rate) => Number(rate.toPrecision(6))));
      const foldMetrics = foldFinals(result, data.folds.length);
      if (foldMetrics !== undefined) trial.setUserAttr(FOLD_METRICS_ATTR, foldMetrics);
      if (result.pruned) throw new TrialPruned(`pruned after ${result.epochsRun} epochs`);
      return result.metrics;
    };
    const pausing = pausedHalvingFor({ study, options, several: several !== undefined, folds: data.folds.length, threads: pool?.size ?? 1, fused: fused !== undefined, hypergradient: hypergradient !== undefined, budget: plannedTrials(options, space), signal: context.signal });
    const paused = pausing.halving;
    const members: MemberContext = { tf, builder, fold: data.folds[0]!, metric, dataNames, ...(validationMetrics === undefined ? {} : { validationMetrics }) };
    const pausedInput = { halving: paused!, keeper, options, seed, signal: context.signal };
    const searchObjective =
      paused === undefined
        ? objective
        : inPool === undefined
          ? pausedObjective<tfjs.LayersModel>({ ...pausedInput, members: new NotebookMembers(members), offerOf: (model) => ({ kind: "in-hand", model }) })
          : pausedObjective<MemberState>({ ...pausedInput, members: new PoolMembers(members, inPool), offerOf: (state) => ({ kind: "restorable", restore: () => restoreMemberState(tf, state) }) });
    if (pausing.note !== undefined) context.stdout(`${pausing.note}\n`);
    // With --cv each kept model is its trial's last fold's: train its parameters on all the data instead.
    const refitInput: RefitInput = { loaded, builder, data, options, seed, bound, context, ...adapting };
    const refit = options.cv === undefined || !options.keepBest || !options.refit ? undefined : several === undefined ? () => refitBest(refitInput, keeper) : () => refitFront(refitInput);
    const testData = test;
    const afterSearch = async (): Promise<void> => {
      const refitted = (await refit?.()) ?? new Set<number>();
      const note = bestModelNote(bound, options.out);
      if (note !== undefined) context.stdout(`${note}\n`);
      if (testData !== undefined) testKept({ loaded, data, options, seed, bound, context, metrics, test: testData, refitted, ...(classNames === undefined ? {} : { classNames }) });
    };
    await runSearch({
      session,
      options,
      space,
      study,
      objective: searchObjective,
      context,
      bound,
      // With paused trials every trial of the budget may be in flight (running or paused); the admission bounds the threads.
      concurrency: paused === undefined ? pool?.size ?? fused?.capacity ?? 1 : Math.max(1, plannedTrials(options, space)),
      ...(paused === undefined ? {} : { admission: paused.admission }),
      // Threads train trials of unequal lengths: a wider window of pending trials idles them less
      // (fused slots advance in step, and keep the narrowest window).
      ...(paused === undefined && pool !== undefined ? { pendingWindow: 2 * (pool.size - 1) } : {}),
      objectiveWork: "training",
      afterSearch,
    });
  } finally {
    if (pool !== undefined) await sessionPool.giveBack(pool);
    fused?.dispose();
    test?.dispose();
    data.dispose();
  }
  return undefined;
}

/** The `--test` rows as tensors, checked against --data before any training. */
function readTestData(loaded: LoadedTensorFlow, options: TuneOptions, context: MagicContext, train: { x: DataInput; y: DataInput }, classes: readonly string[] | undefined): TestData | undefined {
  if (options.test === undefined) return undefined;
  const [txName, tyName] = options.test;
  const testX = lookupVariable(context, txName, "variable") as DataInput;
  const testY = classes === undefined ? (lookupVariable(context, tyName, "variable") as DataInput) : encodeStringLabels(lookupVariable(context, tyName, "variable") as DataInput, tyName, classes).y;
  try {
    return prepareTestData(loaded.tf, train, { x: testX, y: testY }, { x: txName, y: tyName });
  } catch (error) {
    throw new MagicError(`--test ${txName},${tyName}: ${messageOf(error)}`, 1);
  }
}

/** Training stays in the notebook's thread: a notebook metric function cannot cross to a worker thread. */
function metricFunctionStaysInNotebook(workers: number, functionName: string): TrainingMode {
  return {
    kind: "notebook",
    note: `--workers ${workers}: training one trial at a time in the notebook's thread, because the metric function ${functionName} lives in the notebook and cannot be sent to a worker thread.`,
  };
}

/**
 * With several folds, each validation metric's value after each fold (history index
 * (f + 1)·epochs − 1 of fold f); undefined for one fold or a trial stopped early.
 */
function foldFinals(result: Pick<TrialTraining, "history" | "epochsRun" | "pruned">, folds: number): Record<string, number[]> | undefined {
  if (folds < 2 || result.pruned || result.epochsRun % folds !== 0) return undefined;
  const epochs = result.epochsRun / folds;
  const finals: Record<string, number[]> = {};
  for (const [name, values] of Object.entries(result.history)) {
    if (name.startsWith("val_") && values.length === result.epochsRun) finals[name] = Array.from({ length: folds }, (_, f) => values[(f + 1) * epochs - 1]!);
  }
  return finals;
}

/** What the `--test` evaluation needs. */
interface TestKeptInput {
  readonly loaded: LoadedTensorFlow;
  readonly data: TrainingData;
  readonly options: TuneOptions;
  readonly seed: number;
  readonly bound: NotebookStudy;
  readonly context: MagicContext;
  readonly metrics: MetricSetup;
  readonly test: TestData;
  /** The trials whose kept model is the --cv refit's (not the trial's own). */
  readonly refitted: ReadonlySet<number>;
  /** The classes' names for the report (`--class-names`). */
  readonly classNames?: readonly string[];
}

/**
 * After the search (and the --cv refit): evaluates the kept models once on the --test rows (the
 * best, the best K with --test-top, or the front's with several objectives), keeps the results as
 * `study.testMetrics` (the first) and `study.testMetricsByTrial`, prints them beside the
 * validation metrics, and shows the first one's report.
 */
function testKept({ loaded, data, options, seed, bound, context, metrics, test, refitted, classNames }: TestKeptInput): void {
  const models = modelsToTest(bound, options.testTop);
  if (models.length === 0) {
    const why = bound.trials.every((t) => t.state !== "complete") ? "no trial completed" : "no model was kept: --no-keep-best";
    context.stderr(`--test ${test.names}: no model to evaluate (${why}).\n`);
    return;
  }
  const withFolds = data.folds.length > 1;
  const evaluations = models.map(({ trial, model }) =>
    evaluateOnTest({
      tf: loaded.tf,
      model,
      test,
      best: trial,
      refitted: refitted.has(trial.number),
      ...(metrics.validationMetrics === undefined ? {} : { validationMetrics: metrics.validationMetrics }),
      ...(withFolds ? {} : { validation: { x: data.folds[0]!.xValidation, y: data.folds[0]!.yValidation } }),
      seed: deriveSeed(seed, "test"),
      ...(metrics.positiveClass === undefined ? {} : { positiveClass: metrics.positiveClass }),
      ...(classNames === undefined ? {} : { classNames }),
    }),
  );
  bound.testMetrics = evaluations[0];
  bound.testMetricsByTrial.clear();
  for (const evaluation of evaluations) bound.testMetricsByTrial.set(evaluation.trialNumber, evaluation);
  context.stdout(`${testReport(evaluations, options.out)}\n`);
  if (bound.testMetrics !== undefined) for (const bundle of bound.modelReport()) context.display(bundle);
}

/**
 * How the trials validate: `--cv` folds, `--validation-data`, or a `--validation` fraction (default
 * 0.2). `classes`: the training labels' class names, when they were strings.
 */
function readValidation(options: TuneOptions, context: MagicContext, classes: readonly string[] | undefined): Validation {
  if (options.cv !== undefined) return { kind: "folds", k: options.cv };
  if (options.validationData !== undefined) {
    const [vxName, vyName] = options.validationData;
    const vy = lookupVariable(context, vyName, "variable") as DataInput;
    return {
      kind: "data",
      x: lookupVariable(context, vxName, "variable") as DataInput,
      y: classes === undefined ? vy : encodeStringLabels(vy, vyName, classes).y,
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

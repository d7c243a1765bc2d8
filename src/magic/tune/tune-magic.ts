/**
 * `%%tune`: searches the hyperparameters of a model builder (`--model`) or a free objective
 * (`--objective`) defined in earlier cells, shows the search live, and binds the study.
 *
 * Order of work: parse and check everything (space, options, names, data, one model built and
 * checked) before any training, so bad input fails at once with the line and what was expected;
 * then run the study; then bind and show the result, also when interrupted.
 */
import { randomInt } from "node:crypto";
import type * as tfjs from "@tensorflow/tfjs";
import { MagicError, type CellMagic, type MagicContext, type ParsedArgs } from "../types";
import { LiveView, formatDuration, type PlotlyEmbedding } from "../../render";
import { loadTensorFlow, takeBackendNotice, type LoadedTensorFlow } from "../../tfjs/backend";
import { metricDirection } from "../../tfjs/metrics";
import { deriveSeed } from "../../common/random";
import { trainTrialInPool, type TrainingPool } from "../../tfjs/pool";
import { checkTrialSetup, disposeModel, refitOnAllRows, TrainingAbortedError, trainTrial, type ModelBuilder, type TrialTraining } from "../../tfjs/train";
import { prepareTrainingData, type DataInput, type TrainingData, type Validation } from "../../tfjs/trainingData";
import { GPSampler, GridSampler, RandomSampler } from "../../engine/samplers";
import { MedianPruner, SuccessiveHalvingPruner } from "../../engine/pruners";
import { JournalStorage } from "../../engine/storage/journal";
import { PostgresStorage } from "../../engine/storage/postgres";
import { isSharedStorage, type StudyStorage } from "../../engine/storage/storage";
import { createStudy, TooManyFailuresError, type Objective, type ObjectiveResult, type Study } from "../../engine/study";
import { TrialPruned, type Trial } from "../../engine/trial";
import type { Params, Pruner, Sampler, SearchSpace, StudyDirection } from "../../engine/types";
import { countStates, NotebookStudy, type SearchSummary } from "./notebook-study";
import { TUNE_HELP, TUNE_OPTIONS, type PrunerName, type Strategy } from "./options";
import { parseSearchSpace } from "./space-grammar";
import { PooledBestModel, startWorkerTraining, type TrainingMode } from "./worker-search";
import { messageOf } from "../../common/errors";
import { describeKind } from "../../common/describe";

/** What `%%tune` shares across cells of one kernel session. */
export interface TuneSession {
  /** Whether plotly.js is already in the notebook page. */
  readonly embedding: PlotlyEmbedding;
  /** Loads TensorFlow.js once (default: {@link loadTensorFlow}). */
  readonly loadTensorFlow?: () => Promise<LoadedTensorFlow>;
  /** Shortest time between live updates, ms (default 1000). */
  readonly liveIntervalMs?: number;
}

/** The options of one `%%tune` call, checked and typed. */
interface TuneOptions {
  /** When the cell started (`performance.now()`), to tell setup time from search time. */
  readonly cellStartedAt: number;
  readonly model?: string;
  readonly objective?: string;
  readonly data?: readonly [string, string];
  readonly validationData?: readonly [string, string];
  readonly validation?: number;
  readonly cv?: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly metric?: string;
  readonly direction?: StudyDirection;
  readonly strategy: Strategy;
  readonly trials?: number;
  readonly timeout?: number;
  readonly seed?: number;
  readonly startupTrials?: number;
  readonly gridPoints?: number;
  readonly pruner: PrunerName;
  readonly storage?: string;
  readonly name?: string;
  readonly out: string;
  readonly keepBest: boolean;
  /** With --cv: train the best parameters on all of --data after the search and keep that model. */
  readonly refit: boolean;
  readonly maxFailures: number;
  readonly live: boolean;
  readonly workers: number;
}

/** Default number of trials when neither `--trials` nor a grid says how many. */
const DEFAULT_TRIALS = 20;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Creates the `%%tune` cell magic for one kernel session. */
export function createTuneMagic(session: TuneSession): CellMagic {
  return {
    kind: "cell",
    name: "tune",
    summary: "search hyperparameters of a TensorFlow.js model or an objective (grid, random, Bayesian)",
    help: TUNE_HELP,
    options: TUNE_OPTIONS,
    async run(args, body, context, bodyLine) {
      const options = readOptions(args, performance.now());
      const { space, lineOf } = parseSearchSpace(body, bodyLine);
      if (options.strategy === "grid" && options.gridPoints === undefined) checkGridSpace(space, lineOf);
      const seed = options.seed ?? randomInt(1, 2 ** 31 - 1);
      if (options.seed === undefined && options.storage === undefined) {
        context.stdout(`Seed ${seed} (pass --seed ${seed} to repeat this search).\n`);
      }
      if (options.model !== undefined) {
        const loaded = await (session.loadTensorFlow ?? loadTensorFlow)();
        const notice = takeBackendNotice(loaded);
        if (notice !== undefined) context.stdout(`${notice}\n`);
        return runModelSearch(session, options, space, seed, context, loaded);
      }
      return runObjectiveSearch(session, options, space, seed, context);
    },
  };
}

/** A grid lists every value of every parameter: a float without a step cannot be listed. */
function checkGridSpace(space: SearchSpace, lineOf: Readonly<Record<string, number>>): void {
  for (const [name, dist] of Object.entries(space)) {
    if (dist.kind === "float" && dist.step === undefined) {
      throw new MagicError(
        `--strategy grid cannot list the values of "${name}" (a continuous float): give them as a list ([0.1, 0.2, 0.3]), add a step (float(${dist.low}, ${dist.high}, step=...)), or pass --grid-points N`,
        lineOf[name],
      );
    }
  }
}

/** Reads and cross-checks the parsed options; every problem is a MagicError on the magic's line. */
function readOptions(args: ParsedArgs, cellStartedAt: number): TuneOptions {
  const string = (name: string): string | undefined => args[name] as string | undefined;
  const number = (name: string): number | undefined => args[name] as number | undefined;
  const pair = (name: string): readonly [string, string] | undefined => {
    const value = args[name] as readonly string[] | undefined;
    if (value === undefined) return undefined;
    if (value.length !== 2 || !value.every((v) => IDENTIFIER.test(v))) {
      throw new MagicError(`--${kebab(name)} expects two variable names "X,Y", got "${value.join(",")}"`, 1);
    }
    return [value[0]!, value[1]!];
  };
  const options: TuneOptions = {
    cellStartedAt,
    ...optional("model", string("model")),
    ...optional("objective", string("objective")),
    ...optional("data", pair("data")),
    ...optional("validationData", pair("validationData")),
    ...optional("validation", number("validation")),
    ...optional("cv", number("cv")),
    epochs: number("epochs") ?? 10,
    batchSize: number("batchSize") ?? 32,
    ...optional("metric", string("metric")),
    ...optional("direction", string("direction") as StudyDirection | undefined),
    strategy: (string("strategy") ?? "bayes") as Strategy,
    ...optional("trials", number("trials")),
    ...optional("timeout", number("timeout")),
    ...optional("seed", number("seed")),
    ...optional("startupTrials", number("startupTrials")),
    ...optional("gridPoints", number("gridPoints")),
    pruner: (string("pruner") ?? "none") as PrunerName,
    ...optional("storage", string("storage")),
    ...optional("name", string("name")),
    out: string("out") ?? "study",
    keepBest: (args["keepBest"] as boolean | undefined) ?? true,
    refit: (args["refit"] as boolean | undefined) ?? true,
    maxFailures: number("maxFailures") ?? 10,
    live: (args["live"] as boolean | undefined) ?? true,
    workers: number("workers") ?? 1,
  };
  const fail = (message: string): never => {
    throw new MagicError(message, 1);
  };
  if ((options.model === undefined) === (options.objective === undefined)) {
    fail("give either --model FN (a function returning a compiled tf.LayersModel) or --objective FN (a function returning a number)");
  }
  for (const name of ["model", "objective", "out"] as const) {
    const value = options[name];
    if (value !== undefined && !IDENTIFIER.test(value)) fail(`--${name} expects a variable name, got "${value}"`);
  }
  if (options.model !== undefined && options.data === undefined) fail("--model needs --data X,Y: the training inputs and targets");
  if (options.objective !== undefined) {
    for (const name of ["data", "validationData", "validation", "cv"] as const) {
      if (options[name] !== undefined) fail(`--${kebab(name)} is for --model; an --objective uses its own data`);
    }
  }
  const validations = [options.validation, options.cv, options.validationData].filter((v) => v !== undefined);
  if (validations.length > 1) fail("give only one of --validation, --cv and --validation-data");
  if (options.validation !== undefined && !(options.validation > 0 && options.validation < 1)) {
    fail(`--validation is the fraction held out, between 0 and 1 (exclusive), got ${options.validation}`);
  }
  if (options.cv !== undefined && options.cv < 2) fail(`--cv needs at least 2 folds, got ${options.cv}`);
  if (options.epochs < 1) fail(`--epochs must be at least 1, got ${options.epochs}`);
  if (options.batchSize < 1) fail(`--batch-size must be at least 1, got ${options.batchSize}`);
  if (options.trials !== undefined && options.trials < 1) fail(`--trials must be at least 1, got ${options.trials}`);
  if (options.timeout !== undefined && !(options.timeout > 0)) fail(`--timeout must be a positive number of seconds, got ${options.timeout}`);
  if (options.workers < 1) fail(`--workers must be at least 1, got ${options.workers}`);
  if (options.workers > 1 && options.objective !== undefined) {
    fail("--workers is for --model (models trained on worker threads); an --objective runs in the notebook's thread");
  }
  if (options.maxFailures < 1) fail(`--max-failures must be at least 1, got ${options.maxFailures}`);
  if (options.gridPoints !== undefined && options.strategy !== "grid") fail("--grid-points is for --strategy grid");
  if (options.startupTrials !== undefined && options.strategy !== "bayes") fail("--startup-trials is for --strategy bayes");
  return options;
}

/** `{ key: value }` when value is defined, else `{}` (for exactOptionalPropertyTypes). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** `batchSize` → `batch-size`, as the option is written. */
function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** A notebook variable, or a MagicError naming it and what was expected. */
function lookupVariable(context: MagicContext, name: string, expected: string): unknown {
  if (!context.has(name)) {
    throw new MagicError(`unknown ${expected} "${name}": define it in an earlier cell (and run that cell)`, 1);
  }
  return context.lookup(name);
}

function lookupFunction(context: MagicContext, name: string, option: string): (...args: never[]) => unknown {
  const value = lookupVariable(context, name, "function");
  if (typeof value !== "function") {
    throw new MagicError(`--${option} ${name}: expected a function, but ${name} is ${describeKind(value)}`, 1);
  }
  return value as (...args: never[]) => unknown;
}


/** The sampler a strategy names. */
function makeSampler(options: TuneOptions, seed: number, planned: number): Sampler {
  switch (options.strategy) {
    case "bayes":
      // Random start-up trials: a quarter of the budget, between 3 and 10, unless given.
      return new GPSampler({ seed, startupTrials: options.startupTrials ?? Math.min(10, Math.max(3, Math.round(planned / 4))) });
    case "random":
      return new RandomSampler({ seed });
    case "sobol":
      return new RandomSampler({ seed, sobol: true });
    case "grid":
      return new GridSampler({ seed, ...optional("pointsPerDimension", options.gridPoints) });
  }
}

/** The pruner a name denotes (undefined for none). */
function makePruner(name: PrunerName): Pruner | undefined {
  switch (name) {
    case "none":
      return undefined;
    case "median":
      return new MedianPruner({ startupTrials: 5, warmupSteps: 2 });
    case "asha":
      return new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 });
  }
}

/** How many trials a grid has, or undefined when the space is not finite. */
function gridSize(space: SearchSpace): number | undefined {
  let size = 1;
  for (const dist of Object.values(space)) {
    if (dist.kind === "categorical") size *= dist.choices.length;
    else if (dist.kind === "int") size *= Math.floor((dist.high - dist.low) / dist.step) + 1;
    else if (dist.kind === "float") {
      if (dist.step === undefined) return undefined;
      size *= Math.floor((dist.high - dist.low) / dist.step + 1e-9) + 1;
    }
  }
  return size;
}

/** Whether `--storage` names a PostgreSQL database rather than a journal file. */
function isDatabaseUrl(storage: string): boolean {
  return /^postgres(ql)?:\/\//.test(storage);
}

/** Opens `--storage`: a PostgreSQL database (shared by several workers) or a journal file. */
async function openStorage(location: string): Promise<StudyStorage> {
  try {
    return isDatabaseUrl(location) ? await PostgresStorage.connect(location) : JournalStorage.open(location);
  } catch (error) {
    throw new MagicError(`--storage: ${messageOf(error)}`, 1);
  }
}

/** Creates (or resumes from --storage) the study, reporting a resume. */
async function openStudy(options: TuneOptions, space: SearchSpace, seed: number, direction: StudyDirection, metric: string, context: MagicContext): Promise<Study> {
  const pruner = makePruner(options.pruner);
  const planned = plannedTrials(options, space);
  const storage = options.storage === undefined ? undefined : await openStorage(options.storage);
  let study: Study;
  try {
    study = await createStudy({
      studyName: options.name ?? options.out,
      direction,
      metric,
      seed,
      sampler: makeSampler(options, seed, planned),
      maxConsecutiveFailures: options.maxFailures,
      ...optional("pruner", pruner),
      ...optional("storage", storage),
    });
  } catch (error) {
    await storage?.close();
    throw new MagicError(messageOf(error), 1);
  }
  if (study.trials.length > 0) {
    const where = options.storage !== undefined && isDatabaseUrl(options.storage) ? "the database" : options.storage;
    context.stdout(`Resuming study "${study.studyName}" from ${where}: ${countStates(study.trials)}.\n`);
  }
  return study;
}

/** The number of trials the study should have (`--trials`, the grid's size, or the default). */
function plannedTrials(options: TuneOptions, space: SearchSpace): number {
  return options.trials ?? (options.strategy === "grid" ? (gridSize(space) ?? DEFAULT_TRIALS) : DEFAULT_TRIALS);
}

/** How many trials are left to run: `--trials` counts the study's finished trials. */
function remainingTrials(options: TuneOptions, space: SearchSpace, study: Study): number {
  const planned = plannedTrials(options, space);
  const finished = study.trials.filter((t) => t.state === "complete" || t.state === "pruned" || t.state === "failed").length;
  return Math.max(0, planned - finished);
}

/** Runs the study with the live view, binds the result and shows the summary. */
async function runSearch(
  session: TuneSession,
  options: TuneOptions,
  space: SearchSpace,
  study: Study,
  objective: Objective,
  context: MagicContext,
  bound: NotebookStudy,
  concurrency = 1,
  /** Runs after a search that was not interrupted, before the final figures (the --cv refit). */
  afterSearch?: () => Promise<void>,
): Promise<void> {
  context.assign(options.out, bound);
  // A shared study counts every worker's finished trials; otherwise this run makes up the rest.
  const shared = isSharedStorage(study.storage);
  const trials = shared ? plannedTrials(options, space) : remainingTrials(options, space, study);
  const live = options.live ? new LiveView({ output: context, embedding: session.embedding, ...optional("intervalMs", session.liveIntervalMs) }) : undefined;
  const refresh = live === undefined ? undefined : setInterval(() => live.update(bound.data()), session.liveIntervalMs ?? 1000);
  refresh?.unref();
  // The first display: the empty table, and plotly.js once per session (a few MB to the front end).
  live?.update(bound.data());
  const setupMs = performance.now() - options.cellStartedAt;
  context.interruptCooperatively();
  let objectiveMs = 0;
  const timedObjective: Objective = async (trial) => {
    const start = performance.now();
    try {
      return await objective(trial);
    } finally {
      objectiveMs += performance.now() - start;
    }
  };
  const started = Date.now();
  let failure: unknown;
  let summary: { message: string; trialsRun: number } = { message: "nothing to do", trialsRun: 0 };
  try {
    if (trials > 0) {
      summary = await study.optimize(timedObjective, {
        trials,
        countStudyTrials: shared,
        space,
        signal: context.signal,
        concurrency,
        ...optional("timeout", options.timeout),
        callbacks: [() => live?.update(bound.data())],
      });
    } else {
      summary = { message: `the study already has ${options.trials ?? DEFAULT_TRIALS} finished trials (raise --trials to run more)`, trialsRun: 0 };
    }
  } catch (error) {
    failure = error;
  } finally {
    if (refresh !== undefined) clearInterval(refresh);
    live?.finish(bound.data());
  }
  bound.lastSearch = {
    message: failure instanceof Error ? failure.message : summary.message,
    trialsRun: summary.trialsRun,
    wallTimeMs: Date.now() - started,
    objectiveMs,
    setupMs,
  };
  context.stdout(`${searchReport(bound, bound.lastSearch, options.model !== undefined ? "training" : "in the objective")}\n`);
  if (failure instanceof TooManyFailuresError) throw new MagicError(failure.message);
  if (failure !== undefined) throw failure;
  if (context.signal.aborted) {
    throw new InterruptedSearch(`search interrupted; the ${bound.trials.length} trials so far are kept in \`${options.out}\``);
  }
  await afterSearch?.();
  for (const bundle of bound.figures(undefined, true)) context.display(bundle);
}

/** The search stopped because the user interrupted it. */
export class InterruptedSearch extends Error {
  override readonly name = "KeyboardInterrupt";
}

/**
 * "Ran 30 trials (1 min 3 s, 98 % of it training). Study "s": 30 trials (28 complete, 2 pruned);
 * best trial #7: val_acc = 0.97 with {...}." — `objectiveWork` names the time in the objective.
 */
function searchReport(bound: NotebookStudy, search: SearchSummary, objectiveWork: string): string {
  const best = bound.bestTrial;
  const duration = formatDuration(search.wallTimeMs);
  const share = search.wallTimeMs > 0 && search.trialsRun > 0 ? `, ${Math.min(100, Math.floor((100 * search.objectiveMs) / search.wallTimeMs))} % of it ${objectiveWork}` : "";
  const time = `${duration}${share}`;
  const bestText =
    best === undefined
      ? "no trial completed"
      : `best trial #${best.number}: ${bound.metric} = ${formatValue(best.value)} with ${JSON.stringify(best.params, (_key, v: unknown) => (typeof v === "number" ? Number(v.toPrecision(4)) : v))}`;
  return `${capitalize(search.message)} (${time}). Study "${bound.name}": ${countStates(bound.trials)}; ${bestText}.`;
}

function formatValue(value: number | undefined): string {
  return value === undefined ? "-" : Number(value.toPrecision(6)).toString();
}

function capitalize(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** A representative point of the space, for checking a builder before the search. */
function representativeParams(space: SearchSpace): Params {
  const params: Record<string, Params[string]> = {};
  for (const [name, dist] of Object.entries(space)) {
    if (dist.kind === "categorical") params[name] = dist.choices[0]!;
    else if (dist.kind === "fixed") params[name] = dist.value;
    else params[name] = dist.low;
  }
  return params;
}

/** `--model`: trains the builder's models on `--data`, one per trial. */
async function runModelSearch(
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
  const x = lookupVariable(context, xName, "variable") as DataInput;
  const y = lookupVariable(context, yName, "variable") as DataInput;
  let validation: Validation;
  if (options.cv !== undefined) validation = { kind: "folds", k: options.cv };
  else if (options.validationData !== undefined) {
    const [vxName, vyName] = options.validationData;
    validation = {
      kind: "data",
      x: lookupVariable(context, vxName, "variable") as DataInput,
      y: lookupVariable(context, vyName, "variable") as DataInput,
    };
  } else validation = { kind: "fraction", fraction: options.validation ?? 0.2 };

  let data: TrainingData;
  try {
    data = prepareTrainingData(tf, x, y, { validation, seed: deriveSeed(seed, "data") }, { x: xName, y: yName });
  } catch (error) {
    throw new MagicError(`--data ${xName},${yName}: ${messageOf(error)}`, 1);
  }
  const bound: { study?: NotebookStudy } = {};
  let pool: TrainingPool | undefined;
  try {
    const requested = options.metric ?? "val_loss";
    const trainOptions = { seed: deriveSeed(seed, "check"), dataNames: { x: xName, y: yName } };
    let metric: string;
    try {
      const params = { ...representativeParams(space) };
      metric = await checkTrialSetup(builder, params, data, { ...trainOptions, metric: requested });
    } catch (error) {
      throw new MagicError(`--model ${options.model}: ${messageOf(error)}`, 1);
    }
    const direction = options.direction ?? metricDirection(metric);
    if (direction === undefined) {
      throw new MagicError(`cannot tell whether ${metric} should go up or down: add --direction minimize or --direction maximize`, 1);
    }
    const mode: TrainingMode | undefined =
      options.workers > 1 ? await startWorkerTraining(loaded, options.workers, builder, representativeParams(space), data, trainOptions.seed) : undefined;
    if (mode !== undefined) context.stdout(`${mode.note}\n`);
    pool = mode?.kind === "threads" ? mode.pool : undefined;
    const study = await openStudy(options, space, seed, direction, metric, context);
    const notebookStudy = new NotebookStudy(study, space, session.embedding, options.trials);
    bound.study = notebookStudy;
    const pooledBest = new PooledBestModel(notebookStudy, study);
    const kept: { value?: number } = {};
    const objective: Objective = async (trial: Trial): Promise<ObjectiveResult> => {
      const params = trial.params;
      const perTrial = {
        ...trainingLength(params, options),
        metric,
        seed: deriveSeed(seed, "trial", trial.number),
        reporter: trial,
        signal: context.signal,
        keepModel: options.keepBest,
        dataNames: { x: xName, y: yName },
      };
      let result: Omit<TrialTraining, "model">;
      if (pool === undefined) {
        const trained = await trainTrial(tf, builder, params, data, perTrial);
        keepIfBest(notebookStudy, study, kept, trained.model, trained.value, trained.pruned);
        result = trained;
      } else {
        const trained = await trainTrialInPool(tf, pool, builder, params, data.folds.length, perTrial);
        await pooledBest.offer(trained);
        result = trained;
      }
      trial.setUserAttr("epochs", result.epochsRun);
      if (result.pruned) throw new TrialPruned(`pruned after ${result.epochsRun} epochs`);
      return result.metrics;
    };
    // With --cv the best trial's model is its last fold's: train its parameters on all the data instead.
    const refit = options.cv !== undefined && options.keepBest && options.refit ? () => refitBest(loaded, builder, data, options, seed, notebookStudy, context) : undefined;
    await runSearch(session, options, space, study, objective, context, notebookStudy, pool?.size ?? 1, refit);
  } finally {
    await pool?.close();
    data.dispose();
  }
  return undefined;
}

/** A trial's epochs and batch size: searched parameters of those names, else --epochs and --batch-size. */
function trainingLength(params: Params, options: TuneOptions): { epochs: number; batchSize: number } {
  return {
    epochs: typeof params["epochs"] === "number" ? params["epochs"] : options.epochs,
    batchSize: typeof params["batchSize"] === "number" ? params["batchSize"] : options.batchSize,
  };
}

/**
 * After a --cv search: trains the best trial's parameters once more on every row of --data (as
 * scikit-learn's refit) and keeps that model as `study.bestModel` in place of the trial's
 * last-fold model. If the refit is interrupted or fails, the last-fold model stays.
 */
async function refitBest(
  loaded: LoadedTensorFlow,
  builder: ModelBuilder,
  data: TrainingData,
  options: TuneOptions,
  seed: number,
  bound: NotebookStudy,
  context: MagicContext,
): Promise<void> {
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
    disposeModel(bound.bestModel);
    bound.bestModel = model;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    context.stdout(
      `Refitted the best parameters (trial #${best.number}) on all ${rows} rows of ${xName},${yName} for ${length.epochs} epochs (${seconds} s): ` +
        `that model is ${options.out}.bestModel (--no-refit keeps the trial's last-fold model).\n`,
    );
  } catch (error) {
    if (error instanceof TrainingAbortedError) {
      throw new InterruptedSearch(`refit interrupted; the study and trial #${best.number}'s last-fold model are kept in \`${options.out}\``);
    }
    context.stderr(`The refit on all rows failed (${messageOf(error)}); ${options.out}.bestModel is trial #${best.number}'s last-fold model.\n`);
  }
}

/**
 * Keeps `model` as the study's best model when its value beats the best model kept in this run
 * (`kept`, as {@link PooledBestModel} does); disposes it otherwise.
 */
function keepIfBest(bound: NotebookStudy, study: Study, kept: { value?: number }, model: tfjs.LayersModel | undefined, value: number, pruned: boolean): void {
  if (model === undefined) return;
  if (!pruned && Number.isFinite(value) && (kept.value === undefined || study.isBetter(value, kept.value))) {
    if (bound.bestModel !== undefined) disposeModel(bound.bestModel);
    bound.bestModel = model;
    kept.value = value;
  } else {
    disposeModel(model);
  }
}

/** `--objective`: calls `g(params, trial)` per trial. */
async function runObjectiveSearch(
  session: TuneSession,
  options: TuneOptions,
  space: SearchSpace,
  seed: number,
  context: MagicContext,
): Promise<undefined> {
  const fn = lookupFunction(context, options.objective!, "objective") as unknown as (params: Params, trial: Trial) => unknown;
  const metric = options.metric ?? "value";
  const direction = options.direction ?? metricDirection(metric) ?? "minimize";
  if (options.direction === undefined && metricDirection(metric) === undefined) {
    context.stdout(`Minimising ${metric} (pass --direction maximize to maximise it).\n`);
  }
  const study = await openStudy(options, space, seed, direction, metric, context);
  const bound = new NotebookStudy(study, space, session.embedding, options.trials);
  const objective: Objective = async (trial: Trial): Promise<ObjectiveResult> => {
    const result = await fn(trial.params, trial);
    if (typeof result === "number") return result;
    if (typeof result === "object" && result !== null && !Array.isArray(result)) {
      const record = result as Record<string, unknown>;
      if (!(metric in record)) {
        throw new Error(`${options.objective} returned a record without "${metric}" (it has ${Object.keys(record).join(", ") || "no keys"}); pass --metric NAME`);
      }
      return record as Readonly<Record<string, number>>;
    }
    throw new Error(`${options.objective} returned ${describeKind(result)}; expected a number or a record of metrics`);
  };
  await runSearch(session, options, space, study, objective, context, bound);
  return undefined;
}

/**
 * The options of `%%tune`, declared once (the magic system parses them, types them and prints
 * them in `%%tune --help`), and read from the parsed arguments into a checked {@link TuneOptions}.
 */
import { MagicError, type OptionSpec, type ParsedArgs } from "../types";
import type { StudyDirection } from "../../engine/types";
import { SPACE_GRAMMAR } from "./space-grammar";
import { NotebookStudy } from "./notebook-study";
import { outNameProblem, outShadowsInput } from "./names";
import { kebabCase } from "../option-names";
import { checkSeveralObjectives, readObjectiveOptions, type ObjectivesRequest } from "./objectives";

/** Search strategies, as named on the command line. */
export const STRATEGIES = ["auto", "bayes", "tpe", "cmaes", "nsga2", "random", "sobol", "grid", "bohb", "pbt"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Early-stopping rules, as named on the command line. */
export const PRUNERS = ["none", "median", "asha", "hyperband"] as const;

/** What a Hyperband rung counts when the batch size is searched: epochs (the default) or optimizer steps. */
export const RUNG_UNITS = ["steps", "epochs"] as const;
export type PrunerName = (typeof PRUNERS)[number];

/** A notebook value `--model`, `--objective` and `--metric-fn` name. */
const isFunction = (value: unknown): boolean => typeof value === "function";
/** Rows as `--data`, `--validation-data` and `--test` take them: an array, a typed array, a tensor. */
const isRows = (value: unknown): boolean =>
  Array.isArray(value) || ArrayBuffer.isView(value) || (typeof value === "object" && value !== null && "shape" in value && "dtype" in value);
/** A notebook value `--data`, `--validation-data` and `--test` name: rows, or a record holding rows (a split: `split.xTrain`). */
const isData = (value: unknown): boolean =>
  isRows(value) || (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype && Object.values(value).some(isRows));

/** Every option of `%%tune`. */
export const TUNE_OPTIONS: readonly OptionSpec[] = [
  { name: "model", type: "string", metavar: "FN", takes: isFunction, description: "function (params) => compiled tf.LayersModel, trained on --data" },
  { name: "objective", type: "string", metavar: "FN", takes: isFunction, description: "function (params, trial) => number | {metric: number}, instead of --model" },
  { name: "data", type: "list", metavar: "X,Y", takes: isData, description: "training inputs and targets (variables: tensors or arrays) for --model" },
  { name: "validation", type: "number", metavar: "FRACTION", description: "fraction of --data held out for validation (default 0.2 unless --cv or --validation-data)" },
  { name: "validationData", type: "list", metavar: "X,Y", takes: isData, description: "explicit validation inputs and targets" },
  { name: "cv", type: "integer", metavar: "K", description: "k-fold cross-validation: the metric is the mean over K folds (stratified when the targets are class labels: one-hot rows, names, or integers running 0..K-1 without gaps)" },
  { name: "epochs", type: "integer", metavar: "N", default: 10, description: "training epochs per trial (may also be a search parameter named epochs)" },
  { name: "batchSize", type: "integer", metavar: "N", default: 32, description: "batch size (may also be a search parameter named batchSize)" },
  { name: "metric", type: "list", metavar: "NAME[,NAME…]", description: "metric to optimise: a history name such as val_loss or val_acc (model), a metric computed from predictions (val_f1, val_precision, val_recall, each also _macro/_micro/_weighted, val_auc, val_pr_auc, val_r2, val_mae, val_rmse), or a key of the objective's record (default: val_loss, or loss without validation; value for a number); several (val_acc,size) make a multi-objective study with a Pareto front; --model also has params, size (bytes) and latency (ms per example)" },
  { name: "metricFn", type: "string", metavar: "FN", takes: isFunction, description: "--model: notebook function (yTrue, yPred) => number scored on the validation rows (each as rows of numbers, one per output); its value is val_FN (NAME=FN: val_NAME) and the default --metric" },
  { name: "positiveClass", type: "string", metavar: "C", description: "--model: the class that binary f1, precision, recall, auc and pr_auc score: its index, or its name when the targets are class names or --class-names names them (default 1)" },
  { name: "test", type: "list", metavar: "X,Y", takes: isData, description: "--model: held-out inputs and targets; the best model is evaluated on them once, after the search, beside its validation metrics" },
  { name: "testTop", type: "integer", metavar: "K", description: "with --test: evaluate the K best models of the search (each kept until then: the best as study.bestModel, the others in study.runnerUpModels; every other model is disposed as soon as it drops out); with several objectives, the first K models of the Pareto front by the first objective (default: all of them)" },
  { name: "classNames", type: "list", metavar: "A,B,…|VAR", description: "--model: the classes' names, in class-index order, for the best-model report (confusion matrix, per-class table, ROC and PR legends): the names themselves, or the variable of an array of them (or its property: table.classNames)" },
  { name: "direction", type: "list", choices: ["minimize", "maximize"], description: "optimisation direction, one per metric (default: inferred from the metric: loss/error/params/size/latency down, accuracy/auc up)" },
  { name: "strategy", type: "string", choices: STRATEGIES, default: "auto", description: "search strategy: auto (chosen from the space and the budget, said in the output), Gaussian-process Bayesian (with several objectives, on ParEGO's random scalarisations), tree-structured Parzen estimator (multivariate TPE), CMA-ES (numeric parameters; categoricals drawn at random), NSGA-II (several objectives), random, scrambled Sobol, grid, BOHB (TPE fitted at the largest budget with enough observations + --pruner hyperband), or population-based training (pbt, --model only: see below)" },
  { name: "trials", type: "integer", metavar: "N", description: "number of trials (default 20; grid: every combination)" },
  { name: "timeout", type: "number", metavar: "SECONDS", description: "stop starting new trials after this many seconds" },
  { name: "seed", type: "integer", metavar: "N", description: "seed for sampling, weight initialisation and shuffling (default: random, printed so the search can be repeated)" },
  { name: "startupTrials", type: "integer", metavar: "N", description: "bayes, tpe, cmaes: random trials before the model (Gaussian process, Parzen estimators, CMA-ES) takes over" },
  { name: "gridPoints", type: "integer", metavar: "N", description: "grid: points per continuous parameter (otherwise list its values)" },
  { name: "pruner", type: "string", choices: PRUNERS, default: "none", description: "early stopping of unpromising trials from their per-epoch metric: median rule, asynchronous successive halving, or Hyperband (brackets of ASHA)" },
  { name: "minResource", type: "integer", metavar: "STEPS", description: "asha, hyperband: the step of the first rung (default 1)" },
  { name: "maxResource", type: "integer", metavar: "STEPS", description: "hyperband: a trial's full resource in steps (default: epochs × folds, the largest searched epochs)" },
  { name: "reductionFactor", type: "integer", metavar: "ETA", description: "asha, hyperband: a rung keeps the best 1/ETA of its trials (default 3)" },
  { name: "rungUnit", type: "string", choices: RUNG_UNITS, metavar: "UNIT", description: "hyperband, bohb with --model and a searched batchSize: trials meet at a rung after the same epochs (epochs, the default) or after the same optimizer steps (steps: a larger batch size is judged after proportionally more epochs, at the same work; on the digits search it kept cheap good configurations that epochs pruned, but its screening cost about 15 % more training in all)" },
  { name: "pause", type: "boolean", default: false, description: "hyperband, bohb with --model: a trial not (yet) among the best at a rung waits there with its weights and resumes if promoted, instead of being pruned (one fold, no --storage, --fuse or hypergradient; off by default: on the digits search it reached 0.98 later than pruning)" },
  { name: "from", type: "string", metavar: "STUDY", takes: (value) => value instanceof NotebookStudy, description: "coarse to fine: start from an earlier study (a variable %%tune bound): its complete trials that this space holds are added first, so the search learns from them (narrow(STUDY) proposes the smaller space)" },
  { name: "fromTop", type: "integer", metavar: "K", description: "with --from: add only its best K trials" },
  { name: "population", type: "integer", metavar: "N", description: "pbt: members trained together (default: --trials, else 8)" },
  { name: "readyEpochs", type: "integer", metavar: "E", description: "pbt: epochs per round between exploit/explore steps (default: --epochs / 5, at least 1)" },
  { name: "storage", type: "string", metavar: "FILE", description: "journal file that keeps every trial; rerunning the cell resumes the study" },
  { name: "name", type: "string", metavar: "STUDY", description: "study name inside --storage (default: the --out variable name)" },
  { name: "out", type: "string", metavar: "VAR", default: "study", description: "variable the study is bound to" },
  { name: "keepBest", type: "boolean", default: true, description: "keep the best trial's trained model as study.bestModel (--no-keep-best to dispose it)" },
  { name: "refit", type: "boolean", default: true, description: "with --cv: train the best parameters once more on all of --data and keep that model as study.bestModel (--no-refit keeps the best trial's last-fold model)" },
  { name: "maxFailures", type: "integer", metavar: "N", default: 10, description: "stop after this many consecutive failed trials" },
  { name: "workers", type: "string", metavar: "N|auto", default: "auto", description: "--model: train N trials at once on worker threads; auto: one per core, less one from 4 cores up (see below)" },
  { name: "fuse", type: "string", metavar: "off|auto|K", default: "off", description: "--model in the notebook's thread: train K trials of a dense model at once as one computation; auto: K = 8 (see below)" },
  { name: "live", type: "boolean", default: true, description: "show the progress line and trials table while the search runs (--no-live for none)" },
];

/** The help text after the options table. */
export const TUNE_HELP = `${SPACE_GRAMMAR}

Example:
  %%tune --model buildModel --data xTrain,yTrain --validation 0.2 --epochs 30 \\
         --metric val_acc --strategy bayes --trials 30 --seed 7 --out study
  units:      int(16, 256, log)
  dropout:    uniform(0.0, 0.6)
  lr:         loguniform(1e-4, 1e-1)
  activation: choice("relu", "tanh", "elu")
  batchSize:  [16, 32, 64]

--workers N trains N trials at once, each on its own worker thread with the notebook's backend;
--workers auto (the default) takes one thread per core the machine gives (os.availableParallelism()),
less one left to the notebook from 4 cores up, never more than the planned trials; --workers 1
trains in the notebook's thread. The threads are kept for the next %%tune cell of the session.
The builder still runs in the notebook (so its seeded initial weights are kept), and the model
crosses to a thread as its JSON topology, compile settings and weights. The same --seed and worker
count give the same trials: trial k is chosen once trial k-N has ended, seeing trials k-N+1..k-1
as running, so a fast trial may wait for a slow one. A --pruner or a shared --storage makes the
trials depend on timing, as the output then says. A model that cannot cross (custom layers, a
loss or metric given as a function) is trained one trial at a time in the notebook instead.

--fuse K (with --workers 1, or wherever training stays in the notebook's thread) trains K trials
at once as one computation when the builder's model is a tf.sequential stack of Dense and Dropout
layers with a named loss and metrics and an Adam or SGD optimizer: each trial keeps its own
widths, batch size, learning rate, dropout rate, seeds, reports and pruning, and gets the weights
and metrics it would get alone (to float32 rounding). A finished trial's slot takes the next one.
--fuse auto takes K = 8; --fuse off (the default) trains one trial at a time: on a 2-core machine
two worker threads still train more trials a minute than one fused thread (npm run bench:tune --
--fused 8 measures it), and fusing on worker threads is not built yet. Other models (and
--cv, hypergradient(...)) train one at a time, and the output says why.

The study is bound to --out: study.bestParams, study.bestValue, study.bestModel, study.trials,
study.toCSV(), study.toJSON(), study.plots(); as a cell's last expression it shows its trials.

Early stopping counts resources in steps, one per epoch (fold f, epoch e is step f·epochs + e).
--pruner hyperband runs brackets of successive halving: bracket k's rungs are at
min-resource·ETA^(k+i), below min-resource·ETA^s_max. With --model, a searched batchSize and
--rung-unit steps they count optimizer steps: an epoch of batch size b counts b_min/b of an epoch
of the smallest, b_min, so trials meet at a rung after the same work (the default counts epochs).
Each trial belongs to one bracket (a fixed cycle over trial numbers in the paper's order: the
most exploratory bracket's trials first, each bracket as often as its budget, so a resumed study
keeps them), recorded as the trial's user attribute "bracket" and coloured in the "brackets"
figure. --strategy bohb is TPE with the
hyperband pruner (BOHB): its good/bad split uses the values at the largest budget with at least
d + 3 observations (d searched parameters): the complete trials' values, else the largest step
that enough trials, pruned and running ones included, reported; it does so from the first trial
at which such a budget exists.

With several metrics (--metric val_acc,size): study.bestTrials is the Pareto front, and
study.pickTrial("val_acc", { where: (v) => v.size < 50000 }) picks one (then bestModel is its model).

--strategy pbt (population-based training, --model only) trains --population members together in
rounds of --ready-epochs epochs up to --epochs. After each round the bottom 25 % copy the weights
and optimizer state of a random top-25 % member and explore: each perturbable parameter is drawn
afresh with probability 0.25, else multiplied by 0.8 or 1.2 (within its bounds) or moved to a
neighbouring choice. Perturbable are lr, learningRate, learning_rate, weightDecay, weight_decay,
l2, batchSize and any name containing "dropout", and any parameter marked mutable
("momentum: uniform(0.5, 0.99) mutable"); the others (units, layers) stay as the member started.
Each member-round is one trial (user attributes member, round, parent: the trial it copied,
explored, epochs), its steps the member's epochs; study.bestModel is the model of the best
member-round. With --workers, member-rounds train several at once on worker threads; the lineage is
the same with any number of workers. With --storage FILE (a journal), each member-round's weights and
optimizer state are kept in FILE.pbt/, and the same cell resumes the study after a restart from the
members' last finished rounds (an interrupted member-round trains again). --cv is not supported with pbt.`;

/**
 * The options of one `%%tune` call, checked and typed: each field is the option of that name
 * (`batchSize` is `--batch-size`), with its default filled in where it has one.
 */
export interface TuneOptions {
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
  /** `--metric-fn FN` or `NAME=FN`: a notebook metric function. */
  readonly metricFn?: string;
  /** As written: a class index, or a class name resolved against the targets' names (class-names.ts). */
  readonly positiveClass?: string;
  readonly test?: readonly [string, string];
  /** `--test-top K`: how many of the best models `--test` evaluates. */
  readonly testTop?: number;
  /** `--class-names`: the names (two or more), or one variable holding an array of them. */
  readonly classNames?: readonly string[];
  readonly direction?: StudyDirection;
  /** Several objectives (`--metric a,b`); then `metric` and `direction` are unset. */
  readonly objectives?: ObjectivesRequest;
  readonly strategy: Strategy;
  /** With `--strategy auto`: the later hand-over to another strategy it planned (see auto-strategy.ts). */
  readonly strategySwitch?: { readonly strategy: Exclude<Strategy, "auto">; readonly atTrial: number; readonly reason: string };
  readonly trials?: number;
  readonly timeout?: number;
  readonly seed?: number;
  readonly startupTrials?: number;
  readonly gridPoints?: number;
  readonly pruner: PrunerName;
  readonly minResource?: number;
  readonly maxResource?: number;
  readonly reductionFactor?: number;
  /** hyperband, bohb with a searched batchSize: rungs after the same epochs (default) or optimizer steps. */
  readonly rungUnit?: (typeof RUNG_UNITS)[number];
  /** hyperband, bohb: pause a trial at a rung instead of pruning it (paused-halving.ts). */
  readonly pause: boolean;
  /** `--from`: the notebook variable holding the earlier study whose trials seed this one. */
  readonly from?: string;
  readonly fromTop?: number;
  /** pbt: members trained together. */
  readonly population?: number;
  /** pbt: epochs per round. */
  readonly readyEpochs?: number;
  readonly storage?: string;
  readonly name?: string;
  readonly out: string;
  readonly keepBest: boolean;
  /** With --cv: train the best parameters on all of --data after the search and keep that model. */
  readonly refit: boolean;
  readonly maxFailures: number;
  readonly live: boolean;
  /** Trials trained at once: a number, or "auto" (see `autoWorkers` in worker-search.ts). */
  readonly workers: number | "auto";
  /** Trials trained at once as one fused computation in the notebook's thread (see `fusedTraining` in worker-search.ts). */
  readonly fuse: number | "auto" | "off";
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** A variable or a property path from one (`split.xTrain`): what the data options name. */
const DATA_PATH = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;
/** `FN` or `NAME=FN`. */
const METRIC_FN = /^(?:[A-Za-z_]\w*=)?[A-Za-z_$][\w$]*$/;

/**
 * Reads and cross-checks the parsed options (one of --model and --objective, validation options
 * only for --model, ranges, options that belong to one strategy); every problem is a MagicError
 * on the magic's line. `cellStartedAt` is kept to tell setup time from search time.
 */
export function readOptions(args: ParsedArgs, cellStartedAt: number): TuneOptions {
  const string = (name: string): string | undefined => args[name] as string | undefined;
  const number = (name: string): number | undefined => args[name] as number | undefined;
  const pair = (name: string): readonly [string, string] | undefined => {
    const value = args[name] as readonly string[] | undefined;
    if (value === undefined) return undefined;
    if (value.length !== 2 || !value.every((v) => DATA_PATH.test(v))) {
      throw new MagicError(`--${kebabCase(name)} expects two variable names "X,Y" (or their properties, "split.xTrain,split.yTrain"), got "${value.join(",")}"`, 1);
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
    ...readObjectiveOptions(args["metric"] as readonly string[] | undefined, args["direction"] as readonly string[] | undefined),
    ...optional("metricFn", string("metricFn")),
    ...optional("positiveClass", string("positiveClass")),
    ...optional("test", pair("test")),
    ...optional("testTop", number("testTop")),
    ...optional("classNames", args["classNames"] as readonly string[] | undefined),
    strategy: (string("strategy") ?? "auto") as Strategy,
    ...optional("trials", number("trials")),
    ...optional("timeout", number("timeout")),
    ...optional("seed", number("seed")),
    ...optional("startupTrials", number("startupTrials")),
    ...optional("gridPoints", number("gridPoints")),
    pruner: (string("pruner") ?? "none") as PrunerName,
    ...optional("minResource", number("minResource")),
    ...optional("maxResource", number("maxResource")),
    ...optional("reductionFactor", number("reductionFactor")),
    ...optional("rungUnit", string("rungUnit") as TuneOptions["rungUnit"]),
    pause: (args["pause"] as boolean | undefined) ?? false,
    ...optional("from", string("from")),
    ...optional("fromTop", number("fromTop")),
    ...optional("population", number("population")),
    ...optional("readyEpochs", number("readyEpochs")),
    ...optional("storage", string("storage")),
    ...optional("name", string("name")),
    out: string("out") ?? "study",
    keepBest: (args["keepBest"] as boolean | undefined) ?? true,
    refit: (args["refit"] as boolean | undefined) ?? true,
    maxFailures: number("maxFailures") ?? 10,
    live: (args["live"] as boolean | undefined) ?? true,
    workers: workersOption(String(args["workers"] ?? "auto")),
    fuse: fuseOption(String(args["fuse"] ?? "off")),
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
  const outProblem = outNameProblem(options.out) ?? outShadowsInput(options.out, options);
  if (outProblem !== undefined) fail(outProblem);
  if (options.model !== undefined && options.data === undefined) fail("--model needs --data X,Y: the training inputs and targets");
  if (options.objective !== undefined) {
    for (const name of ["data", "validationData", "validation", "cv"] as const) {
      if (options[name] !== undefined) fail(`--${kebabCase(name)} is for --model; an --objective uses its own data`);
    }
  }
  if (options.objective !== undefined) {
    for (const name of ["metricFn", "positiveClass", "test", "classNames"] as const) {
      if (options[name] !== undefined) fail(`--${kebabCase(name)} is for --model; an --objective computes its own metrics`);
    }
  }
  if (options.testTop !== undefined && options.test === undefined) fail("--test-top is for --test X,Y: the held-out rows the best models are evaluated on");
  if (options.testTop !== undefined && options.testTop < 1) fail(`--test-top must be at least 1, got ${options.testTop}`);
  if (options.testTop !== undefined && !options.keepBest) fail("--test-top evaluates the models kept after the search; drop --no-keep-best");
  if (options.classNames !== undefined && options.test === undefined) fail("--class-names names the classes in the --test report; add --test X,Y");
  if (options.classNames !== undefined && options.classNames.length === 1 && !DATA_PATH.test(options.classNames[0]!)) {
    fail(`--class-names expects two or more names (A,B,…) or the variable of an array of them (or its property: table.classNames), got "${options.classNames[0]}"`);
  }
  if (options.metricFn !== undefined && !METRIC_FN.test(options.metricFn)) {
    fail(`--metric-fn expects a function's variable name, or NAME=FN to name its metric, got "${options.metricFn}"`);
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
  if (options.workers !== "auto" && options.workers > 1 && options.objective !== undefined) {
    fail("--workers is for --model (models trained on worker threads); an --objective runs in the notebook's thread");
  }
  if (options.fuse !== "off" && options.objective !== undefined) fail("--fuse is for --model (models trained as one computation); an --objective runs one trial at a time");
  if (options.objectives !== undefined) checkSeveralObjectives(options.strategy, options.pruner, options.objectives);
  if (options.maxFailures < 1) fail(`--max-failures must be at least 1, got ${options.maxFailures}`);
  if (options.from !== undefined && !IDENTIFIER.test(options.from)) fail(`--from expects the variable of an earlier study, got "${options.from}"`);
  if (options.fromTop !== undefined && options.from === undefined) fail("--from-top is for --from STUDY");
  if (options.fromTop !== undefined && options.fromTop < 1) fail(`--from-top must be at least 1, got ${options.fromTop}`);
  if (options.gridPoints !== undefined && !["grid", "auto"].includes(options.strategy)) fail("--grid-points is for --strategy grid (or auto, when it chooses grid)");
  if (options.gridPoints !== undefined && options.gridPoints < 1) fail(`--grid-points must be at least 1, got ${options.gridPoints}`);
  if (options.startupTrials !== undefined && options.startupTrials < 1) fail(`--startup-trials must be at least 1, got ${options.startupTrials}`);
  if (options.startupTrials !== undefined && !["bayes", "tpe", "cmaes", "bohb", "auto"].includes(options.strategy)) fail("--startup-trials is for --strategy bayes, tpe, cmaes or bohb (or auto, when it chooses one)");
  checkPrunerOptions(options, fail);
  checkPbtOptions(options, fail);
  return options;
}

/** The pruner a search runs: --pruner's, or hyperband for --strategy bohb (which brings its own). */
export function prunerOf(options: Pick<TuneOptions, "strategy" | "pruner">): PrunerName {
  return options.strategy === "bohb" ? "hyperband" : options.pruner;
}

/** The checks of --pruner's options and of --strategy bohb, which brings its own pruner. */
function checkPrunerOptions(options: TuneOptions, fail: (message: string) => never): void {
  if (options.strategy === "bohb" && options.pruner !== "none" && options.pruner !== "hyperband") {
    fail(`--strategy bohb runs the hyperband pruner; drop --pruner ${options.pruner} (or give --pruner hyperband)`);
  }
  const pruner = prunerOf(options);
  if (options.minResource !== undefined && pruner !== "asha" && pruner !== "hyperband") fail("--min-resource is for --pruner asha or hyperband");
  if (options.reductionFactor !== undefined && pruner !== "asha" && pruner !== "hyperband") fail("--reduction-factor is for --pruner asha or hyperband");
  if (options.maxResource !== undefined && pruner !== "hyperband") fail("--max-resource is for --pruner hyperband");
  if (options.rungUnit !== undefined && pruner !== "hyperband") fail("--rung-unit is for --pruner hyperband or --strategy bohb");
  if (options.pause && pruner !== "hyperband") fail("--pause is for --pruner hyperband or --strategy bohb (a trial waits at its bracket's rung)");
  if (options.minResource !== undefined && options.minResource < 1) fail(`--min-resource must be at least 1 step, got ${options.minResource}`);
  if (options.reductionFactor !== undefined && options.reductionFactor < 2) fail(`--reduction-factor must be at least 2, got ${options.reductionFactor}`);
  if (options.maxResource !== undefined && options.maxResource < (options.minResource ?? 1)) {
    fail(`--max-resource must be at least --min-resource (${options.minResource ?? 1}), got ${options.maxResource}`);
  }
}

/** The checks of --strategy pbt and its options (population-based training, pbt-search.ts). */
function checkPbtOptions(options: TuneOptions, fail: (message: string) => never): void {
  if (options.strategy !== "pbt") {
    if (options.population !== undefined) fail("--population is for --strategy pbt");
    if (options.readyEpochs !== undefined) fail("--ready-epochs is for --strategy pbt");
    return;
  }
  if (options.model === undefined) fail("--strategy pbt trains a population of models: it needs --model (an --objective trains nothing of ours)");
  if (options.pruner !== "none") fail(`--strategy pbt replaces bad members by copies of good ones; drop --pruner ${options.pruner}`);
  if (options.cv !== undefined) fail("--strategy pbt trains each member on one validation split; drop --cv (use --validation or --validation-data)");
  if (options.test !== undefined) fail("--strategy pbt does not evaluate --test rows yet; drop --test (evaluate study.bestModel yourself)");
  if (options.storage !== undefined && isDatabaseUrl(options.storage)) fail("--strategy pbt keeps its members' weights beside a journal file to resume: give --storage a file, not a database");
  if (options.population !== undefined && options.population < 2) fail(`--population must be at least 2 (members copy each other), got ${options.population}`);
  if (options.readyEpochs !== undefined && options.readyEpochs < 1) fail(`--ready-epochs must be at least 1, got ${options.readyEpochs}`);
}

/** Whether `--storage` names a PostgreSQL database rather than a journal file. */
export function isDatabaseUrl(storage: string): boolean {
  return /^postgres(ql)?:\/\//.test(storage);
}

/** `--workers`: "auto" or a whole number of trials at once, at least 1. */
function workersOption(value: string): number | "auto" {
  if (value === "auto") return "auto";
  const count = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(count >= 1)) throw new MagicError(`--workers expects auto or a whole number of trials at once (at least 1), got "${value}"`, 1);
  return count;
}

/** `--fuse`: off, auto, or a whole number of trials trained as one computation (at least 1). */
function fuseOption(value: string): number | "auto" | "off" {
  if (value === "off" || value === "auto") return value;
  const count = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(count >= 1)) throw new MagicError(`--fuse expects off, auto or a whole number of trials trained at once (at least 1), got "${value}"`, 1);
  return count;
}

/** `{ key: value }` when value is defined, else `{}` (for exactOptionalPropertyTypes). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}


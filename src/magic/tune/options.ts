/**
 * The options of `%%tune`, declared once: the magic system parses them, types them and prints
 * them in `%%tune --help`.
 */
import type { OptionSpec } from "../types";
import { SPACE_GRAMMAR } from "./space-grammar";

/** Search strategies, as named on the command line. */
export const STRATEGIES = ["bayes", "random", "sobol", "grid"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Early-stopping rules, as named on the command line. */
export const PRUNERS = ["none", "median", "asha"] as const;
export type PrunerName = (typeof PRUNERS)[number];

/** Every option of `%%tune`. */
export const TUNE_OPTIONS: readonly OptionSpec[] = [
  { name: "model", type: "string", metavar: "FN", description: "function (params) => compiled tf.LayersModel, trained on --data" },
  { name: "objective", type: "string", metavar: "FN", description: "function (params, trial) => number | {metric: number}, instead of --model" },
  { name: "data", type: "list", metavar: "X,Y", description: "training inputs and targets (variables: tensors or arrays) for --model" },
  { name: "validation", type: "number", metavar: "FRACTION", description: "fraction of --data held out for validation (default 0.2 unless --cv or --validation-data)" },
  { name: "validationData", type: "list", metavar: "X,Y", description: "explicit validation inputs and targets" },
  { name: "cv", type: "integer", metavar: "K", description: "k-fold cross-validation: the metric is the mean over K folds" },
  { name: "epochs", type: "integer", metavar: "N", default: 10, description: "training epochs per trial (may also be a search parameter named epochs)" },
  { name: "batchSize", type: "integer", metavar: "N", default: 32, description: "batch size (may also be a search parameter named batchSize)" },
  { name: "metric", type: "string", metavar: "NAME", description: "metric to optimise: a history name such as val_loss or val_acc (model), or a key of the objective's record (default: val_loss, or loss without validation; value for a number)" },
  { name: "direction", type: "string", choices: ["minimize", "maximize"], description: "optimisation direction (default: inferred from the metric: loss/error down, accuracy/auc up)" },
  { name: "strategy", type: "string", choices: STRATEGIES, default: "bayes", description: "search strategy: Gaussian-process Bayesian, random, scrambled Sobol, or grid" },
  { name: "trials", type: "integer", metavar: "N", description: "number of trials (default 20; grid: every combination)" },
  { name: "timeout", type: "number", metavar: "SECONDS", description: "stop starting new trials after this many seconds" },
  { name: "seed", type: "integer", metavar: "N", description: "seed for sampling, weight initialisation and shuffling (default: random, printed so the search can be repeated)" },
  { name: "startupTrials", type: "integer", metavar: "N", description: "bayes: random trials before the Gaussian process takes over" },
  { name: "gridPoints", type: "integer", metavar: "N", description: "grid: points per continuous parameter (otherwise list its values)" },
  { name: "pruner", type: "string", choices: PRUNERS, default: "none", description: "early stopping of unpromising trials from their per-epoch metric" },
  { name: "storage", type: "string", metavar: "FILE", description: "journal file that keeps every trial; rerunning the cell resumes the study" },
  { name: "name", type: "string", metavar: "STUDY", description: "study name inside --storage (default: the --out variable name)" },
  { name: "out", type: "string", metavar: "VAR", default: "study", description: "variable the study is bound to" },
  { name: "keepBest", type: "boolean", default: true, description: "keep the best trial's trained model as study.bestModel (--no-keep-best to dispose it)" },
  { name: "refit", type: "boolean", default: true, description: "with --cv: train the best parameters once more on all of --data and keep that model as study.bestModel (--no-refit keeps the best trial's last-fold model)" },
  { name: "maxFailures", type: "integer", metavar: "N", default: 10, description: "stop after this many consecutive failed trials" },
  { name: "workers", type: "integer", metavar: "N", default: 1, description: "--model: train N trials at once on worker threads (see below)" },
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

--workers N trains N trials at once, each on its own worker thread with the notebook's backend:
the builder still runs in the notebook (so its seeded initial weights are kept), and the model
crosses to a thread as its JSON topology, compile settings and weights. The same --seed gives
the same metrics for the same parameters as with one worker, but which parameters are tried can
depend on which trials finish first. A model that cannot cross (custom layers, a loss or metric
given as a function) is trained one trial at a time in the notebook instead, as the output says.

The study is bound to --out: study.bestParams, study.bestValue, study.bestModel, study.trials,
study.toCSV(), study.toJSON(), study.plots(); as a cell's last expression it shows its trials.`;

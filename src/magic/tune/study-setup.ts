/**
 * Study setup for `%%tune`: the sampler a `--strategy` names, the pruner a `--pruner` names, the
 * storage `--storage` names (a journal file or a PostgreSQL database), and opening the study
 * (a new one, or the one of the same name in the storage, resumed).
 */
import { MagicError, type MagicContext } from "../types";
import { CmaEsSampler, GPSampler, GridSampler, MultiObjectiveGPSampler, NSGA2Sampler, RandomSampler, SwitchingSampler, TPESampler } from "../../engine/samplers";
import { HyperbandPruner, MedianPruner, SuccessiveHalvingPruner } from "../../engine/pruners";
import { JournalStorage } from "../../engine/storage/journal";
import type { PostgresStorage } from "../../engine/storage/postgres";
import type { StudyStorage } from "../../engine/storage/storage";
import { createStudy, type Study } from "../../engine/study";
import type { Trial } from "../../engine/trial";
import type { Pruner, Sampler, SearchSpace, StudyDirection } from "../../engine/types";
import { messageOf } from "../../common/errors";
import { seedTrials } from "./coarse-to-fine";
import { lookupVariable } from "./variables";
import { countStates, NotebookStudy } from "./notebook-study";
import { describeKind } from "../../common/describe";
import { isDatabaseUrl, optional, prunerOf, type TuneOptions } from "./options";

export { isDatabaseUrl } from "./options";
import { plannedTrials } from "./space-size";
import { nsga2PopulationSize } from "./auto-strategy";
import { epochStepCost } from "./training-length";
import type { Objectives } from "../../engine/study-objectives";

/** Random start-up trials of bayes, tpe and bohb for a budget of `planned` trials: a quarter of it, between 3 and 10. */
export function defaultStartupTrials(planned: number): number {
  return Math.min(10, Math.max(3, Math.round(planned / 4)));
}

/**
 * The sampler `--strategy` names, seeded with `seed`. `planned` is the trial budget: Bayesian
 * and TPE search start with a quarter of it (between 3 and 10) as random trials, CMA-ES with one
 * (then from the centre of the space), unless `--startup-trials` says how many. A planned hand-over (`strategySwitch`, from `--strategy auto`)
 * makes a {@link SwitchingSampler} that calls `onSwitch` with one line when it happens. With
 * several objectives (`objectives`), bayes is the GP on ParEGO's random scalarisations.
 * pbt draws its population itself (engine/pbt); its study has a random sampler.
 * @throws Error for "auto": resolve it first (auto-strategy.ts)
 */
export function makeSampler(
  options: Pick<TuneOptions, "strategy" | "startupTrials" | "gridPoints" | "strategySwitch"> & Partial<Pick<TuneOptions, "objectives">>,
  seed: number,
  planned: number,
  onSwitch?: (message: string) => void,
): Sampler {
  const startupTrials = options.startupTrials ?? defaultStartupTrials(planned);
  const next = options.strategySwitch;
  if (next !== undefined) {
    const { strategySwitch: _, ...first } = options;
    return new SwitchingSampler({
      first: makeSampler(first, seed, planned),
      then: makeSampler({ ...first, strategy: next.strategy }, seed, planned),
      at: next.atTrial,
      reason: next.reason,
      ...optional("onSwitch", onSwitch),
    });
  }
  switch (options.strategy) {
    case "auto":
      throw new Error("--strategy auto must be resolved to a strategy before making the sampler");
    case "bayes":
      return options.objectives === undefined ? new GPSampler({ seed, startupTrials }) : new MultiObjectiveGPSampler({ seed, startupTrials });
    case "tpe":
      return new TPESampler({ seed, startupTrials });
    case "bohb":
      return new TPESampler({ seed, startupTrials, fitAtBudget: true });
    case "cmaes":
      // CMA-ES starts at the centre after its own one start-up trial (as Optuna's): more random
      // trials first measured worse, so only --startup-trials changes it.
      return new CmaEsSampler({ seed, ...optional("startupTrials", options.startupTrials) });
    case "nsga2":
      return new NSGA2Sampler({ seed, populationSize: nsga2PopulationSize(planned) });
    case "pbt":
    case "random":
      return new RandomSampler({ seed });
    case "sobol":
      return new RandomSampler({ seed, sobol: true });
    case "grid":
      return new GridSampler({ seed, ...optional("pointsPerDimension", options.gridPoints) });
  }
}

/** The options that choose and shape the pruner. */
export type PrunerOptions = Pick<TuneOptions, "strategy" | "pruner" | "epochs" | "cv" | "minResource" | "maxResource" | "reductionFactor"> &
  Partial<Pick<TuneOptions, "model" | "batchSize" | "rungUnit">>;

/**
 * The pruner `--pruner` names (hyperband for `--strategy bohb`; undefined for none). Hyperband's
 * full resource is `--max-resource`, else the steps a trial trains: epochs (the largest of a
 * searched `epochs` parameter) × folds. With `--rung-unit steps` in a `--model` search that
 * searches `batchSize`, Hyperband's rungs compare trials after the same number of optimizer steps
 * (`epochStepCost`), not epochs: a larger batch size is judged after proportionally more epochs.
 */
export function makePruner(options: PrunerOptions, space: SearchSpace = {}): Pruner | undefined {
  const minResource = options.minResource ?? 1;
  const reductionFactor = options.reductionFactor ?? 3;
  switch (prunerOf(options)) {
    case "none":
      return undefined;
    case "median":
      return new MedianPruner({ startupTrials: 5, warmupSteps: 2 });
    case "asha":
      return new SuccessiveHalvingPruner({ minResource, reductionFactor });
    case "hyperband": {
      const byEpochs = options.model === undefined || options.batchSize === undefined || options.rungUnit !== "steps";
      const stepCost = byEpochs ? undefined : epochStepCost(space, { epochs: options.epochs, batchSize: options.batchSize });
      return new HyperbandPruner({ minResource, maxResource: options.maxResource ?? fullResource(options, space), reductionFactor, ...optional("stepCost", stepCost) });
    }
  }
}

/** The steps of a whole trial: epochs (the largest a searched `epochs` can take) × folds, at least 1. */
function fullResource(options: Pick<TuneOptions, "epochs" | "cv">, space: SearchSpace): number {
  const searched = space["epochs"];
  const epochs = searched === undefined ? options.epochs : searched.kind === "fixed" ? Number(searched.value) : searched.kind === "categorical" ? Math.max(...searched.choices.map(Number)) : searched.high;
  return Math.max(1, (Number.isFinite(epochs) ? epochs : options.epochs) * (options.cv ?? 1));
}

/**
 * Records a starting trial's Hyperband bracket as its user attribute "bracket" (for the table,
 * the exports and the brackets figure); nothing for other pruners.
 */
export function recordBracket(study: Study, trial: Trial): void {
  if (study.pruner instanceof HyperbandPruner) trial.setUserAttr("bracket", study.pruner.bracketOf(trial.number));
}

/**
 * The PostgreSQL storage class, loaded on first use: its driver (`pg`) takes tens of ms to load,
 * which a kernel without a `postgresql://` storage should not pay at start-up.
 */
function postgresStorage(): typeof PostgresStorage {
  return (require("../../engine/storage/postgres") as typeof import("../../engine/storage/postgres")).PostgresStorage;
}

/** Opens `--storage`: a PostgreSQL database (shared by several workers) or a journal file. */
export async function openStorage(location: string): Promise<StudyStorage> {
  try {
    return isDatabaseUrl(location) ? await postgresStorage().connect(location) : JournalStorage.open(location);
  } catch (error) {
    throw new MagicError(`--storage: ${messageOf(error)}`, 1);
  }
}

/**
 * Creates the study, or resumes the one named `--name` (default: `--out`) in `--storage`, and
 * says so in the cell's output when it resumes. Failures are MagicErrors on the magic's line.
 * `several` makes a study of several objectives (then `direction` and `metric` are ignored).
 */
export async function openStudy(
  options: TuneOptions,
  space: SearchSpace,
  seed: number,
  direction: StudyDirection,
  metric: string,
  context: MagicContext,
  several?: Objectives,
): Promise<Study> {
  const pruner = makePruner(options, space);
  const planned = plannedTrials(options, space);
  // --from is checked before the study exists: before the strategy is announced, and before a
  // --storage holds a new study that the error leaves empty.
  const from = options.from === undefined ? undefined : fromStudy(options.from, several === undefined ? { metric, direction } : undefined, context);
  const storage = options.storage === undefined ? undefined : await openStorage(options.storage);
  let study: Study;
  try {
    study = await createStudy({
      studyName: options.name ?? options.out,
      ...(several === undefined ? { direction, metric } : { directions: several.directions, metrics: several.metrics }),
      seed,
      sampler: makeSampler(options, seed, planned, (message) => context.stdout(`${message}\n`)),
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
    if (options.from !== undefined) context.stdout(`--from ${options.from}: not added again (the resumed study already holds its seeds).\n`);
  } else if (from !== undefined) {
    await seedFromStudy(study, from, options.fromTop, space, context);
  }
  return study;
}

/**
 * The study `--from NAME` names, checked against this search's objective (`undefined`: several).
 * @throws MagicError when the variable is not a study, or optimised another metric or direction
 */
function fromStudy(name: string, objective: { readonly metric: string; readonly direction: StudyDirection } | undefined, context: MagicContext): { readonly name: string; readonly study: NotebookStudy } {
  const from = lookupVariable(context, name, "study");
  if (!(from instanceof NotebookStudy)) {
    throw new MagicError(`--from ${name}: expected a study bound by an earlier %%tune, but ${name} is ${describeKind(from)}`, 1);
  }
  if (objective === undefined || from.isMultiObjective) throw new MagicError("--from works between studies of one objective", 1);
  if (from.metric !== objective.metric || from.direction !== objective.direction) {
    throw new MagicError(
      `--from ${name}: it ${from.direction === "minimize" ? "minimised" : "maximised"} ${from.metric} and this search ${objective.direction === "minimize" ? "minimises" : "maximises"} ${objective.metric}: their values do not compare`,
      1,
    );
  }
  return { name, study: from };
}

/**
 * `--from STUDY [--from-top K]`: adds the earlier study's complete trials that `space` holds to a
 * new study, as complete trials (see coarse-to-fine.ts), and says how many.
 */
async function seedFromStudy(study: Study, { name, study: from }: { readonly name: string; readonly study: NotebookStudy }, top: number | undefined, space: SearchSpace, context: MagicContext): Promise<void> {
  const { trials, outside } = seedTrials(from, name, space, top);
  for (const trial of trials) await study.addTrial(trial);
  const left = outside === 0 ? "" : `; ${outside} outside this space left out`;
  context.stdout(`Started from ${name}: ${trials.length} complete trial${trials.length === 1 ? "" : "s"} added${left}. --trials counts the new ones.\n`);
}

/**
 * `%%tune --strategy pbt`: population-based training (Jaderberg et al., 2017) of a `--model`
 * builder. A population of members trains in rounds of `--ready-epochs` epochs up to `--epochs`;
 * after each round the engine's seeded plan (src/engine/pbt) says which members copy which and
 * with what explored parameters, and the copies are rebuilt with the builder and given their
 * parent's weights and optimizer state (src/tfjs/train-rounds.ts).
 *
 * Recording: every member-round is one trial of the study, with the parameters it trained with,
 * its intermediate values at the member's epochs (steps count from the member's first epoch, the
 * copied history included), and user attributes `member`, `round`, `parent` (the trial number it
 * copied, null when it went on from its own previous round), `explored` (how each parameter
 * changed) and `epochs` (the member's epochs so far). A member-round that fails (NaN loss, a
 * builder error) is a failed trial, and the member copies a top member after the round.
 * `study.bestModel` is a snapshot of the best member-round's model.
 *
 * The population's training is pbt-population.ts; this file plans it, chooses where members
 * train (pbt-members.ts: `--workers` threads of the session's pool, else the notebook's thread),
 * resumes a study from its journal (pbt-resume.ts, with the members' weights kept beside the
 * journal by pbt-checkpoints.ts), binds, shows and reports. The final figures
 * (NotebookStudy.figures) include the PBT figure (src/render/pbt-figure.ts). An interrupt stops
 * within a batch and keeps every member-round that finished.
 */
import { MagicError, type MagicContext } from "../types";
import type { LoadedTensorFlow, TensorFlow } from "../../tfjs/backend";
import type { ModelBuilder, ValidationMetrics } from "../../tfjs/train";
import type { TrainingData } from "../../tfjs/trainingData";
import { sessionPool, type TrainingPool } from "../../tfjs/pool";
import { initialPopulation, perturbableParams } from "../../engine/pbt";
import type { Study } from "../../engine/study";
import type { SearchSpace } from "../../engine/types";
import { deriveSeed } from "../../common/random";
import { LiveView } from "../../render";
import { NotebookStudy } from "./notebook-study";
import { optional, type TuneOptions } from "./options";
import { PbtCheckpoints } from "./pbt-checkpoints";
import { NotebookMembers, PoolMembers, type MemberContext, type MemberTrainer } from "./pbt-members";
import { PopulationRun, type Member } from "./pbt-population";
import { resumePoint, storedSettings, type ResumePoint } from "./pbt-resume";
import { searchReport } from "./report";
import { binder, InterruptedSearch } from "./run-search";
import type { TuneSession } from "./tune-magic";
import { boundedWorkers, startWorkerTraining } from "./worker-search";
import { counted } from "../../common/describe";

/** Members and rounds of a PBT search. */
export interface PbtSchedule {
  readonly population: number;
  /** Epochs of each round (all `--ready-epochs` but maybe the last, which ends at `--epochs`). */
  readonly rounds: readonly number[];
}

/** The schedule from the options: `--population` (else `--trials`, else 8) members, rounds of `--ready-epochs` (else epochs / 5, at least 1). */
export function pbtSchedule(options: Pick<TuneOptions, "population" | "trials" | "readyEpochs" | "epochs">): PbtSchedule {
  const population = options.population ?? options.trials ?? 8;
  const ready = options.readyEpochs ?? Math.max(1, Math.floor(options.epochs / 5));
  const rounds: number[] = [];
  for (let done = 0; done < options.epochs; done += ready) rounds.push(Math.min(ready, options.epochs - done));
  return { population, rounds };
}

/** What a PBT search needs (everything checked by runModelSearch before). */
export interface PbtSearchInput {
  readonly session: TuneSession;
  readonly options: TuneOptions;
  readonly space: SearchSpace;
  readonly seed: number;
  readonly context: MagicContext;
  readonly tf: TensorFlow;
  readonly loaded: LoadedTensorFlow;
  readonly builder: ModelBuilder;
  readonly data: TrainingData;
  /** The resolved history key of the objective. */
  readonly metric: string;
  readonly study: Study;
  readonly dataNames: { readonly x: string; readonly y: string };
  readonly validationMetrics?: ValidationMetrics;
  /** Parameters the space marks `mutable`. */
  readonly mutable: readonly string[];
  /** The notebook function among the metrics (`--metric-fn`), which keeps training in the notebook's thread. */
  readonly metricFunction?: string;
}

/** Runs the PBT search, binds the study to `--out`, shows the report and the figures. */
export async function runPbtSearch(given: PbtSearchInput): Promise<void> {
  const { options, space, context, study } = given;
  if (space["epochs"] !== undefined) throw new MagicError("--strategy pbt trains every member for --epochs in rounds: drop the searched epochs parameter", 1);
  const schedule = pbtSchedule(options);
  const resume = resumePoint(study.trials, { seed: given.seed, population: schedule.population, rounds: schedule.rounds }, options.seed !== undefined);
  // A resumed study's rounds are planned with the seed it started with.
  const input: PbtSearchInput = resume === undefined ? given : { ...given, seed: storedSettings(study.trials).seed };
  const perturbable = perturbableParams(space, input.mutable);
  const bound = new NotebookStudy(study, space, input.session.embedding, schedule.population * schedule.rounds.length);
  context.stdout(`${scheduleNote(schedule, perturbable)}\n`);
  if (resume !== undefined) context.stdout(`${resumeNote(resume, schedule, input.seed)}\n`);
  const training = await whereMembersTrain(input, schedule);
  context.stdout(`${training.note}\n`);
  try {
    await trainPopulation(input, bound, schedule, perturbable, training.trainer, resume);
  } finally {
    if (training.pool !== undefined) await sessionPool.giveBack(training.pool);
  }
}

/** Where the members train, and one line saying so. */
interface MemberTraining<S> {
  readonly trainer: MemberTrainer<S>;
  readonly pool?: TrainingPool;
  readonly note: string;
}

/**
 * `--workers`: the members' rounds on the session's pool (several member-rounds at once, up to
 * the population), else in the notebook's thread, with the reason.
 */
async function whereMembersTrain(input: PbtSearchInput, schedule: PbtSchedule): Promise<MemberTraining<unknown>> {
  const { options, data, builder, loaded, dataNames, metric, tf } = input;
  const context: MemberContext = { tf, builder, fold: data.folds[0]!, metric, dataNames, ...optional("validationMetrics", input.validationMetrics) };
  const workers = boundedWorkers(options.workers, schedule.population);
  const repeatable = `Repeatable: --seed ${input.seed} gives the same lineage with any number of workers.`;
  const inNotebook = (why: string): MemberTraining<unknown> => ({ trainer: new NotebookMembers(context) as MemberTrainer<unknown>, note: `PBT trains one member-round at a time in the notebook's thread${why}. ${repeatable}` });
  if (workers.count <= 1) return inNotebook(workers.auto === undefined ? "" : ` (${workers.auto})`);
  if (input.metricFunction !== undefined) return inNotebook(`, because the metric function ${input.metricFunction} lives in the notebook and cannot be sent to a worker thread`);
  const [probe] = initialPopulation(input.space, 1, input.seed);
  const mode = await startWorkerTraining(loaded, workers, builder, probe!, data, deriveSeed(input.seed, "check"));
  if (mode.kind === "notebook") return { trainer: new NotebookMembers(context) as MemberTrainer<unknown>, note: `${mode.note.replace("one trial", "one member-round")} ${repeatable}` };
  return {
    trainer: new PoolMembers(context, mode.pool) as MemberTrainer<unknown>,
    pool: mode.pool,
    note: `PBT trains ${mode.pool.size} member-rounds at once on worker threads (${mode.note.replace(/^Training \d+ trials at once on worker threads \((.*)\)\.$/, "$1")}); each round's exploit and explore wait for the whole round. ${repeatable}`,
  };
}

/** Trains the population (bound to `--out` from the start), then reports and shows the figures. */
async function trainPopulation<S>(input: PbtSearchInput, bound: NotebookStudy, schedule: PbtSchedule, perturbable: readonly string[], trainer: MemberTrainer<S>, resume: ResumePoint | undefined): Promise<void> {
  const { options, context } = input;
  const binding = binder(context, options.out, bound);
  const live = options.live ? new LiveView({ output: context, embedding: input.session.embedding, ...optional("intervalMs", input.session.liveIntervalMs) }) : undefined;
  live?.update(bound.data());
  // The running member-round's epochs show between trials too.
  const refresh = live === undefined ? undefined : setInterval(() => live.update(bound.data()), input.session.liveIntervalMs ?? 1000);
  refresh?.unref();
  const setupMs = performance.now() - options.cellStartedAt;
  context.interruptCooperatively();
  const started = Date.now();
  const members: Member<S>[] = [];
  const checkpoints = options.storage === undefined ? undefined : new PbtCheckpoints(options.storage, input.study.studyName);
  const run = new PopulationRun(input, bound, schedule, perturbable, trainer, checkpoints, () => live?.update(bound.data()));
  let failure: unknown;
  try {
    binding.bind();
    await run.train(members, resume);
  } catch (error) {
    failure = error;
  } finally {
    if (refresh !== undefined) clearInterval(refresh);
    for (const member of members) if (member.state !== undefined) trainer.dispose(member.state);
    live?.finish(bound.data());
  }
  bound.lastSearch = {
    message: failure instanceof Error ? failure.message : context.signal.aborted ? "interrupted" : `${counted(schedule.rounds.length, "round")} of ${counted(schedule.population, "member")}`,
    trialsRun: run.trialsRun,
    wallTimeMs: Date.now() - started,
    objectiveMs: run.trainingMs,
    setupMs,
    ...optional("liveMs", live?.spentMs),
  };
  context.stdout(`${searchReport(bound, bound.lastSearch, "training", options.out)}\n`);
  if (failure !== undefined) throw failure;
  if (context.signal.aborted) {
    throw new InterruptedSearch(`search interrupted; the ${bound.trials.length} member-rounds so far are kept in \`${options.out}\``);
  }
  for (const bundle of bound.figures(undefined, true)) context.display(bundle);
}

/** What a resumed study keeps and where it goes on. */
function resumeNote(resume: ResumePoint, schedule: PbtSchedule, seed: number): string {
  if (resume.round >= schedule.rounds.length) return `PBT: every round of this study is done already (seed ${seed}).`;
  const done = resume.finals[resume.round]?.filter((t) => t !== undefined).length ?? 0;
  const retried = resume.retried === 0 ? "" : `; ${resume.retried} interrupted member-round${resume.retried === 1 ? "" : "s"} train${resume.retried === 1 ? "s" : ""} again`;
  return `PBT resumes at round ${resume.round} (${done} of ${schedule.population} members done in it${retried}), members from their weights kept beside the journal, planned with the study's seed ${seed}.`;
}

/** The first lines of a PBT search's output: what it will do. */
function scheduleNote(schedule: PbtSchedule, perturbable: readonly string[]): string {
  const epochs = schedule.rounds.reduce((sum, e) => sum + e, 0);
  const explores = perturbable.length === 0 ? "no parameter is perturbable (mark one mutable, see --help), so they only copy" : `explore ${perturbable.join(", ")}`;
  return `PBT: ${counted(schedule.population, "member")}, ${counted(schedule.rounds.length, "round")} of ${counted(schedule.rounds[0]!, "epoch")} (${epochs} in all); after each round the bottom 25 % copy a top-25 % member and ${explores}.`;
}

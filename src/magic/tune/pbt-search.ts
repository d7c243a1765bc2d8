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
 * The population's training is pbt-population.ts; this file plans it, binds, shows and reports.
 * The final figures (NotebookStudy.figures) include the PBT figure (src/render/pbt-figure.ts).
 * Members train one at a time in the notebook's thread (no worker threads yet); an interrupt stops
 * within a batch and keeps every member-round that finished.
 */
import { MagicError, type MagicContext } from "../types";
import type { TensorFlow } from "../../tfjs/backend";
import { disposeModel, type ModelBuilder, type ValidationMetrics } from "../../tfjs/train";
import type { TrainingData } from "../../tfjs/trainingData";
import { perturbableParams } from "../../engine/pbt";
import type { Study } from "../../engine/study";
import type { SearchSpace } from "../../engine/types";
import { LiveView } from "../../render";
import { NotebookStudy } from "./notebook-study";
import { optional, type TuneOptions } from "./options";
import { PopulationRun, type Member } from "./pbt-population";
import { searchReport } from "./report";
import { binder, InterruptedSearch } from "./run-search";
import type { TuneSession } from "./tune-magic";

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
  readonly builder: ModelBuilder;
  readonly data: TrainingData;
  /** The resolved history key of the objective. */
  readonly metric: string;
  readonly study: Study;
  readonly dataNames: { readonly x: string; readonly y: string };
  readonly validationMetrics?: ValidationMetrics;
  /** Parameters the space marks `mutable`. */
  readonly mutable: readonly string[];
}

/** Runs the PBT search, binds the study to `--out`, shows the report and the figures. */
export async function runPbtSearch(input: PbtSearchInput): Promise<void> {
  const { options, space, context, study } = input;
  if (space["epochs"] !== undefined) throw new MagicError("--strategy pbt trains every member for --epochs in rounds: drop the searched epochs parameter", 1);
  const schedule = pbtSchedule(options);
  const perturbable = perturbableParams(space, input.mutable);
  const bound = new NotebookStudy(study, space, input.session.embedding, schedule.population * schedule.rounds.length);
  context.stdout(`${scheduleNote(schedule, perturbable, options)}\n`);
  const binding = binder(context, options.out, bound);
  const live = options.live ? new LiveView({ output: context, embedding: input.session.embedding, ...optional("intervalMs", input.session.liveIntervalMs) }) : undefined;
  live?.update(bound.data());
  // The running member-round's epochs show between trials too.
  const refresh = live === undefined ? undefined : setInterval(() => live.update(bound.data()), input.session.liveIntervalMs ?? 1000);
  refresh?.unref();
  const setupMs = performance.now() - options.cellStartedAt;
  context.interruptCooperatively();
  const started = Date.now();
  const members: Member[] = [];
  const run = new PopulationRun(input, bound, schedule, perturbable, () => live?.update(bound.data()));
  let failure: unknown;
  try {
    binding.bind();
    await run.train(members);
  } catch (error) {
    failure = error;
  } finally {
    if (refresh !== undefined) clearInterval(refresh);
    for (const member of members) if (member.model !== undefined) disposeModel(member.model);
    live?.finish(bound.data());
  }
  bound.lastSearch = {
    message: failure instanceof Error ? failure.message : context.signal.aborted ? "interrupted" : `${schedule.rounds.length} rounds of ${schedule.population} members`,
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

/** The first lines of a PBT search's output: what it will do. */
function scheduleNote(schedule: PbtSchedule, perturbable: readonly string[], options: TuneOptions): string {
  const epochs = schedule.rounds.reduce((sum, e) => sum + e, 0);
  const explores = perturbable.length === 0 ? "no parameter is perturbable (mark one mutable, see --help), so they only copy" : `explore ${perturbable.join(", ")}`;
  const lines = [
    `PBT: ${schedule.population} members, ${schedule.rounds.length} rounds of ${schedule.rounds[0]} epochs (${epochs} in all); after each round the bottom 25 % copy a top-25 % member and ${explores}.`,
  ];
  if (options.workers !== 1) lines.push("PBT trains its members one at a time in the notebook's thread (--workers is not used by --strategy pbt yet).");
  return lines.join("\n");
}

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
 * The final figures (NotebookStudy.figures) include the PBT figure (src/render/pbt-figure.ts).
 * Members train one at a time in the notebook's thread (no worker threads yet); an interrupt stops
 * within a batch and keeps every member-round that finished.
 */
import type * as tfjs from "@tensorflow/tfjs";
import { MagicError, type MagicContext } from "../types";
import type { TensorFlow } from "../../tfjs/backend";
import { buildTrialModel, disposeModel, TrainingAbortedError, type ModelBuilder, type ValidationMetrics } from "../../tfjs/train";
import { checkModelFitsData } from "../../tfjs/model-setup";
import { ArchitectureMismatchError, rebuildWithState, trainRound } from "../../tfjs/train-rounds";
import type { TrainingData } from "../../tfjs/trainingData";
import { initialPopulation, perturbableParams, planNextRound, type MemberPlan } from "../../engine/pbt";
import type { Study } from "../../engine/study";
import type { Trial } from "../../engine/trial";
import type { Params, SearchSpace } from "../../engine/types";
import { deriveSeed } from "../../common/random";
import { messageOf } from "../../common/errors";
import { LiveView } from "../../render";
import { BestModelKeeper } from "./best-model";
import { NotebookStudy } from "./notebook-study";
import { optional, type TuneOptions } from "./options";
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

/** One member between rounds. */
interface Member {
  params: Params;
  model: tfjs.LayersModel | undefined;
  /** The value after its last round, undefined when that round failed. */
  value: number | undefined;
  /** The trial of its last round. */
  trial: number | undefined;
  epochs: number;
  /** Why its copy for the next round could not be built (the round then fails). */
  buildError?: Error | undefined;
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
  context.stdout(`${searchReport(bound, bound.lastSearch, "training")}\n`);
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

/** The population's training, round after round, and what it recorded. */
class PopulationRun {
  trialsRun = 0;
  trainingMs = 0;
  private bestValue: number | undefined;
  private readonly keeper: BestModelKeeper;
  private readonly startedAt = performance.now();

  constructor(
    private readonly input: PbtSearchInput,
    bound: NotebookStudy,
    private readonly schedule: PbtSchedule,
    private readonly perturbable: readonly string[],
    private readonly onTrialEnd: () => void,
  ) {
    this.keeper = new BestModelKeeper(bound, (a, b) => input.study.isBetter(a, b));
  }

  /** Trains every round; `members` holds the population (its models are the caller's to dispose). */
  async train(members: Member[]): Promise<void> {
    const { study, context, seed, space } = this.input;
    const first = initialPopulation(space, this.schedule.population, seed);
    for (let r = 0; r < this.schedule.rounds.length; r++) {
      const plans: readonly MemberPlan[] | undefined =
        r === 0
          ? undefined
          : this.plan(members, r - 1);
      // The trials copied, read before this round's trials replace the members' last trials.
      const parentTrials = plans?.map((plan) => (plan.parent === undefined ? null : (members[plan.parent]!.trial ?? null)));
      if (plans !== undefined) await this.exploit(members, plans, r);
      for (let m = 0; m < this.schedule.population; m++) {
        if (context.signal.aborted) return;
        if (this.timedOut()) {
          context.stdout(`--timeout ${this.input.options.timeout} s: no new member-round after round ${r}, member ${m}.\n`);
          return;
        }
        const plan = plans?.[m];
        await study.enqueue(plan?.params ?? first[m]!);
        const trial = await study.ask(space);
        const member = (members[m] ??= { params: trial.params, model: undefined, value: undefined, trial: undefined, epochs: 0 });
        member.params = trial.params;
        trial.setUserAttr("member", m);
        trial.setUserAttr("round", r);
        trial.setUserAttr("parent", parentTrials?.[m] ?? null);
        trial.setUserAttr("explored", plan?.changes ?? {});
        await this.trainMember(member, m, r, trial, seed);
        this.onTrialEnd();
      }
    }
  }

  /** Whether `--timeout` seconds have passed since the search started. */
  private timedOut(): boolean {
    const timeout = this.input.options.timeout;
    return timeout !== undefined && performance.now() - this.startedAt > timeout * 1000;
  }

  /** The plan after round `r` (every member failed: the search cannot go on). */
  private plan(members: readonly Member[], r: number): readonly MemberPlan[] {
    try {
      return planNextRound({
        seed: this.input.seed,
        round: r,
        direction: this.input.study.direction,
        params: members.map((m) => m.params),
        values: members.map((m) => m.value),
        space: this.input.space,
        perturbable: this.perturbable,
      });
    } catch (error) {
      throw new MagicError(`--strategy pbt: ${messageOf(error)} (see the failed trials' errors in the table)`);
    }
  }

  /** Rebuilds each copying member from its parent's model (parents are never copies, so they are unchanged here). */
  private async exploit(members: Member[], plans: readonly MemberPlan[], r: number): Promise<void> {
    const { tf, builder, data, dataNames, seed } = this.input;
    const copies = new Map<number, tfjs.LayersModel | Error>();
    try {
      for (const plan of plans) {
        if (plan.parent === undefined) continue;
        const parent = members[plan.parent]!;
        try {
          copies.set(plan.member, await rebuildWithState(tf, builder, plan.params, parent.model!, data.folds[0]!, { seed: deriveSeed(seed, "member", plan.member, "round", r), dataNames }));
        } catch (error) {
          if (error instanceof ArchitectureMismatchError) {
            throw new MagicError(`--strategy pbt: ${error.message}. A parameter that changes the model's shape cannot be marked mutable.`);
          }
          copies.set(plan.member, error instanceof Error ? error : new Error(messageOf(error)));
        }
      }
    } catch (error) {
      for (const copy of copies.values()) if (!(copy instanceof Error)) disposeModel(copy);
      throw error;
    }
    for (const [m, copy] of copies) {
      const member = members[m]!;
      if (member.model !== undefined) disposeModel(member.model);
      member.model = copy instanceof Error ? undefined : copy;
      member.buildError = copy instanceof Error ? copy : undefined;
      member.epochs = members[plans[m]!.parent!]!.epochs;
    }
  }

  /** Trains one member-round as `trial` and tells the study how it went. */
  private async trainMember(member: Member, m: number, r: number, trial: Trial, seed: number): Promise<void> {
    const { tf, data, dataNames, metric, study, options, context, validationMetrics } = this.input;
    const start = performance.now();
    this.trialsRun++;
    member.trial = trial.number;
    let value: number;
    try {
      const buildError = member.buildError;
      member.buildError = undefined;
      if (buildError !== undefined) throw buildError;
      member.model ??= await this.build(member.params, m);
      const result = await trainRound(tf, member.model, data.folds[0]!, {
        epochs: this.schedule.rounds[r]!,
        batchSize: typeof member.params["batchSize"] === "number" ? member.params["batchSize"] : options.batchSize,
        metric,
        seed: deriveSeed(seed, "member", m, "round", r),
        reporter: trial,
        firstStep: member.epochs,
        signal: context.signal,
        dataNames,
        ...optional("validationMetrics", validationMetrics),
      });
      member.epochs += result.epochsRun;
      value = result.value;
      member.value = value;
      trial.setUserAttr("epochs", member.epochs);
      await study.tell(trial, { state: "complete", value: result.value, metrics: result.metrics });
    } catch (error) {
      member.value = undefined;
      if (member.model !== undefined) disposeModel(member.model);
      member.model = undefined;
      const interrupted = error instanceof TrainingAbortedError;
      await study.tell(trial, { state: "failed", error: interrupted ? `interrupted in round ${r}: ${messageOf(error)}` : messageOf(error) });
      if (!interrupted) context.stderr(`PBT member ${m} failed in round ${r} (trial #${trial.number}): ${messageOf(error)}; it copies a top member after this round.\n`);
      return;
    } finally {
      this.trainingMs += performance.now() - start;
    }
    await this.keepIfBest(member, m, r, value);
  }

  /** A member's first model, built from its parameters with its own seed and checked against the data. */
  private async build(params: Params, m: number): Promise<tfjs.LayersModel> {
    const { builder, data, dataNames, seed } = this.input;
    const model = await buildTrialModel(builder, params, 0, { seed: deriveSeed(seed, "member", m) });
    try {
      checkModelFitsData(model, data.folds[0]!, dataNames);
      return model;
    } catch (error) {
      disposeModel(model);
      throw error;
    }
  }

  /** With --keep-best: a snapshot of the member's model when its round beats every earlier one. */
  private async keepIfBest(member: Member, m: number, r: number, value: number): Promise<void> {
    const { tf, builder, data, dataNames, seed, options, study } = this.input;
    if (!options.keepBest || member.model === undefined) return;
    if (this.bestValue !== undefined && !study.isBetter(value, this.bestValue)) return;
    this.bestValue = value;
    const snapshot = await rebuildWithState(tf, builder, member.params, member.model, data.folds[0]!, { seed: deriveSeed(seed, "member", m, "best", r), dataNames });
    await this.keeper.offer(value, false, { kind: "in-hand", model: snapshot });
  }
}

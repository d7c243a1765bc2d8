/**
 * The population of a `--strategy pbt` search in training (see pbt-search.ts for the recording):
 * round after round, the engine's plan (src/engine/pbt) applied to the members (copies rebuilt
 * with their parent's weights and optimizer state, src/tfjs/train-rounds.ts), each member-round
 * asked as a trial with its parameters, trained, and told; failures recorded; the best
 * member-round's model kept as study.bestModel.
 */
import type * as tfjs from "@tensorflow/tfjs";
import { MagicError } from "../types";
import { buildTrialModel, disposeModel, TrainingAbortedError } from "../../tfjs/train";
import { checkModelFitsData } from "../../tfjs/model-setup";
import { ArchitectureMismatchError, rebuildWithState, trainRound } from "../../tfjs/train-rounds";
import { initialPopulation, planNextRound, type MemberPlan } from "../../engine/pbt";
import type { Trial } from "../../engine/trial";
import type { Params } from "../../engine/types";
import { deriveSeed } from "../../common/random";
import { messageOf } from "../../common/errors";
import { BestModelKeeper } from "./best-model";
import type { NotebookStudy } from "./notebook-study";
import { optional } from "./options";
import type { PbtSchedule, PbtSearchInput } from "./pbt-search";

/** One member between rounds. */
export interface Member {
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

/** The population's training, round after round, and what it recorded. */
export class PopulationRun {
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
      const plans: readonly MemberPlan[] | undefined = r === 0 ? undefined : this.plan(members, r - 1);
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
    await this.keepIfBest(member, m, r, value, trial.number);
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
  private async keepIfBest(member: Member, m: number, r: number, value: number, trialNumber: number): Promise<void> {
    const { tf, builder, data, dataNames, seed, options, study } = this.input;
    if (!options.keepBest || member.model === undefined) return;
    if (this.bestValue !== undefined && !study.isBetter(value, this.bestValue)) return;
    this.bestValue = value;
    const snapshot = await rebuildWithState(tf, builder, member.params, member.model, data.folds[0]!, { seed: deriveSeed(seed, "member", m, "best", r), dataNames });
    await this.keeper.offer(value, false, { kind: "in-hand", model: snapshot }, trialNumber);
  }
}

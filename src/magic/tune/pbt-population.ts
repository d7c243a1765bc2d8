/**
 * The population of a `--strategy pbt` search in training (see pbt-search.ts for the recording):
 * round after round, the engine's plan (src/engine/pbt) applied to the members (copies made with
 * their parent's weights and optimizer state), each member-round asked as a trial with its
 * parameters, trained where the members live (pbt-members.ts: the notebook's thread, or several
 * at once on the worker pool), and told; failures recorded; the best member-round's model kept as
 * study.bestModel; with a journal, each member-round's weights checkpointed (pbt-checkpoints.ts)
 * so that a resumed search (pbt-resume.ts) goes on from them.
 *
 * Repeatable with any number of threads: trials are asked in member order, every decision is taken
 * at a round boundary once the whole round is told, and each member-round's seed is its own.
 */
import { MagicError } from "../types";
import { TrainingAbortedError } from "../../tfjs/train";
import { ArchitectureMismatchError } from "../../tfjs/train-rounds";
import { initialPopulation, planNextRound, type MemberPlan } from "../../engine/pbt";
import type { Trial } from "../../engine/trial";
import type { FrozenTrial, Params } from "../../engine/types";
import { deriveSeed } from "../../common/random";
import { messageOf } from "../../common/errors";
import { BestModelKeeper } from "./best-model";
import type { NotebookStudy } from "./notebook-study";
import type { PbtCheckpoints } from "./pbt-checkpoints";
import type { MemberTrainer } from "./pbt-members";
import { MEMBER_FAILED_ATTR, PBT_SETTINGS_ATTR, type PbtSettings, type ResumePoint } from "./pbt-resume";
import type { PbtSchedule, PbtSearchInput } from "./pbt-search";

/** One member between rounds (`S`: where its model lives, see pbt-members.ts). */
export interface Member<S> {
  params: Params;
  state: S | undefined;
  /** The value after its last round, undefined when that round failed. */
  value: number | undefined;
  /** The trial of its last round. */
  trial: number | undefined;
  epochs: number;
  /** Why its copy for the next round could not be built (the round then fails). */
  buildError?: Error | undefined;
}

/** A round about to train: its plan (none for round 0), the trials copied, the members already done. */
interface RoundStart {
  readonly plans?: readonly MemberPlan[];
  readonly parentTrials?: readonly (number | null)[];
  readonly done: ReadonlySet<number>;
}

/** The population's training, round after round, and what it recorded. */
export class PopulationRun<S> {
  trialsRun = 0;
  /** Time during which at least one member-round trains (the union of their intervals, so never above the wall time). */
  trainingMs = 0;
  private training = 0;
  private busySince = 0;
  private best: { value: number; trial: number } | undefined;
  private readonly keeper: BestModelKeeper;
  private readonly startedAt = performance.now();
  private readonly settings: PbtSettings;

  constructor(
    private readonly input: PbtSearchInput,
    bound: NotebookStudy,
    private readonly schedule: PbtSchedule,
    private readonly perturbable: readonly string[],
    private readonly trainer: MemberTrainer<S>,
    private checkpoints: PbtCheckpoints | undefined,
    private readonly onTrialEnd: () => void,
  ) {
    this.keeper = new BestModelKeeper(bound, (a, b) => input.study.isBetter(a, b));
    this.settings = { seed: input.seed, population: schedule.population, rounds: schedule.rounds };
  }

  /**
   * Trains every round (from `resume` on, when the study is resumed); `members` holds the
   * population (its states are the caller's to dispose).
   */
  async train(members: Member<S>[], resume?: ResumePoint): Promise<void> {
    const { context } = this.input;
    const first = initialPopulation(this.input.space, this.schedule.population, this.input.seed);
    const r0 = resume?.round ?? 0;
    if (resume !== undefined) await this.restoreBest();
    for (let r = r0; r < this.schedule.rounds.length; r++) {
      const start = r === r0 && resume !== undefined ? await this.resumeRound(members, resume) : await this.startRound(members, r);
      const running = new Set<Promise<void>>();
      const failures: unknown[] = [];
      let stopped = false;
      for (let m = 0; m < this.schedule.population && !stopped; m++) {
        if (start.done.has(m)) continue;
        while (running.size >= this.trainer.concurrency) await Promise.race(running);
        if (context.signal.aborted || failures.length > 0) break;
        if (this.timedOut()) {
          context.stdout(`--timeout ${this.input.options.timeout} s: no new member-round after round ${r}, member ${m}.\n`);
          stopped = true;
          break;
        }
        const plan = start.plans?.[m];
        const trial = await this.askMemberRound(plan?.params ?? members[m]?.params ?? first[m]!);
        const member = (members[m] ??= { params: trial.params, state: undefined, value: undefined, trial: undefined, epochs: 0 });
        member.params = trial.params;
        trial.setUserAttr("member", m);
        trial.setUserAttr("round", r);
        trial.setUserAttr("parent", start.parentTrials?.[m] ?? null);
        trial.setUserAttr("explored", plan?.changes ?? {});
        trial.setUserAttr(PBT_SETTINGS_ATTR, this.settings);
        const training: Promise<void> = this.trainMember(member, m, r, trial)
          .catch((error: unknown) => void failures.push(error))
          .finally(() => {
            running.delete(training);
            this.onTrialEnd();
          });
        running.add(training);
      }
      await Promise.all(running);
      if (failures.length > 0) throw failures[0];
      if (stopped || context.signal.aborted) return;
      this.keepCheckpointsOf(members);
    }
  }

  /**
   * Starts the trial of a member-round with `params`. A journal can hold waiting trials that a
   * search enqueued before its process stopped (killed between enqueue and ask): `ask` takes the
   * oldest waiting trial first, so such a trial, with another member's parameters, is failed here
   * (it never trained) and the member-round's own trial is asked again.
   */
  private async askMemberRound(params: Params): Promise<Trial> {
    const { study, space } = this.input;
    const number = await study.enqueue(params);
    for (;;) {
      const trial = await study.ask(space);
      if (trial.number === number) return trial;
      await study.tell(trial, { state: "failed", error: `a waiting trial left by a search that stopped before starting it; PBT asked member-round trial #${number} instead` });
    }
  }

  /** Whether `--timeout` seconds have passed since the search started. */
  private timedOut(): boolean {
    const timeout = this.input.options.timeout;
    return timeout !== undefined && performance.now() - this.startedAt > timeout * 1000;
  }

  /** Round `r`'s plan applied to the members (round 0: nothing to apply). */
  private async startRound(members: Member<S>[], r: number): Promise<RoundStart> {
    if (r === 0) return { done: new Set() };
    const plans = this.plan(members, r - 1);
    // The trials copied, read before this round's trials replace the members' last trials.
    const parentTrials = plans.map((plan) => (plan.parent === undefined ? null : (members[plan.parent]!.trial ?? null)));
    await this.exploit(members, plans, r);
    return { plans, parentTrials, done: new Set() };
  }

  /**
   * A resumed study's first round: the members as they were after the round before (from their
   * checkpoints), that round's plan applied again to the members still to train, and the members
   * that finished the round restored as they were after it. The best member-round's model too.
   */
  private async resumeRound(members: Member<S>[], resume: ResumePoint): Promise<RoundStart> {
    const R = resume.round;
    const finals = resume.finals[R] ?? [];
    const done = new Set(finals.flatMap((trial, m) => (trial === undefined ? [] : [m])));
    let start: RoundStart = { done };
    if (R > 0) {
      for (let m = 0; m < this.schedule.population; m++) members[m] = await this.restoreMember(resume.finals[R - 1]![m]!, m);
      const plans = this.plan(members, R - 1);
      const parentTrials = plans.map((plan) => (plan.parent === undefined ? null : (members[plan.parent]!.trial ?? null)));
      await this.exploit(members, plans.filter((plan) => !done.has(plan.member)), R);
      start = { plans, parentTrials, done };
    }
    for (const m of done) {
      const member = members[m];
      if (member?.state !== undefined) this.trainer.dispose(member.state);
      members[m] = await this.restoreMember(finals[m]!, m);
    }
    return start;
  }

  /** A member as its final trial of a round left it (its weights from that trial's checkpoint). */
  private async restoreMember(trial: FrozenTrial, m: number): Promise<Member<S>> {
    const epochs = Number(trial.userAttrs["epochs"] ?? 0);
    const member: Member<S> = { params: trial.params, state: undefined, value: undefined, trial: trial.number, epochs };
    if (trial.state !== "complete") return member;
    const saved = this.checkpoints?.load(trial.number);
    if (saved === undefined) {
      const where = this.checkpoints === undefined ? "no checkpoint folder" : this.checkpoints.pathOf(trial.number);
      throw new MagicError(`--strategy pbt: cannot resume member ${m}: the weights of its trial #${trial.number} are not in ${where} (removed, or written by an older tunelab): give a new --name to start again`, 1);
    }
    member.state = await this.trainer.restore(saved);
    member.value = trial.value;
    return member;
  }

  /** The best complete member-round of the resumed study, its model from its checkpoint when kept. */
  private async restoreBest(): Promise<void> {
    const { study, options } = this.input;
    let best: FrozenTrial | undefined;
    for (const trial of study.trials) {
      if (trial.state === "complete" && trial.userAttrs["member"] !== undefined && (best === undefined || study.isBetter(trial.value!, best.value!))) best = trial;
    }
    if (best === undefined) return;
    this.best = { value: best.value!, trial: best.number };
    const saved = this.checkpoints?.load(best.number);
    if (!options.keepBest || saved === undefined) return;
    const state = await this.trainer.restore(saved);
    try {
      const model = await this.trainer.snapshot(state, best.params, deriveSeed(this.input.seed, "best", best.number));
      await this.keeper.offer(best.value!, false, { kind: "in-hand", model }, best.number);
    } finally {
      this.trainer.dispose(state);
    }
  }

  /** The plan after round `r` (every member failed: the search cannot go on). */
  private plan(members: readonly Member<S>[], r: number): MemberPlan[] {
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

  /** Makes each copying member a copy of its parent (parents are never copies, so they are unchanged here). */
  private async exploit(members: Member<S>[], plans: readonly MemberPlan[], r: number): Promise<void> {
    const copies = new Map<number, { readonly copy: S | Error; readonly parent: number }>();
    try {
      for (const plan of plans) {
        if (plan.parent === undefined) continue;
        const parent = members[plan.parent]!;
        try {
          const copy = await this.trainer.copy(parent.state!, plan.params, deriveSeed(this.input.seed, "member", plan.member, "round", r));
          copies.set(plan.member, { copy, parent: plan.parent });
        } catch (error) {
          if (error instanceof ArchitectureMismatchError) {
            throw new MagicError(`--strategy pbt: ${error.message}. A parameter that changes the model's shape cannot be marked mutable.`);
          }
          copies.set(plan.member, { copy: error instanceof Error ? error : new Error(messageOf(error)), parent: plan.parent });
        }
      }
    } catch (error) {
      for (const { copy } of copies.values()) if (!(copy instanceof Error)) this.trainer.dispose(copy);
      throw error;
    }
    for (const [m, { copy, parent }] of copies) {
      const member = members[m]!;
      if (member.state !== undefined) this.trainer.dispose(member.state);
      member.state = copy instanceof Error ? undefined : copy;
      member.buildError = copy instanceof Error ? copy : undefined;
      member.epochs = members[parent]!.epochs;
    }
  }

  /** Trains one member-round as `trial` and tells the study how it went. */
  private async trainMember(member: Member<S>, m: number, r: number, trial: Trial): Promise<void> {
    const { study, options, context, seed } = this.input;
    if (this.training++ === 0) this.busySince = performance.now();
    this.trialsRun++;
    member.trial = trial.number;
    let value: number;
    try {
      const buildError = member.buildError;
      member.buildError = undefined;
      if (buildError !== undefined) throw buildError;
      member.state ??= await this.trainer.first(member.params, deriveSeed(seed, "member", m));
      const state = member.state;
      member.state = undefined;
      const trained = await this.trainer.train(state, {
        params: member.params,
        epochs: this.schedule.rounds[r]!,
        batchSize: typeof member.params["batchSize"] === "number" ? member.params["batchSize"] : options.batchSize,
        seed: deriveSeed(seed, "member", m, "round", r),
        reporter: trial,
        firstStep: member.epochs,
        signal: context.signal,
      }).catch((error: unknown) => {
        this.trainer.dispose(state);
        throw error;
      });
      member.state = trained.state;
      member.epochs += trained.result.epochsRun;
      value = trained.result.value;
      member.value = value;
      trial.setUserAttr("epochs", member.epochs);
      await this.checkpoint(trial.number, trained.state);
      await study.tell(trial, { state: "complete", value, metrics: trained.result.metrics });
    } catch (error) {
      member.value = undefined;
      if (member.state !== undefined) this.trainer.dispose(member.state);
      member.state = undefined;
      const interrupted = error instanceof TrainingAbortedError;
      if (!interrupted) trial.setUserAttr(MEMBER_FAILED_ATTR, true);
      await study.tell(trial, { state: "failed", error: interrupted ? `interrupted in round ${r}: ${messageOf(error)}` : messageOf(error) });
      if (!interrupted) context.stderr(`PBT member ${m} failed in round ${r} (trial #${trial.number}): ${messageOf(error)}; it copies a top member after this round.\n`);
      return;
    } finally {
      if (--this.training === 0) this.trainingMs += performance.now() - this.busySince;
    }
    await this.keepIfBest(member, trial.number, value);
  }

  /** With a journal: the member-round's weights beside it (a model that cannot be written stops the checkpoints, saying why). */
  private async checkpoint(trial: number, state: S): Promise<void> {
    const checkpoints = this.checkpoints;
    if (checkpoints === undefined) return;
    try {
      checkpoints.save(trial, await this.trainer.capture(state));
    } catch (error) {
      this.checkpoints = undefined;
      this.input.context.stderr(`--strategy pbt: the members' weights cannot be kept beside the journal (${messageOf(error)}); this study cannot be resumed after a restart.\n`);
    }
  }

  /** After a whole round: only the checkpoints of the members' last rounds and of the best member-round are kept. */
  private keepCheckpointsOf(members: readonly Member<S>[]): void {
    const keep = new Set(members.flatMap((member) => (member.trial === undefined ? [] : [member.trial])));
    if (this.best !== undefined) keep.add(this.best.trial);
    this.checkpoints?.keepOnly(keep);
  }

  /** A snapshot of the member's model when its round beats every earlier one (with --keep-best). */
  private async keepIfBest(member: Member<S>, trial: number, value: number): Promise<void> {
    const { study, options, seed } = this.input;
    if (this.best !== undefined && !study.isBetter(value, this.best.value)) return;
    this.best = { value, trial };
    if (!options.keepBest || member.state === undefined) return;
    const snapshot = await this.trainer.snapshot(member.state, member.params, deriveSeed(seed, "best", trial));
    await this.keeper.offer(value, false, { kind: "in-hand", model: snapshot }, trial);
  }
}

/**
 * Successive halving with paused trials for `%%tune --model --pause` under `--pruner hyperband`
 * (and `--strategy bohb`): the threads' scheduler. A trial trains up to its bracket's next rung and is
 * judged there by ASHA's promotion rule (`engine/pruners/promotion.ts`): among the best ⌊n/η⌋ of
 * the n trials at that rung, it goes on at once on the same thread; otherwise it is *paused* (its
 * weights and optimizer state kept, as PBT keeps a member's) and its thread is given to other work.
 * Whenever a thread frees, it goes first to a paused trial that has become promotable (the highest
 * rung first, then the best value there), else to a lane of `optimize` waiting to start a new
 * trial (Li et al., 2020, Algorithm 2). Paused trials never promoted end as pruned (their values
 * kept) once no new trial will start and no thread is busy, or at once on an interrupt.
 *
 * Places: `capacity` threads; a place is held by a lane admitted to start a trial (until that
 * trial's objective {@link PausedHalving.claim}s it) or by a trial training a segment.
 */
import type { TrialAdmission } from "../../engine/study-types";
import { rungPromotionOf, type RungPromotion } from "../../engine/pruners";
import type { Study } from "../../engine/study";
import type { Trial } from "../../engine/trial";
import type { TuneOptions } from "./options";
import type { FrozenTrial } from "../../engine/types";

/** A trial paused at a rung, and how to wake it (true: promoted, it holds a place; false: it ends pruned). */
interface PausedTrial {
  readonly trial: Trial;
  readonly rung: number;
  readonly wake: (promoted: boolean) => void;
}

/** What the scheduler reads from the search. */
export interface PausedHalvingHost {
  /** The study's trials now (paused ones are running). */
  trials(): readonly FrozenTrial[];
  readonly direction: "minimize" | "maximize";
  readonly promotion: RungPromotion;
}

/** The threads' scheduler of a search with paused trials (see the module comment). */
export class PausedHalving {
  private busy = 0;
  private unclaimed = 0;
  private claimed = 0;
  private closed = false;
  private readonly waiting: ((admitted: boolean) => void)[] = [];
  private readonly paused: PausedTrial[] = [];
  /** Pauses and promotions, for the cell's summary and the tests. */
  readonly counts = { paused: 0, resumed: 0, endedPaused: 0 };

  /**
   * @param capacity threads that train at once
   * @param budget new trials this search starts (the scheduler closes once it has admitted them all)
   */
  constructor(
    private readonly host: PausedHalvingHost,
    private readonly capacity: number,
    private readonly budget: number,
    signal?: AbortSignal,
  ) {
    if (signal?.aborted) this.closeAll();
    signal?.addEventListener("abort", () => this.closeAll(), { once: true });
  }

  /** The admission `optimize` asks before starting a trial. */
  readonly admission: TrialAdmission = {
    wait: () =>
      new Promise<boolean>((resolve) => {
        if (this.closed) return resolve(false);
        this.waiting.push(resolve);
        this.dispatch();
      }),
    cancel: () => {
      this.unclaimed -= 1;
      this.release();
    },
    close: () => this.closeAll(),
  };

  /** The steps where `trial` stops to be judged, below `lastStep` (its final epoch's step). */
  stopsOf(trial: Trial, lastStep: number): number[] {
    return [...this.host.promotion.rungSteps(trial.frozen).filter((step) => step < lastStep), lastStep];
  }

  /** A new trial's objective takes over the place its lane was admitted with. */
  claim(): void {
    if (this.unclaimed > 0) {
      this.unclaimed -= 1;
    } else {
      // Started without an admission (cannot happen through `optimize`): hold a place anyway.
      this.busy += 1;
    }
    this.claimed += 1;
    if (this.claimed >= this.budget) this.closed = true;
  }

  /**
   * At `trial`'s rung `r` (it holds a place): "on" when it is promotable now (it keeps its place),
   * "resumed" when it was paused and promoted later (it holds a place again), "ended" when it
   * ends paused, holding none.
   */
  async atRung(trial: Trial, r: number): Promise<"on" | "resumed" | "ended"> {
    if (this.host.promotion.isPromotable(trial.frozen, this.host.trials(), r, this.host.direction)) return "on";
    this.counts.paused += 1;
    const promoted = new Promise<boolean>((wake) => this.paused.push({ trial, rung: r, wake }));
    this.release();
    return (await promoted) ? "resumed" : "ended";
  }

  /** A trial gives its place back (it ended, or failed). */
  release(): void {
    this.busy -= 1;
    this.dispatch();
  }

  /** Gives free places to promotable paused trials, then to waiting lanes; ends the paused trials when nothing else can come. */
  private dispatch(): void {
    while (this.busy < this.capacity) {
      const next = this.nextPromotable();
      if (next !== undefined) {
        this.paused.splice(this.paused.indexOf(next), 1);
        this.busy += 1;
        this.counts.resumed += 1;
        next.wake(true);
        continue;
      }
      const lane = this.closed ? undefined : this.waiting.shift();
      if (lane === undefined) break;
      this.busy += 1;
      this.unclaimed += 1;
      lane(true);
    }
    if (this.closed) {
      for (const lane of this.waiting.splice(0)) lane(false);
      if (this.busy === 0) this.endPaused();
    }
  }

  /** The paused trial to resume: at the highest rung where one is promotable, the best there. */
  private nextPromotable(): PausedTrial | undefined {
    if (this.paused.length === 0) return undefined;
    const trials = this.host.trials();
    const promotable = this.paused.filter((p) => this.host.promotion.isPromotable(p.trial.frozen, trials, p.rung, this.host.direction));
    const sign = this.host.direction === "minimize" ? 1 : -1;
    const valueOf = (p: PausedTrial): number => p.trial.frozen.intermediateValues.at(-1)?.value ?? Number.NaN;
    return promotable.sort((a, b) => b.rung - a.rung || sign * (valueOf(a) - valueOf(b)) || a.trial.number - b.trial.number)[0];
  }

  private closeAll(): void {
    this.closed = true;
    this.dispatch();
  }

  /** Every paused trial ends (pruned by its objective), holding no place. */
  private endPaused(): void {
    for (const p of this.paused.splice(0)) {
      this.counts.endedPaused += 1;
      p.wake(false);
    }
  }
}

/** Said in the cell's output when a search pauses trials at rungs. */
export const PAUSED_NOTE =
  "Successive halving with paused trials: a trial not among the best 1/η at a rung waits there with its weights and optimizer state, and resumes if more trials make it promotable; trials never promoted end as pruned.";

/** What decides whether a search pauses trials. */
export interface PausingSetup {
  readonly study: Study;
  readonly options: Pick<TuneOptions, "pause" | "storage">;
  /** Several objectives (no rungs of one value). */
  readonly several: boolean;
  readonly folds: number;
  /** Threads that train at once (1: the notebook's). */
  readonly threads: number;
  readonly fused: boolean;
  readonly hypergradient: boolean;
  /** New trials the search starts. */
  readonly budget: number;
  readonly signal: AbortSignal;
}

/**
 * The scheduler of paused trials when the search can run one: `--pause` (off by default) with a
 * pruner that has a promotion rule (hyperband, bohb), one objective, one fold (a trial's state is
 * one model), no `--storage` (a paused trial would be a running one in the journal), no fused
 * trainer and no hypergradient (their state is not a member's); undefined otherwise (the pruner
 * then prunes at the rung).
 */
export function pausedHalvingFor(setup: PausingSetup): { readonly halving?: PausedHalving; readonly note?: string } {
  const promotion = rungPromotionOf(setup.study.pruner);
  if (!setup.options.pause || promotion === undefined) return {};
  const why = [
    ...(setup.several ? ["several objectives"] : []),
    ...(setup.folds !== 1 ? ["--cv (a trial is several models)"] : []),
    ...(setup.options.storage !== undefined ? ["--storage (a paused trial would be a running one in the journal)"] : []),
    ...(setup.fused ? ["--fuse"] : []),
    ...(setup.hypergradient ? ["a hypergradient learning rate"] : []),
  ];
  if (why.length > 0) return { note: `--pause: trials are pruned at a rung instead, because of ${why.join(", ")}.` };
  const { study } = setup;
  return { halving: new PausedHalving({ trials: () => study.trials, direction: study.direction, promotion }, setup.threads, setup.budget, setup.signal), note: PAUSED_NOTE };
}

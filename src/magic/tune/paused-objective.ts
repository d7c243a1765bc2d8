/**
 * The `%%tune --model` objective under successive halving with paused trials
 * (`paused-halving.ts`): a trial trains from rung to rung as segments of epochs (a member-round
 * of `pbt-members.ts`: on the notebook's thread or a pool thread, its weights and optimizer state
 * carried from one segment to the next), waits at a rung while it is not promotable, and ends
 * complete after its last epoch or pruned when it is never promoted.
 */
import type { Objective, ObjectiveResult } from "../../engine/study";
import { TrialPruned, type Trial } from "../../engine/trial";
import { deriveSeed } from "../../common/random";
import type { MemberTrainer } from "./pbt-members";
import type { PausedHalving } from "./paused-halving";
import type { BestModelKeeper, ModelOffer } from "./best-model";
import { trainingLength } from "./training-length";
import type { TuneOptions } from "./options";

/** User attribute: the epochs after which a trial waited at a rung and was later promoted. */
export const PAUSED_ATTR = "pausedAfter";

/** What the objective needs from the search. */
export interface PausedObjectiveInput<S> {
  readonly members: MemberTrainer<S>;
  readonly halving: PausedHalving;
  readonly keeper: BestModelKeeper;
  readonly options: TuneOptions;
  readonly seed: number;
  readonly signal: AbortSignal;
  /** The trained member offered to the keeper: a compiled model in hand (notebook thread) or data to restore. */
  readonly offerOf: (state: S, trial: Trial) => ModelOffer;
}

/** The objective: segments to each rung, paused where not promotable (see the module comment). */
export function pausedObjective<S>(input: PausedObjectiveInput<S>): Objective {
  const { members, halving, keeper, options, seed, signal, offerOf } = input;
  const keepModel = options.keepBest;
  return async (trial: Trial): Promise<ObjectiveResult> => {
    halving.claim();
    let holding = true;
    let state: S | undefined;
    let epochs = 0;
    const pausedAt: number[] = [];
    try {
      const { epochs: total, batchSize } = trainingLength(trial.params, options);
      const stops = halving.stopsOf(trial, total - 1);
      state = await members.first(trial.params, deriveSeed(seed, "trial", trial.number));
      let result: { value: number; metrics: Readonly<Record<string, number>> } | undefined;
      for (let r = 0; r < stops.length; r++) {
        const trained = await members.train(state, {
          params: trial.params,
          epochs: stops[r]! + 1 - epochs,
          batchSize,
          seed: deriveSeed(seed, "trial", trial.number, "segment", r),
          firstStep: epochs,
          reporter: trial,
          signal,
        });
        state = trained.state;
        epochs += trained.result.epochsRun;
        result = trained.result;
        trial.setUserAttr("epochs", epochs);
        if (r === stops.length - 1) break;
        const next = await halving.atRung(trial, r);
        holding = next !== "ended";
        if (next === "ended") throw new TrialPruned(`paused after ${epochs} epochs and not promoted`);
        if (next === "resumed") {
          pausedAt.push(epochs);
          trial.setUserAttr(PAUSED_ATTR, [...pausedAt]);
        }
      }
      if (keepModel) {
        const offer = offerOf(state, trial);
        state = undefined;
        await keeper.offer(result!.value, false, offer, trial.number);
      }
      return result!.metrics;
    } finally {
      if (state !== undefined) members.dispose(state);
      if (holding) halving.release();
    }
  };
}

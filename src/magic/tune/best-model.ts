/**
 * `study.bestModel`: which trained models a model search keeps. One rule for trials trained in the
 * notebook's thread and on worker threads, and the `--cv` refit that replaces the kept model.
 * With `--test-top K` the K best of the run are kept (the best as `bestModel`, the others in
 * `runnerUpModels`), every other model is disposed as soon as it is known not to be among them.
 */
import type * as tfjs from "@tensorflow/tfjs";
import { disposeModel } from "../../tfjs/train";
import type { NotebookStudy } from "./notebook-study";

/**
 * A trained model on offer: one in hand (trained in this thread; the keeper owns it from now on),
 * or one a worker can send back (rebuilt in this thread only if it is kept).
 */
export type ModelOffer =
  | { readonly kind: "in-hand"; readonly model: tfjs.LayersModel }
  | { readonly kind: "restorable"; readonly restore: () => Promise<tfjs.LayersModel> };

/** Where the keeper puts the models it keeps. */
export type KeptModels = Pick<NotebookStudy, "bestModel" | "bestModelTrialNumber" | "runnerUpModels">;

/** One kept trial: its value and, once in hand (a worker's model is rebuilt), its model. */
interface KeptEntry {
  trialNumber: number;
  readonly value: number;
  model: tfjs.LayersModel | undefined;
  /** A better trial pushed it out while its model was being rebuilt. */
  evicted: boolean;
}

/**
 * Keeps the best `capacity` models trained in this run, for trials that finish in any order:
 * the best one as `bound.bestModel` (its trial `bound.bestModelTrialNumber`), the others in
 * `bound.runnerUpModels` by trial number. The decision is taken when a trial's result arrives,
 * against the models kept so far in this run (not the study's best, which may come from an earlier
 * run, another notebook or `--from`, whose model is not here); a model that is rebuilt in this
 * thread and pushed out meanwhile by better trials is disposed, and so is every model not kept.
 */
export class BestModelKeeper {
  /** Best first; ties by trial number, as the study's `bestTrial` breaks them (workers finish out of order). */
  private entries: KeptEntry[] = [];

  /**
   * @param bound the study whose models are kept
   * @param isBetter whether value `a` beats value `b` (the study's direction)
   * @param capacity how many models to keep (1: the best only; `--test-top K`: K)
   */
  constructor(
    private readonly bound: KeptModels,
    private readonly isBetter: (a: number, b: number) => boolean,
    private readonly capacity = 1,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`BestModelKeeper: capacity must be a positive integer, but got ${capacity}`);
  }

  /**
   * Keeps the offered model of trial `trialNumber` when the trial is complete (`pruned` false,
   * `value` finite) and its value is among the best `capacity` of this run; otherwise disposes a
   * model in hand (a restorable one is then never rebuilt). No offer (the search does not keep
   * models) changes nothing.
   */
  async offer(value: number, pruned: boolean, offer: ModelOffer | undefined, trialNumber: number): Promise<void> {
    if (offer === undefined) return;
    const position = this.entries.filter((kept) => this.isBetter(kept.value, value) || (!this.isBetter(value, kept.value) && kept.trialNumber < trialNumber)).length;
    if (pruned || !Number.isFinite(value) || position >= this.capacity) {
      if (offer.kind === "in-hand") disposeModel(offer.model);
      return;
    }
    const entry: KeptEntry = { trialNumber, value, model: undefined, evicted: false };
    this.entries.splice(position, 0, entry);
    for (const evicted of this.entries.splice(this.capacity)) {
      evicted.evicted = true;
      // The model on show stays until the next publish replaces it.
      if (evicted.model !== undefined && evicted.model !== this.bound.bestModel) disposeModel(evicted.model);
    }
    const model = offer.kind === "in-hand" ? offer.model : await offer.restore();
    if (entry.evicted) {
      disposeModel(model);
      return;
    }
    entry.model = model;
    this.publish();
  }

  /**
   * Makes `model`, trained with trial `trialNumber`'s parameters (the `--cv` refit of the study's
   * best trial, which may be one this run did not train), the kept best model in place of the
   * first one; the one it replaces is disposed when it was on show as `bestModel`.
   */
  replace(model: tfjs.LayersModel, trialNumber: number): void {
    const best = this.entries[0];
    if (best === undefined) throw new Error("BestModelKeeper.replace: no model is kept yet");
    best.trialNumber = trialNumber;
    best.model = model;
    this.publish();
  }

  /**
   * Shows the kept models on the study: the best one in hand as `bestModel`, the others as runner-ups;
   * a model that was on show and is no longer kept is disposed.
   */
  private publish(): void {
    const previous = this.bound.bestModel;
    const shown = this.entries.find((entry) => entry.model !== undefined);
    this.bound.bestModel = shown?.model;
    this.bound.bestModelTrialNumber = shown?.trialNumber;
    this.bound.runnerUpModels.clear();
    for (const entry of this.entries) if (entry !== shown && entry.model !== undefined) this.bound.runnerUpModels.set(entry.trialNumber, entry.model);
    if (previous !== undefined && !this.entries.some((entry) => entry.model === previous)) disposeModel(previous);
  }
}

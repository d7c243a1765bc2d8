/**
 * `study.bestModel`: which trained model a model search keeps. One rule for trials trained in the
 * notebook's thread and on worker threads, and the `--cv` refit that replaces the kept model.
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

/**
 * Keeps the best model trained in this run as `bound.bestModel`, for trials that finish in any
 * order. The decision is taken when a trial's result arrives, against the best kept so far in
 * this run (not the study's best, which may come from an earlier run or another notebook whose
 * model is not here); a model that is rebuilt in this thread and overtaken meanwhile by a better
 * trial is disposed, and so is every model not kept.
 */
export class BestModelKeeper {
  private keptValue: number | undefined;
  private generation = 0;

  /**
   * @param bound the study whose `bestModel` is kept
   * @param isBetter whether value `a` beats value `b` (the study's direction)
   */
  constructor(
    private readonly bound: Pick<NotebookStudy, "bestModel">,
    private readonly isBetter: (a: number, b: number) => boolean,
  ) {}

  /**
   * Keeps the offered model when the trial is complete (`pruned` false, `value` finite) and its
   * value beats the best kept in this run; otherwise disposes a model in hand. No offer (the
   * search does not keep models) changes nothing.
   */
  async offer(value: number, pruned: boolean, offer: ModelOffer | undefined): Promise<void> {
    if (offer === undefined) return;
    if (pruned || !Number.isFinite(value) || (this.keptValue !== undefined && !this.isBetter(value, this.keptValue))) {
      if (offer.kind === "in-hand") disposeModel(offer.model);
      return;
    }
    this.keptValue = value;
    const mine = ++this.generation;
    const model = offer.kind === "in-hand" ? offer.model : await offer.restore();
    if (mine !== this.generation) {
      disposeModel(model);
      return;
    }
    this.replace(model);
  }

  /** Makes `model` the kept model (the `--cv` refit), disposing the one it replaces. */
  replace(model: tfjs.LayersModel): void {
    if (this.bound.bestModel !== undefined) disposeModel(this.bound.bestModel);
    this.bound.bestModel = model;
  }
}

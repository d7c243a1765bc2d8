/**
 * The trained models of a multi-objective `--model` search: there is no single best trial, so the
 * models of the Pareto front are kept (`study.frontModels`, by trial number) until the user picks
 * one (`study.pickTrial`, which makes it `study.bestModel`). A model whose trial a later trial
 * dominates is disposed at once, so memory holds the front only.
 */
import type * as tfjs from "@tensorflow/tfjs";
import { dominates, toMinimization } from "../../engine/pareto";
import type { StudyDirection } from "../../engine/types";
import { disposeModel } from "../../tfjs/train";

/** A kept model and its trial's objective point (minimisation). */
interface FrontEntry {
  readonly number: number;
  readonly point: readonly number[];
}

/**
 * Keeps the models of this run's non-dominated trials in `models` (the front of the trials offered
 * here, not of the study's earlier runs, whose models are not in this process). Trials with equal
 * values are all kept, as the engine's front keeps them.
 */
export class FrontModelKeeper {
  private entries: FrontEntry[] = [];

  constructor(
    private readonly models: Map<number, tfjs.LayersModel>,
    private readonly directions: readonly StudyDirection[],
  ) {}

  /**
   * Keeps `model` when trial `number`'s `values` are not dominated by a kept trial, disposing the
   * kept models it dominates; otherwise disposes `model`.
   */
  offer(number: number, values: readonly number[], model: tfjs.LayersModel): void {
    if (!values.every(Number.isFinite)) {
      disposeModel(model);
      return;
    }
    const point = toMinimization(values, this.directions);
    if (this.entries.some((entry) => dominates(entry.point, point))) {
      disposeModel(model);
      return;
    }
    for (const entry of this.entries.filter((e) => dominates(point, e.point))) {
      const dropped = this.models.get(entry.number);
      if (dropped !== undefined) disposeModel(dropped);
      this.models.delete(entry.number);
    }
    this.entries = [...this.entries.filter((e) => !dominates(point, e.point)), { number, point }];
    this.models.set(number, model);
  }
}

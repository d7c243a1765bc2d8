/**
 * The objectives of a multi-objective `--model` search (`--metric val_acc,size`): which history
 * metric the trainer follows, each metric's resolved name and direction, and the built-in costs
 * (`params`, `size`, `latency`, src/tfjs/model-cost.ts) measured once per trial after training.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { Objectives } from "../../engine/study-objectives";
import type { TensorFlow } from "../../tfjs/backend";
import { modelCosts, type ModelCost } from "../../tfjs/model-cost";
import type { TrainingData } from "../../tfjs/trainingData";
import { disposeModel, type TrialTraining } from "../../tfjs/train";
import type { FrontModelKeeper } from "./front-models";
import { objectiveDirections, splitObjectives, type ObjectivesRequest } from "./objectives";

/** A multi-objective model search's plan. */
export interface ModelObjectives {
  /** The history metric the trainer reports per epoch (the first one asked for, else val_loss/loss). */
  readonly trainMetric: string;
  /** The study's objectives, history metrics under their resolved names (`val_accuracy` → `val_acc`). */
  readonly objectives: Objectives;
  /** The built-in costs to measure after training. */
  readonly costs: readonly ModelCost[];
}

/**
 * Resolves `request` against the model: `resolve` turns a requested history metric into its
 * history key (checking it on one built model), as for a single objective.
 * @throws MagicError when a metric's direction cannot be told (asks for --direction)
 */
export async function resolveModelObjectives(request: ObjectivesRequest, resolve: (requested: string) => Promise<string>): Promise<ModelObjectives> {
  const { directions } = objectiveDirections(request);
  const { history, costs } = splitObjectives(request.metrics);
  const trainMetric = await resolve(history[0] ?? "val_loss");
  const resolved = new Map<string, string>();
  for (const metric of history) resolved.set(metric, metric === history[0] ? trainMetric : await resolve(metric));
  return { trainMetric, objectives: { directions, metrics: request.metrics.map((m) => resolved.get(m) ?? m) }, costs };
}

/** The costs of `model`, timing latency on the first fold's validation rows (its training rows without validation). */
export function measureCosts(tf: TensorFlow, model: tfjs.LayersModel, costs: readonly ModelCost[], data: TrainingData): Promise<Record<string, number>> {
  const fold = data.folds[0]!;
  const rows = (fold.xValidation.shape[0] ?? 0) > 0 ? fold.xValidation : fold.xTrain;
  return modelCosts(tf, model, costs, rows);
}

/** What a multi-objective model search carries per trial: its plan and the keeper of front models. */
export interface FrontSearch {
  readonly plan: ModelObjectives;
  readonly keeper: FrontModelKeeper;
}

/**
 * A trained trial's result in a multi-objective search: its history metrics and its measured
 * costs, as one record the study reads each objective from. The model (in hand, or rebuilt from a
 * worker; none when neither kept nor measured) is offered to the front keeper when `keep`, else
 * disposed.
 */
export async function severalObjectivesResult(
  tf: TensorFlow,
  trained: Omit<TrialTraining, "model"> & { readonly model?: tfjs.LayersModel; restoreModel?(): Promise<tfjs.LayersModel> },
  front: FrontSearch,
  data: TrainingData,
  keep: boolean,
  trialNumber: number,
): Promise<Record<string, number>> {
  const model = trained.model ?? (await trained.restoreModel?.());
  if (model === undefined) {
    if (front.plan.costs.length === 0) return { ...trained.metrics };
    throw new Error("the trained model was not returned, so its costs cannot be measured");
  }
  let metrics: Record<string, number>;
  try {
    metrics = { ...trained.metrics, ...(await measureCosts(tf, model, front.plan.costs, data)) };
  } catch (error) {
    disposeModel(model);
    throw error;
  }
  const values = front.plan.objectives.metrics.map((m) => metrics[m]);
  if (keep && values.every((v): v is number => v !== undefined)) front.keeper.offer(trialNumber, values, model);
  else disposeModel(model);
  return metrics;
}

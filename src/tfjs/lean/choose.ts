/**
 * The training step a fold runs: the lean step (`step.ts`) when the model has a lean plan
 * (`plan.ts`) and it is not switched off, else today's step (`train-step.ts`), with the reason.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import { trainStep, type TrainStep } from "../train-step";
import { leanPlanOf } from "./plan";
import { leanTrainStep, type LeanStepOptions } from "./step";

/** The chosen step, and why it is not the lean one (one line) when it is not. */
export interface ChosenStep {
  readonly step: TrainStep;
  readonly fallback?: string;
}

/**
 * The lean step for `model` when it can train it and `lean` is true, else today's step.
 * @param lean false: today's step (`TrainOptions.leanStep`)
 * @param options the lean step's (`TrainOptions.inPlaceUpdate`)
 */
export function chooseTrainStep(tf: TensorFlow, model: tfjs.LayersModel, lean: boolean, options: LeanStepOptions = {}): ChosenStep {
  if (!lean) return { step: trainStep(tf, model), fallback: "the lean step is switched off" };
  const plan = leanPlanOf(tf, model);
  if (!plan.lean) return { step: trainStep(tf, model), fallback: plan.reason };
  return { step: leanTrainStep(tf, model, plan.plan, options) };
}

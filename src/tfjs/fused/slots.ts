/**
 * The fused trainer's slots with continuous batching: up to K trials of one family train at once,
 * one fused step (step.ts) advancing each by one batch of its own. Each slot keeps what the single
 * trainer (`train.ts`) keeps for a trial: its epoch, its seeded shuffle of the training rows
 * (`deriveSeed(seed, "shuffle", 0)`), its seeded `Math.random` stand-in per epoch for dropout
 * (`deriveSeed(seed, "fit", 0, e)`), its training logs, per-epoch validation, report and pruning
 * question, its abort signal (read before every step). The models' own variables are trained in
 * place. A slot whose trial completes, is pruned, fails (a non-finite metric) or is aborted gives
 * its model back (or disposes it) and takes the next waiting trial, while the other slots go on.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import { deriveSeed, permutation, seededRandom, type RandomSource } from "../../common/random";
import type { TrainingFold } from "../trainingData";
import { disposeModel } from "../model-setup";
import { EventLoopPacer } from "../pacer";
import { VALIDATION_PREFIX } from "../metrics";
import { TrainingAbortedError, type TrainOptions, type TrialTraining } from "../train-types";
import { validationSchedule, type ValidationSchedule } from "../train";
import type { DenseSpec, DropoutSpec, FusedLayout } from "./layout";
import { FlatOptimizer } from "./flat-optimizer";
import { slotVariables } from "./slot-forward";
import { fusedEvaluate, fusedTrainStep, type FusedEvaluation, type SlotBatch } from "./step";
import { dropoutMultipliers } from "./dropout-noise";

/** A trial's training in a slot: the options of `trainTrial` with the metric already resolved. */
export type SlotOptions = Omit<TrainOptions, "hypergradient" | "dataNames">;

/** A trial waiting for, or in, a slot. */
interface SlotTrial {
  readonly model: tfjs.LayersModel;
  readonly layout: FusedLayout;
  readonly options: SlotOptions;
  readonly resolve: (training: TrialTraining) => void;
  readonly reject: (error: unknown) => void;
}

/** A trial in a slot, with its progress. */
interface Running extends SlotTrial {
  /** The model's Dropout layers, in order, each with the width it drops from. */
  readonly dropouts: readonly (DropoutSpec & { readonly units: number })[];
  epoch: number;
  order: number[];
  cursor: number;
  readonly shuffle: RandomSource;
  dropoutRandom: RandomSource;
  /** Σ n_b c_b over the epoch's batches, and Σ of each metric over its rows. */
  lossSum: number;
  metricSums: number[];
  readonly history: Record<string, number[]>;
  last: Record<string, number>;
  epochsRun: number;
  batchesRun: number;
  lastReported: number;
}

/** Trains up to `capacity` trials of one family at once on one fold's rows; see the module comment. */
export class FusedTrainer {
  private readonly slots: (Running | undefined)[];
  private readonly waiting: SlotTrial[] = [];
  private optimizer: FlatOptimizer | undefined;
  private familyKey: string | undefined;
  private running = false;
  private readonly rows: number;

  constructor(
    private readonly tf: TensorFlow,
    private readonly fold: TrainingFold,
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`a fused trainer needs a positive whole number of slots, but got ${capacity}`);
    this.slots = Array.from({ length: capacity }, () => undefined);
    this.rows = fold.xTrain.shape[0]!;
  }

  /** The family the trainer holds (the first trial's), or undefined before any. */
  get family(): string | undefined {
    return this.familyKey;
  }

  /** Whether a model of this layout can join (the trainer's family, or any before the first trial). */
  accepts(layout: FusedLayout): boolean {
    return this.familyKey === undefined || this.familyKey === layout.family;
  }

  /** Trials in slots now. */
  get busySlots(): number {
    return this.slots.filter((slot) => slot !== undefined).length;
  }

  /**
   * Trains a built, checked model (of an accepted layout) in a slot, as `trainTrial` would; the
   * model is the caller's when `keepModel` is set (its weights the trained ones), else disposed.
   * @throws TrainingAbortedError when the signal aborts; Error when the metric is not finite
   */
  train(model: tfjs.LayersModel, layout: FusedLayout, options: SlotOptions): Promise<TrialTraining> {
    if (!this.accepts(layout)) throw new Error(`this fused trainer holds the family ${this.familyKey}, not ${layout.family}`);
    return new Promise<TrialTraining>((resolve, reject) => {
      this.waiting.push({ model, layout, options, resolve, reject });
      this.fill();
      if (!this.running) {
        this.running = true;
        void this.run();
      }
    });
  }

  /** Moves waiting trials into free slots. */
  private fill(): void {
    for (let k = 0; k < this.capacity && this.waiting.length > 0; k++) {
      if (this.slots[k] !== undefined) continue;
      const trial = this.waiting.shift()!;
      try {
        this.place(k, trial);
      } catch (error) {
        disposeModel(trial.model);
        trial.reject(error);
      }
    }
  }

  private place(k: number, trial: SlotTrial): void {
    const { layout } = trial;
    if (this.optimizer === undefined) {
      this.optimizer = new FlatOptimizer(this.tf, layout.optimizer.kind);
      this.familyKey = layout.family;
    }
    this.optimizer.add(k, slotVariables(layout), layout.optimizer);
    const seed = trial.options.seed;
    const shuffle = seededRandom(deriveSeed(seed, "shuffle", 0));
    this.slots[k] = {
      ...trial,
      dropouts: dropoutWidths(layout),
      epoch: 0,
      order: permutation(this.rows, shuffle),
      cursor: 0,
      shuffle,
      dropoutRandom: this.epochRandom(trial.options, 0),
      lossSum: 0,
      metricSums: layout.metrics.map(() => 0),
      history: {},
      last: {},
      epochsRun: 0,
      batchesRun: 0,
      lastReported: Number.NaN,
    };
  }

  /** The trial's `Math.random` stand-in for epoch e (the single trainer's seeded scope). */
  private epochRandom(options: SlotOptions, e: number): RandomSource {
    return (options.seedMathRandom ?? true) ? seededRandom(deriveSeed(options.seed, "fit", 0, e)) : Math.random;
  }

  /** Runs the stepping loop; a failure outside any one trial ends every trial and rejects the waiting ones. */
  private async run(): Promise<void> {
    try {
      await this.stepWhileBusy();
    } catch (error) {
      // Not a trial's failure (those end their slot): nothing may be left waiting on a stopped loop.
      this.slots.forEach((slot, k) => slot !== undefined && this.end(k, error));
      for (const trial of this.waiting.splice(0)) {
        disposeModel(trial.model);
        trial.reject(error);
      }
      this.running = false;
    }
  }

  /** Steps while any slot holds a trial, giving the event loop a turn every ~25 ms; clears `running` as it ends. */
  private async stepWhileBusy(): Promise<void> {
    const pacer = new EventLoopPacer(() => this.tf.nextFrame());
    for (;;) {
      this.slots.forEach((slot, k) => {
        if (slot?.options.signal?.aborted === true) this.end(k, new TrainingAbortedError(slot.epochsRun, slot.batchesRun));
      });
      this.fill();
      if (this.slots.every((slot) => slot === undefined)) {
        // Synchronously as the loop ends (an await or a `.finally` would leave a gap in which a
        // trial offered meanwhile waited for a loop that had ended): a later trial starts a new one.
        this.running = false;
        return;
      }
      try {
        this.step();
      } catch (error) {
        // A failure of the computation itself fails every trial in it.
        this.slots.forEach((slot, k) => slot !== undefined && this.end(k, error));
      }
      if (pacer.due()) await pacer.yield();
    }
  }

  /** One fused step: every slot's next batch; then the epoch ends of the slots that finished one. */
  private step(): void {
    const live = this.slots.map((slot, k) => ({ slot, k })).filter((entry): entry is { slot: Running; k: number } => entry.slot !== undefined);
    const batches = live.map(({ slot }): SlotBatch => {
      const n = Math.min(slot.options.batchSize, this.rows - slot.cursor);
      const dropout = slot.dropouts.map((drop) => {
        if (!(drop.rate > 0 && drop.rate < 1)) return undefined;
        return { values: dropoutMultipliers(n, drop.units, drop.rate, drop.seed, slot.dropoutRandom), units: drop.units };
      });
      return { layout: slot.layout, indices: slot.order.slice(slot.cursor, slot.cursor + n), dropout };
    });
    const result = fusedTrainStep(this.tf, this.optimizer!, this.fold.xTrain, this.fold.yTrain, batches);
    const ending: { slot: Running; k: number }[] = [];
    live.forEach(({ slot, k }, i) => {
      const n = batches[i]!.indices.length;
      slot.lossSum += n * result.costs[i]!;
      result.metricSums[i]!.forEach((sum, j) => (slot.metricSums[j]! += sum));
      slot.cursor += n;
      slot.batchesRun++;
      if (slot.cursor >= this.rows) ending.push({ slot, k });
    });
    if (ending.length > 0) this.endEpochs(ending);
  }

  /** The epoch ends of some slots: logs, validation (one fused evaluation for all), report, prune, next epoch or done. */
  private endEpochs(ending: readonly { slot: Running; k: number }[]): void {
    const { tf } = this;
    const needs = ending.map(({ slot }) => validationNeeds(slot));
    let evaluation: FusedEvaluation | undefined;
    if (needs.some((need) => need.losses || need.predictions)) {
      evaluation = fusedEvaluate(tf, ending.map(({ slot }) => slot.layout), this.fold.xValidation, this.fold.yValidation, needs.some((need) => need.predictions));
    }
    try {
      ending.forEach(({ slot, k }, i) => {
        try {
          this.endEpoch(slot, k, i, needs[i]!, evaluation);
        } catch (error) {
          this.end(k, error);
        }
      });
    } finally {
      if (evaluation?.yPred !== undefined) tf.dispose([...evaluation.yPred]);
    }
  }

  /** Slot k's epoch end; `i` is its place in the evaluation. */
  private endEpoch(slot: Running, k: number, i: number, need: ValidationSchedule, evaluation: FusedEvaluation | undefined): void {
    const { options, layout } = slot;
    const [lossName, ...metricNames] = layout.names;
    const logs: Record<string, number> = { [lossName!]: slot.lossSum / this.rows };
    metricNames.forEach((name, j) => (logs[name] = slot.metricSums[j]! / this.rows));
    if (evaluation !== undefined && need.losses) layout.names.forEach((name, j) => (logs[VALIDATION_PREFIX + name] = evaluation.values[i]![j]!));
    if (evaluation?.yPred !== undefined && need.predictions && options.validationMetrics !== undefined) {
      const metrics = options.validationMetrics;
      const computed = metrics.compute(this.fold.yValidation, evaluation.yPred[i]!);
      for (const name of metrics.names) {
        const value = computed[name];
        if (typeof value !== "number") throw new Error(`the validation metrics returned no number for "${name}" (they returned ${Object.keys(computed).join(", ") || "nothing"})`);
        logs[VALIDATION_PREFIX + name] = value;
      }
    }
    for (const [key, value] of Object.entries(logs)) (slot.history[key] ??= []).push(value);
    slot.last = logs;
    slot.epochsRun++;
    const e = slot.epoch;
    const value = logs[options.metric];
    if (value === undefined || !Number.isFinite(value)) throw new Error(`the metric ${options.metric} was ${value ?? Number.NaN} after epoch ${e + 1}`);
    slot.lastReported = value;
    options.reporter?.report(value, e);
    if (options.reporter?.shouldPrune() === true) {
      this.end(k, "pruned");
      return;
    }
    if (e + 1 === options.epochs) {
      this.end(k, "done");
      return;
    }
    slot.epoch = e + 1;
    slot.order = permutation(this.rows, slot.shuffle);
    slot.cursor = 0;
    slot.dropoutRandom = this.epochRandom(options, e + 1);
    slot.lossSum = 0;
    slot.metricSums = slot.metricSums.map(() => 0);
  }

  /** Ends slot k's trial ("done", "pruned", or an error), gives its model back and frees the slot. */
  private end(k: number, outcome: "done" | "pruned" | unknown): void {
    const slot = this.slots[k];
    if (slot === undefined) return;
    this.slots[k] = undefined;
    try {
      if (outcome !== "done" && outcome !== "pruned") {
        disposeModel(slot.model);
        slot.reject(outcome);
        return;
      }
      const pruned = outcome === "pruned";
      const result: TrialTraining = {
        value: pruned ? slot.lastReported : slot.last[slot.options.metric]!,
        metric: slot.options.metric,
        metrics: slot.last,
        history: slot.history,
        epochsRun: slot.epochsRun,
        batchesRun: slot.batchesRun,
        pruned,
      };
      if (slot.options.keepModel === true) {
        // The model's own variables were trained in place.
        slot.resolve({ ...result, model: slot.model });
      } else {
        disposeModel(slot.model);
        slot.resolve(result);
      }
    } catch (error) {
      slot.reject(error);
    } finally {
      this.optimizer!.remove(k);
    }
  }

  /** Frees the optimizer's state and rejects waiting trials (call when no trial is running). */
  dispose(): void {
    for (const trial of this.waiting.splice(0)) {
      disposeModel(trial.model);
      trial.reject(new Error("the fused trainer was disposed"));
    }
    this.optimizer?.dispose();
    this.optimizer = undefined;
  }
}

/** Each Dropout layer of a layout with the width of its input (the Dense before it, or the input). */
function dropoutWidths(layout: FusedLayout): (DropoutSpec & { readonly units: number })[] {
  let units = layout.inputUnits;
  const widths: (DropoutSpec & { readonly units: number })[] = [];
  for (const spec of layout.layers) {
    if (spec.kind === "dense") units = (spec as DenseSpec).units;
    else widths.push({ ...spec, units });
  }
  return widths;
}

/** Which validation logs slot's epoch end needs: `train.ts`'s schedule, and everything after the last epoch. */
function validationNeeds(slot: Running): ValidationSchedule {
  const isLast = slot.epoch === slot.options.epochs - 1;
  const schedule = validationSchedule(slot.options, slot.options.metric);
  return { losses: schedule.losses || isLast, predictions: slot.options.validationMetrics !== undefined && (schedule.predictions || isLast) };
}

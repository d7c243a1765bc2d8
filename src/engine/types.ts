/**
 * The shared vocabulary of the tuning engine: distributions, trials as frozen records, and the
 * contracts of samplers and pruners. Everything here is plain data or a small interface, so the
 * study, the samplers, the storages and the renderers can be written and tested apart.
 *
 * Modelled on Optuna's split: samplers and pruners only ever see immutable {@link FrozenTrial}s;
 * the user's objective sees a live trial object (defined in `trial.ts`).
 */

/** Whether the objective is to be made small or large. */
export type StudyDirection = "minimize" | "maximize";

/**
 * The life of a trial.
 * - `waiting`: enqueued with known parameters, not yet started.
 * - `running`: asked for, not yet told.
 * - `complete`: told a finite value.
 * - `failed`: the objective threw, returned NaN/±∞, or its worker vanished; `error` says why.
 * - `pruned`: stopped early by a pruner; `value` keeps its value at its last (largest) step (`lastIntermediate`).
 */
export type TrialState = "waiting" | "running" | "complete" | "failed" | "pruned";

/** A parameter's value: any JSON scalar (categoricals may hold strings, booleans or null). */
export type ParamValue = number | string | boolean | null;

/** A real number in [low, high], optionally on a log scale or a grid of `step`. */
export interface FloatDistribution {
  readonly kind: "float";
  readonly low: number;
  readonly high: number;
  /** Sample uniformly in log space (requires `low > 0`; excludes `step`). */
  readonly log: boolean;
  /** When set, values are `low + k·step` for integer k. */
  readonly step?: number;
}

/** An integer in [low, high], optionally on a log scale or a grid of `step` (default 1). */
export interface IntDistribution {
  readonly kind: "int";
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number;
}

/** One of a list of unordered JSON values. */
export interface CategoricalDistribution {
  readonly kind: "categorical";
  readonly choices: readonly ParamValue[];
}

/** A parameter held at one value (useful to pin a dimension without editing the search). */
export interface FixedDistribution {
  readonly kind: "fixed";
  readonly value: ParamValue;
}

/** The comparisons a {@link ParameterCondition} can make with one value. */
export type ComparisonOperator = "==" | "!=" | "<" | "<=" | ">" | ">=";

/**
 * When a parameter of a search space is active: a test on the value of one parameter declared
 * before it (its parent), e.g. `units2: int(16, 256, log) if layers >= 2`. A parameter whose
 * parent is inactive is inactive too. The rules live in `conditions.ts`.
 */
export type ParameterCondition =
  | { readonly parent: string; readonly operator: ComparisonOperator; readonly value: ParamValue }
  | { readonly parent: string; readonly operator: "in"; readonly values: readonly ParamValue[] };

/**
 * The distribution of one parameter, as a plain JSON-serialisable value. In a search space it may
 * carry a `condition` (a conditional parameter); a trial's stored distributions never do, and the
 * JSON form and distribution equality ignore it.
 */
export type Distribution = (
  | FloatDistribution
  | IntDistribution
  | CategoricalDistribution
  | FixedDistribution
) & { readonly condition?: ParameterCondition };

/** Parameter name → distribution. Key order is the order parameters are shown in. */
export type SearchSpace = Readonly<Record<string, Distribution>>;

/** Parameter name → chosen value. */
export type Params = Readonly<Record<string, ParamValue>>;

/** One intermediate value reported by a running trial (for pruning and learning curves). */
export interface IntermediateValue {
  readonly step: number;
  readonly value: number;
}

/**
 * An immutable snapshot of a trial, as samplers, pruners, storages and renderers see it.
 * Times are milliseconds since the Unix epoch.
 */
export interface FrozenTrial {
  /** 0-based, unique within a study, in the order trials were created. */
  readonly number: number;
  readonly state: TrialState;
  readonly params: Params;
  readonly distributions: SearchSpace;
  /**
   * The objective value: set for `complete`, and for `pruned` (its value at its last step). In a study
   * of several objectives, the first objective's value (`values[0]`).
   */
  readonly value?: number;
  /**
   * The value of each objective, in the study's order: set for `complete` trials of a study of
   * several objectives only (a single-objective trial has `value`; `trialValues` reads either).
   */
  readonly values?: readonly number[];
  /** Every metric the objective returned (the objective value included under its name). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Intermediate values in the order they were reported. */
  readonly intermediateValues: readonly IntermediateValue[];
  readonly userAttrs: Readonly<Record<string, unknown>>;
  readonly startedAt?: number;
  readonly completedAt?: number;
  /** Why a trial failed (the objective's error message, "objective returned NaN", ...). */
  readonly error?: string;
}

/** What a sampler is given to choose the next parameters. */
export interface SamplingContext {
  /** The parameters to choose jointly. */
  readonly space: SearchSpace;
  /** Every trial of the study so far, in number order (running ones are pending evaluations). */
  readonly trials: readonly FrozenTrial[];
  readonly direction: StudyDirection;
  /**
   * The direction of each objective in a study of several objectives (`direction` is then the
   * first one); absent in a single-objective study.
   */
  readonly directions?: readonly StudyDirection[];
  /** The number of the trial being sampled for. */
  readonly trialNumber: number;
}

/**
 * Chooses parameters for a new trial. Contract (checked by the shared sampler suite):
 * - every value lies within its distribution (bounds, integer-ness, steps, choices);
 * - the result depends only on the sampler's seed, the context and the trial number, never on
 *   how many times it was called before, so a resumed study draws the same trials.
 */
export interface Sampler {
  /** A short name shown to users ("random", "grid", "gp"). */
  readonly name: string;
  /**
   * Whether the sampler handles studies of several objectives (reads `trialValues` and
   * `context.directions`); a study of several objectives refuses a sampler without it.
   */
  readonly supportsMultiObjective?: boolean;
  sample(context: SamplingContext): Params;
}

/**
 * A trial's objective values: `values` in a study of several objectives, else `[value]`;
 * `undefined` when the trial has none (running, failed, or pruned without a report).
 */
export function trialValues(trial: FrozenTrial): readonly number[] | undefined {
  if (trial.values !== undefined) return trial.values;
  return trial.value === undefined ? undefined : [trial.value];
}

/**
 * The trial's intermediate value at its largest step (Optuna's `last_step`), whatever order the
 * steps were reported in; `undefined` when it reported none.
 */
export function lastIntermediate(trial: FrozenTrial): IntermediateValue | undefined {
  let last: IntermediateValue | undefined;
  for (const iv of trial.intermediateValues) if (last === undefined || iv.step > last.step) last = iv;
  return last;
}

/** What a pruner is given to decide whether a running trial should stop. */
export interface PruningContext {
  readonly trial: FrozenTrial;
  readonly trials: readonly FrozenTrial[];
  readonly direction: StudyDirection;
}

/** Decides whether a running trial, given its intermediate values so far, should stop early. */
export interface Pruner {
  readonly name: string;
  shouldPrune(context: PruningContext): boolean;
}

/**
 * The tuning engine's public API: distributions, studies and trials, samplers, pruners and
 * storages. Usable from plain TypeScript, without the kernel.
 */
export * from "./types";
export {
  cardinality,
  categorical,
  contains,
  DistributionError,
  distributionFromJSON,
  distributionsEqual,
  distributionToJSON,
  enumerateValues,
  fixed,
  floatDistribution,
  fromInternal,
  fromUnit,
  intDistribution,
  sampleUniform,
  snap,
  toInternal,
  toUnit,
  validateDistribution,
} from "./distributions";
export type { DistributionJSON, FloatOptions, IntOptions } from "./distributions";
export { SearchSpaceExhaustedError } from "./errors";
export { createRng, shuffleInPlace } from "../common/random";
export type { Rng, StreamPart } from "../common/random";
export { SOBOL_MAX_DIMENSIONS, SobolSequence } from "./sobol";
export type { SobolOptions } from "./sobol";
export { Trial, TrialPruned } from "./trial";
export { createStudy, Study, TooManyFailuresError } from "./study";
export type {
  Objective,
  ObjectiveResult,
  OptimizeCallback,
  OptimizeOptions,
  TrialAdmission,
  OptimizeSummary,
  StopReason,
  StudyJSON,
  StudyOptions,
  TellResult,
} from "./study";
export * from "./samplers/index";
export { crowdingDistance, dominates, hypervolume, nonDominatedSort, paretoFrontIndices, toMinimization } from "./pareto";
export type { ObjectivePoint } from "./pareto";
export * from "./pruners/index";
export { MemoryStorage, StorageError } from "./storage/memory";
export { JournalStorage } from "./storage/journal";
export type { JournalOptions, ReplayReport } from "./storage/journal";
export { PostgresConnectionError, PostgresStorage } from "./storage/postgres";
export type { PostgresOptions } from "./storage/postgres";
export { applyTrialUpdate, isSharedStorage, StaleTrialError } from "./storage/storage";
export type {
  NewTrial,
  SharedStudyStorage,
  StartTrialRequest,
  StudyRecord,
  StudyStorage,
  TrialChanges,
  TrialUpdate,
} from "./storage/storage";
// Population-based training: the seeded exploit/explore decisions (the training is tfjs/train-rounds.ts).
export { exploreParams, initialPopulation, perturbableParams, planNextRound, truncationSelection, type ExploitDecision, type Exploration, type ExploreSettings, type MemberPlan, type MemberScore, type RoundInput } from "./pbt";

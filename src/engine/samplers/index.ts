/** The samplers of the tuning engine. */
export { GridSampler, MAX_GRID_SIZE, SearchSpaceExhaustedError } from "./grid";
export type { GridSamplerOptions } from "./grid";
export { RandomSampler } from "./random";
export type { RandomSamplerOptions } from "./random";
export { GPSampler } from "./gp";
export type { GPSamplerOptions } from "./gp";
export { TPESampler, goodCount, observationWeights } from "./tpe";
export type { TPESamplerOptions } from "./tpe";
export { CmaEsSampler } from "./cmaes";
export type { CmaEsSamplerOptions } from "./cmaes";
export { NSGA2Sampler, simulatedBinaryCrossover } from "./nsga2";
export type { NSGA2Crossover, NSGA2SamplerOptions, PopulationMember } from "./nsga2";
export { SwitchingSampler } from "./switching";
export type { SwitchingSamplerOptions } from "./switching";
export { MultiObjectiveGPSampler, scalariseTrials } from "./mo-gp";
export type { MultiObjectiveGPSamplerOptions } from "./mo-gp";

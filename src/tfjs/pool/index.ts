/**
 * Training trials on worker threads: a pool of threads sharing the search's data, models sent as
 * topology + compile settings + initial weights, reports and pruning across threads.
 */
export * from "./model-transfer";
export * from "./pool";
export * from "./shared-data";
export * from "./train-in-pool";
export type { RoundJob, TrainJob, WorkerTraining } from "./messages";
export * from "./warm-pool";

/**
 * The TensorFlow.js side of tuning: backend selection, data loading and preparation, and the
 * trial trainer (reporting, pruning, interrupts, seeds, tensor hygiene). Pure of Jupyter.
 */
export * from "./backend";
export * from "./csv";
export * from "./data";
export * from "./initializers";
export * from "./memoryGuard";
export * from "./metrics";
export * from "../common/random";
export * from "./train";
export * from "./trainingData";
export * from "./validation-metrics";

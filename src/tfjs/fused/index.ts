/**
 * Training several trials of one model family as one computation (stacked weights, per-slot
 * optimizer state, continuous batching of slots); see README.md.
 */
export * from "./layout";
export * from "./slots";
export * from "./train-fused";

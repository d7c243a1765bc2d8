/**
 * Training several trials of one model family as one computation (per-slot forward passes, one
 * loss, gradient and optimizer update for all, continuous batching of slots); see README.md.
 */
export * from "./layout";
export * from "./slots";
export * from "./train-fused";

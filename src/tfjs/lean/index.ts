/** The lean training step for Dense/Dropout models; see `README.md`. */
export * from "./choose";
export * from "./plan";
export * from "./step";
export * from "./in-place-update";
export * from "./backend-memory";

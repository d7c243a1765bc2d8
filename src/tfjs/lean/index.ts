/** The lean training step for Dense/Dropout models; see `README.md`. */
export * from "./choose";
export * from "./plan";
export * from "./step";

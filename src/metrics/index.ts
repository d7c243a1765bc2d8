/**
 * Metrics computed from a model's predictions (F1, precision, recall, ROC AUC, average precision,
 * R², MAE, RMSE): pure functions of typed arrays and their registry by name. Pure of tfjs.
 */
export * from "./targets";
export * from "./confusion";
export * from "./ranking";
export * from "./regression";
export * from "./registry";
export * from "./spread";
export * from "./report-data";

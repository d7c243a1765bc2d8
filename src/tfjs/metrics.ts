/**
 * Metric names as a user writes them (`val_accuracy`, `acc`, `val_loss`) resolved to the keys a
 * TensorFlow.js training history has (`val_acc`, `acc`, `val_loss`), and the direction of
 * well-known metrics. Metrics computed from predictions (`val_f1`, `val_auc`, ...) are the
 * metrics module's (`src/metrics`); unknown names list both kinds.
 */
import type { StudyDirection } from "../engine/types";
import { PREDICTION_METRICS, predictionMetric } from "../metrics";

/** Spellings of one metric, the first being TensorFlow.js's history key. */
const ALIASES: readonly (readonly string[])[] = [
  ["acc", "accuracy"],
  ["mse", "meanSquaredError", "mean_squared_error"],
  ["mae", "meanAbsoluteError", "mean_absolute_error"],
  ["mape", "meanAbsolutePercentageError", "mean_absolute_percentage_error"],
  ["loss"],
];

/** The prefix of the logs of validation rows (`val_loss`, `val_acc`, ...). */
export const VALIDATION_PREFIX = "val_";

/** The canonical spelling of a metric name without its `val_` prefix ("accuracy" → "acc"). */
function canonicalBase(base: string): string {
  const group = ALIASES.find((names) => names.some((name) => name.toLowerCase() === base.toLowerCase()));
  return group === undefined ? base : group[0]!;
}

function canonical(name: string): string {
  return name.startsWith(VALIDATION_PREFIX)
    ? VALIDATION_PREFIX + canonicalBase(name.slice(VALIDATION_PREFIX.length))
    : canonicalBase(name);
}

/**
 * The history key for a requested metric name: an exact match, else a match through the aliases
 * (`accuracy`/`acc`, `val_accuracy`/`val_acc`, `mse`/`meanSquaredError`, ...).
 * @param available the keys the training history has (see {@link historyKeys})
 * @throws Error naming the unknown metric and listing the available ones
 */
export function resolveMetricName(requested: string, available: readonly string[]): string {
  if (available.includes(requested)) return requested;
  const wanted = canonical(requested);
  const match = available.find((key) => canonical(key) === wanted);
  if (match !== undefined) return match;
  const hint = requested.startsWith(VALIDATION_PREFIX) && !available.some((key) => key.startsWith(VALIDATION_PREFIX))
    ? " (validation metrics need a validation fraction or folds)"
    : "";
  const fromPredictions = PREDICTION_METRICS.map((metric) => VALIDATION_PREFIX + metric.name).join(", ");
  throw new Error(`unknown metric "${requested}": the training history has ${available.join(", ")}${hint}; computed from predictions: ${fromPredictions}`);
}

/**
 * The keys a history will have for a compiled model: its `metricsNames` (`loss`, `acc`, ...),
 * each also with a `val_` prefix when there is validation data, and then the metrics computed
 * from predictions on the validation rows (`predictionMetrics`, e.g. `f1` → `val_f1`).
 */
export function historyKeys(metricsNames: readonly string[], withValidation: boolean, predictionMetrics: readonly string[] = []): string[] {
  return withValidation
    ? [...metricsNames, ...[...metricsNames, ...predictionMetrics].map((name) => VALIDATION_PREFIX + name)]
    : [...metricsNames];
}

/**
 * Whether a well-known metric is to be minimised (losses and errors) or maximised (accuracy,
 * AUC, precision, recall, R²); a prediction metric's own direction first; `undefined` when the name says nothing (give the direction then).
 */
export function metricDirection(name: string): StudyDirection | undefined {
  const fromPredictions = predictionMetric(name);
  if (fromPredictions !== undefined) return fromPredictions.direction;
  const base = canonical(name).replace(/^val_/, "").toLowerCase();
  if (/(loss|error|crossentropy|^mse$|^mae$|^mape$|hinge|poisson|divergence)/.test(base)) return "minimize";
  if (/(acc|auc|precision|recall|f1|cosine)/.test(base)) return "maximize";
  return undefined;
}

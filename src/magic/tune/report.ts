/**
 * The text `%%tune` prints about a search: the one-line report after it, the line about the
 * `--cv` refit, and the `--test` table. Numbers and durations go through the render module's formatters.
 */
import { formatDuration, roundSignificant } from "../../render";
import { countStates, type NotebookStudy, type SearchSummary } from "./notebook-study";
import type { TestEvaluation, TestMetric } from "./test-evaluation";
import { frontSummary } from "./front-report";

/**
 * "Ran 30 trials (1 min 03 s, 98 % of it training). Study "s": 30 trials (28 complete, 2 pruned);
 * best trial #7: val_acc = 0.97 with {...}." — `objectiveWork` names the time in the objective
 * ("training", "in the objective"); `out` is the notebook variable the study is bound to.
 */
export function searchReport(
  bound: Pick<NotebookStudy, "bestTrial" | "metric" | "name" | "trials"> & Partial<Pick<NotebookStudy, "isMultiObjective" | "bestTrials" | "objectives">>,
  search: SearchSummary,
  objectiveWork: string,
  out: string,
): string {
  const best = bound.bestTrial;
  const duration = formatDuration(search.wallTimeMs);
  const share = search.wallTimeMs > 0 && search.trialsRun > 0 ? `, ${Math.min(100, Math.floor((100 * search.objectiveMs) / search.wallTimeMs))} % of it ${objectiveWork}` : "";
  const time = `${duration}${share}`;
  const bestText =
    bound.isMultiObjective === true
      ? frontSummary(bound, out)
      : best === undefined
      ? noTrialCompleted(bound.trials)
      : `best trial #${best.number}: ${bound.metric} = ${formatValue(best.value)} with ${JSON.stringify(best.params, (_key, v: unknown) => (typeof v === "number" ? roundSignificant(v, 4) : v))}`;
  const failures = failureSummary(bound.trials);
  return `${capitalize(search.message)} (${time}). Study "${bound.name}": ${countStates(bound.trials)}; ${bestText}.${failures === "" ? "" : `\n${failures}`}`;
}

/**
 * "no trial completed", with what to do when every trial was pruned (Hyperband's most exploratory
 * bracket, or --pause, promotes a trial to the last rung only once enough trials reached each
 * rung below it: with too few trials, none reaches the end and there is no best model).
 */
function noTrialCompleted(trials: readonly { readonly state: string }[]): string {
  const pruned = trials.filter((t) => t.state === "pruned").length;
  if (pruned === 0 || pruned < trials.length) return "no trial completed";
  return `no trial completed: ${pruned === 1 ? "the only trial was" : `all ${pruned} were`} pruned before the end, too few for the pruner to promote one to the last rung (raise --trials, or lower --epochs or --max-resource)`;
}

/** Distinct failure reasons listed in the report; the rest are counted. */
const FAILURE_REASONS_SHOWN = 3;

/**
 * Why trials failed, one line per distinct reason with its trials' numbers ("Failed: #1, #3:
 * Error: too wide"), or "" when none failed; the table's `error` column and `study.trials[i].error`
 * hold every reason.
 */
export function failureSummary(trials: readonly { readonly number: number; readonly state: string; readonly error?: string | undefined }[]): string {
  const byReason = new Map<string, number[]>();
  for (const trial of trials) {
    if (trial.state !== "failed") continue;
    const reason = trial.error ?? "no reason given";
    byReason.set(reason, [...(byReason.get(reason) ?? []), trial.number]);
  }
  if (byReason.size === 0) return "";
  const listed = [...byReason].slice(0, FAILURE_REASONS_SHOWN).map(([reason, numbers]) => {
    const shown = numbers.length > 5 ? `${numbers.slice(0, 5).map((n) => `#${n}`).join(", ")} and ${numbers.length - 5} more` : numbers.map((n) => `#${n}`).join(", ");
    return `Failed ${shown}: ${reason.split("\n")[0]}`;
  });
  const rest = byReason.size - FAILURE_REASONS_SHOWN;
  return [...listed, ...(rest > 0 ? [`(${rest} other reason${rest === 1 ? "" : "s"}: see the trials table's error column)`] : [])].join("\n");
}

/** What the `--cv` refit did. */
export interface RefitSummary {
  readonly trialNumber: number;
  readonly rows: number;
  /** The `--data` names, "X,Y". */
  readonly data: string;
  readonly epochs: number;
  readonly durationMs: number;
  /** The `--out` variable. */
  readonly out: string;
}

/** "Refitted the best parameters (trial #3) on all 150 rows of x,y for 20 epochs (1 min 05 s): …". */
export function refitReport(refit: RefitSummary): string {
  return (
    `Refitted the best parameters (trial #${refit.trialNumber}) on all ${refit.rows} rows of ${refit.data} for ${refit.epochs} epochs (${formatDuration(refit.durationMs)}): ` +
    `that model is ${refit.out}.bestModel (--no-refit keeps the trial's last-fold model).`
  );
}

/** A metric value with 6 significant digits ("-" for none). */
function formatValue(value: number | undefined): string {
  return value === undefined ? "-" : String(roundSignificant(value, 6));
}

function capitalize(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** What the `--cv` refit of a Pareto front's models did. */
export interface FrontRefitSummary {
  readonly trialNumbers: readonly number[];
  readonly rows: number;
  /** The `--data` names, "X,Y". */
  readonly data: string;
  readonly durationMs: number;
  readonly out: string;
}

/** "Refitted the parameters of the 3 front models (trials #2, #5, #9) on all 150 rows of x,y (4.1 s): …". */
export function frontRefitReport(refit: FrontRefitSummary): string {
  const n = refit.trialNumbers.length;
  const which = refit.trialNumbers.map((t) => `#${t}`).join(", ");
  return (
    `Refitted the parameters of the ${n} front model${n === 1 ? "" : "s"} (trial${n === 1 ? "" : "s"} ${which}) on all ${refit.rows} rows of ${refit.data} (${formatDuration(refit.durationMs)}): ` +
    `${n === 1 ? "that model is" : "those models are"} in ${refit.out}.frontModels, and ${refit.out}.pickTrial makes one ${refit.out}.bestModel (--no-refit keeps the last-fold models).`
  );
}

/**
 * When `bestModel` is not the best trial's model, says so: the best trial was not trained in this
 * run (copied by `--from`, or from an earlier run of a resumed study), so the model is the best
 * one trained here. Undefined when they agree, or there is no model.
 */
export function bestModelNote(bound: Pick<NotebookStudy, "bestTrial" | "bestModelTrial" | "metric" | "isMultiObjective">, out: string): string | undefined {
  const best = bound.bestTrial;
  const modelled = bound.bestModelTrial;
  if (bound.isMultiObjective || best === undefined || modelled === undefined || modelled.number === best.number) return undefined;
  const seededFrom = best.userAttrs["seededFrom"];
  const origin = typeof seededFrom === "string" ? `it is ${seededFrom}, copied by --from` : "it comes from an earlier run of this study";
  return (
    `Note: the best trial #${best.number} (${bound.metric} = ${formatValue(best.value)}) was not trained in this run (${origin}), so it has no model here: ` +
    `${out}.bestModel is trial #${modelled.number}'s model (${bound.metric} = ${formatValue(modelled.value)}), the best trained in this run; ${out}.bestModelTrial is that trial.`
  );
}

/** "trial #3's model", or "the model refitted with trial #3's parameters". */
function modelWords(evaluation: TestEvaluation): string {
  return evaluation.refitted ? `the model refitted with trial #${evaluation.trialNumber}'s parameters` : `trial #${evaluation.trialNumber}'s model`;
}

/** "±0.021 (binomial)" or "-". */
function spreadText(m: TestMetric): string {
  return m.spread === undefined ? "-" : `±${roundSignificant(m.spread, 3)} (${m.spreadSource})`;
}

/** The columns padded to their widest cell, two spaces apart, indented by two. */
function alignedLines(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: readonly string[]): string => `  ${cells.map((c, j) => c.padEnd(widths[j]!)).join("  ")}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

/** A warning line for each flagged metric of `evaluation` (`who` names the model when several are listed). */
function spreadWarnings(evaluation: TestEvaluation, who: string): string[] {
  return evaluation.metrics
    .filter((m) => m.flagged)
    .map(
      (m) =>
        `Warning: ${who}${m.name} is ${formatValue(m.test)} on the test rows but ${formatValue(m.validation)} on validation, more than twice the spread expected by chance ` +
        `(±${roundSignificant(m.spread!, 3)}): the search may have fitted the validation rows, or the test rows differ from them.`,
    );
}

/**
 * The `--test` table: each metric on the validation rows (of the chosen trial) and on the test
 * rows, the expected spread of their difference and where it comes from, and a warning line for
 * each metric that differs by more than twice its spread. With several models (`--test-top K`,
 * several objectives) one block of rows per model, in the order given (best first).
 */
export function testReport(evaluations: readonly TestEvaluation[], out: string): string {
  const first = evaluations[0];
  if (first === undefined) return "";
  const header = ["metric", "validation", "test", "spread (1 sd)"];
  const rowsOf = (evaluation: TestEvaluation): string[][] => evaluation.metrics.map((m) => [m.name, formatValue(m.validation), formatValue(m.test), spreadText(m)]);
  if (evaluations.length === 1) {
    return [`Test set ${first.data} (${first.rows} rows), ${modelWords(first)}; in ${out}.testMetrics:`, ...alignedLines(header, rowsOf(first)), ...spreadWarnings(first, "")].join("\n");
  }
  const rows = evaluations.flatMap((evaluation) => rowsOf(evaluation).map((row, i) => [i === 0 ? `#${evaluation.trialNumber}${evaluation.refitted ? " (refit)" : ""}` : "", ...row]));
  return [
    `Test set ${first.data} (${first.rows} rows), the models of ${evaluations.length} trials (${evaluations.map((e) => `#${e.trialNumber}`).join(", ")}); ` +
      `in ${out}.testMetricsByTrial (${out}.testMetrics is #${first.trialNumber}'s):`,
    ...alignedLines(["trial", ...header], rows),
    ...evaluations.flatMap((evaluation) => spreadWarnings(evaluation, `trial #${evaluation.trialNumber}: `)),
  ].join("\n");
}

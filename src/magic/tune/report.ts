/**
 * The text `%%tune` prints about a search: the one-line report after it, the line about the
 * `--cv` refit, and the `--test` table. Numbers and durations go through the render module's formatters.
 */
import { formatDuration, roundSignificant } from "../../render";
import { countStates, type NotebookStudy, type SearchSummary } from "./notebook-study";
import type { TestEvaluation } from "./test-evaluation";
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
      ? "no trial completed"
      : `best trial #${best.number}: ${bound.metric} = ${formatValue(best.value)} with ${JSON.stringify(best.params, (_key, v: unknown) => (typeof v === "number" ? roundSignificant(v, 4) : v))}`;
  return `${capitalize(search.message)} (${time}). Study "${bound.name}": ${countStates(bound.trials)}; ${bestText}.`;
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

/**
 * The `--test` table: each metric on the validation rows (of the chosen trial) and on the test
 * rows, the expected spread of their difference and where it comes from, and a warning line for
 * each metric that differs by more than twice its spread.
 */
export function testReport(evaluation: TestEvaluation, out: string): string {
  const model = evaluation.refitted ? `the model refitted with trial #${evaluation.trialNumber}'s parameters` : `trial #${evaluation.trialNumber}'s model`;
  const header = ["metric", "validation", "test", "spread (1 sd)"];
  const rows = evaluation.metrics.map((m) => [
    m.name,
    formatValue(m.validation),
    formatValue(m.test),
    m.spread === undefined ? "-" : `±${roundSignificant(m.spread, 3)} (${m.spreadSource})`,
  ]);
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: readonly string[]): string => `  ${cells.map((c, j) => c.padEnd(widths[j]!)).join("  ")}`.trimEnd();
  const warnings = evaluation.metrics
    .filter((m) => m.flagged)
    .map(
      (m) =>
        `Warning: ${m.name} is ${formatValue(m.test)} on the test rows but ${formatValue(m.validation)} on validation, more than twice the spread expected by chance ` +
        `(±${roundSignificant(m.spread!, 3)}): the search may have fitted the validation rows, or the test rows differ from them.`,
    );
  return [
    `Test set ${evaluation.data} (${evaluation.rows} rows), ${model}; in ${out}.testMetrics:`,
    line(header),
    ...rows.map(line),
    ...warnings,
  ].join("\n");
}

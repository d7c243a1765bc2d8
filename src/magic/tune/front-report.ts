/** The report's words about a study of several objectives: its Pareto front, and how to pick from it. */
import { roundSignificant } from "../../render";
import type { NotebookStudy } from "./notebook-study";
import { objectiveValues } from "./pick-trial";

/** Front trials listed by number in the report before "…". */
const LISTED = 5;

/**
 * "Pareto front of 3 trials (val_acc ↑, params ↓): #4 (0.95, 1201), #7 (0.91, 310), …; pick one with
 * front.pickTrial("val_acc", { where: v => v.params < 1000 })", `out` being the study's notebook variable.
 */
export function frontSummary(bound: Partial<Pick<NotebookStudy, "bestTrials" | "objectives">> & Pick<NotebookStudy, "name">, out: string): string {
  const front = bound.bestTrials ?? [];
  const objectives = bound.objectives ?? { metrics: [], directions: [] };
  if (front.length === 0) return "no trial completed";
  const arrows = objectives.metrics.map((m, k) => `${m} ${objectives.directions[k] === "maximize" ? "↑" : "↓"}`).join(", ");
  const listed = front.slice(0, LISTED).map((t) => {
    const values = objectiveValues(t, objectives.metrics);
    return `#${t.number} (${objectives.metrics.map((m) => roundSignificant(values[m] as number, 4)).join(", ")})`;
  });
  const first = objectives.metrics[0] ?? "value";
  const second = objectives.metrics[1] ?? first;
  return (
    `Pareto front of ${front.length} trial${front.length === 1 ? "" : "s"} (${arrows}): ${listed.join(", ")}${front.length > LISTED ? ", …" : ""}; ` +
    `pick one with ${out}.pickTrial("${first}", { where: (v) => v.${second} < … })`
  );
}

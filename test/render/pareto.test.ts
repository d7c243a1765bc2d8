/**
 * The Pareto-front info and figure of a study of several objectives, on hand-built trials whose
 * front is known by construction; and how the table, progress line and live view show them.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { FrozenTrial, TrialState } from "../../src/engine/types";
import { liveFigure, paretoInfo, paretoPlot, progressLine, studyFigures, studyInfo, type StudyData } from "../../src/render";
import { T0 } from "./fixtures";

const SPACE = { units: { kind: "int", low: 4, high: 128, log: true, step: 1 } } as const;

/** A trial of a (val_acc ↑, size ↓) study. */
function trial(number: number, state: TrialState, values?: readonly number[]): FrozenTrial {
  return {
    number,
    state,
    params: { units: 4 + number },
    distributions: SPACE,
    metrics: values === undefined ? {} : { val_acc: values[0]!, size: values[1]!, ...(values[2] === undefined ? {} : { latency: values[2] }) },
    intermediateValues: [],
    userAttrs: {},
    startedAt: T0 + number * 1000,
    ...(state === "running" ? {} : { completedAt: T0 + number * 1000 + 500 }),
    ...(values === undefined ? {} : { value: values[0]!, values }),
  };
}

// Front: #0 (0.90, 1000), #2 (0.95, 3000), #4 (0.80, 500), #5 equal to #2. Dominated: #1 by #0, #3 by #2.
const TRIALS: FrozenTrial[] = [
  trial(2, "complete", [0.95, 3000]),
  trial(0, "complete", [0.9, 1000]),
  trial(1, "complete", [0.85, 2000]),
  trial(3, "complete", [0.9, 4000]),
  trial(4, "complete", [0.8, 500]),
  trial(5, "complete", [0.95, 3000]),
  trial(6, "failed"),
  trial(7, "running"),
];
const OBJECTIVES = { metrics: ["val_acc", "size"], directions: ["maximize", "minimize"] } as const;
const DATA: StudyData = { trials: TRIALS, space: SPACE, direction: "maximize", metric: "val_acc", objectives: OBJECTIVES, plannedTrials: 10 };

test("paretoInfo: complete trials as points, the front ordered by the first objective, equal trials both kept", () => {
  const info = paretoInfo(TRIALS, OBJECTIVES, 2);
  assert.deepEqual(info.points.map((p) => p.number), [0, 1, 2, 3, 4, 5], "failed and running trials are not points");
  assert.deepEqual(info.front, [4, 0, 2, 5]);
  assert.deepEqual(info.points.filter((p) => !p.onFront).map((p) => p.number), [1, 3]);
  assert.equal(info.picked, 2);
  const minimiseBoth = paretoInfo(TRIALS, { metrics: ["val_acc", "size"], directions: ["minimize", "minimize"] });
  assert.deepEqual(minimiseBoth.front, [4], "directions decide dominance");
});

test("paretoPlot, two objectives: dominated points, the front joined in order, the picked star, hover with trial and params", () => {
  const figure = paretoPlot(paretoInfo(TRIALS, OBJECTIVES, 0));
  assert.equal(figure.name, "pareto");
  const [dominated, front, picked] = figure.figure.data as { name: string; x: number[]; y: number[]; text: string[]; mode: string }[];
  assert.equal(dominated!.name, "dominated trials");
  assert.deepEqual(dominated!.x, [0.85, 0.9]);
  assert.equal(front!.name, "Pareto front (4)");
  assert.equal(front!.mode, "lines+markers");
  assert.deepEqual(front!.x, [0.8, 0.9, 0.95, 0.95]);
  assert.deepEqual(front!.y, [500, 1000, 3000, 3000]);
  assert.match(front!.text[0]!, /^trial 4 \(Pareto front\)<br>val_acc 0\.8<br>size 500<br>units = 8$/);
  assert.equal(picked!.name, "picked (trial 0)");
  const layout = figure.figure.layout as { xaxis: { title: { text: string } }; yaxis: { title: { text: string } } };
  assert.equal(layout.xaxis.title.text, "val_acc (higher is better)");
  assert.equal(layout.yaxis.title.text, "size (lower is better)");
  assert.match(figure.text, /Pareto front: 4 of 6 complete trials/);
});

test("paretoPlot, three objectives: a scatter matrix with the front as its own trace", () => {
  const three = [trial(0, "complete", [0.9, 1000, 2]), trial(1, "complete", [0.8, 2000, 3]), trial(2, "complete", [0.7, 500, 1])];
  const info = paretoInfo(three, { metrics: ["val_acc", "size", "latency"], directions: ["maximize", "minimize", "minimize"] });
  assert.deepEqual(info.front, [2, 0]);
  const data = paretoPlot(info).figure.data as { type: string; name: string; dimensions: { label: string; values: number[] }[] }[];
  assert.ok(data.every((t) => t.type === "splom"));
  assert.deepEqual(data[1]!.dimensions.map((d) => d.label), ["val_acc", "size", "latency"]);
  assert.deepEqual(data[1]!.dimensions[1]!.values, [1000, 500]);
  assert.equal(data[0]!.name, "dominated trials");
  assert.deepEqual(data[0]!.dimensions[0]!.values, [0.8]);
});

test("paretoPlot notes: one objective has no front; no complete trial yet", () => {
  assert.match(paretoPlot(undefined).text, /one objective has no Pareto front/);
  assert.equal(paretoPlot(paretoInfo([trial(0, "running")], OBJECTIVES)).text, "no complete trial yet");
});

test("a study of several objectives: one column per objective, the front's rows marked, the front in the progress line, figures and live view", () => {
  const info = studyInfo(DATA, T0 + 20_000);
  assert.equal(info.best, undefined, "no single best trial");
  const objectiveColumns = info.table.columns.filter((c) => c.kind === "objective" || c.kind === "metric").map((c) => c.title);
  assert.deepEqual(objectiveColumns.slice(0, 2), ["val_acc", "size"]);
  assert.deepEqual(info.table.rows.filter((r) => r.isBest).map((r) => r.number), [0, 2, 4, 5]);
  assert.match(progressLine(info), /Pareto front: 4 of 6 complete trials$/);
  assert.deepEqual(studyFigures(info).map((f) => f.name).slice(0, 2), ["trials", "pareto"]);
  const { objectives: _, ...oneObjective } = DATA;
  const single = studyInfo(oneObjective, T0 + 20_000);
  assert.ok(!studyFigures(single).some((f) => f.name === "pareto"), "no Pareto figure for one objective");
  const live = liveFigure(info).figure.data as { type: string; name?: string }[];
  assert.equal(live[0]!.type, "table");
  assert.ok(live.some((t) => t.name === "Pareto front (4)"), "the live view shows the front under the table");
});

test("several objectives: history, slices and importance are drawn once per objective, each from its own values", () => {
  const info = studyInfo(DATA, T0 + 60_000);
  assert.deepEqual(info.objectiveViews?.map((v) => [v.metric, v.direction]), [["val_acc", "maximize"], ["size", "minimize"]]);
  const size = info.objectiveViews![1]!;
  const complete = [...TRIALS].filter((t) => t.state === "complete").sort((a, b) => a.number - b.number);
  assert.deepEqual(size.history.filter((p) => p.value !== undefined).map((p) => p.value), complete.map((t) => t.values![1]));
  // Best so far of size alone (minimised): 1000 (#0), 1000, 1000, 1000, 500 (#4), 500.
  assert.deepEqual(size.history.filter((p) => p.state === "complete").map((p) => p.bestSoFar), [1000, 1000, 1000, 1000, 500, 500]);
  assert.deepEqual(size.slices[0]!.points.map((p) => p.value), complete.map((t) => t.values![1]));
  const titles = (kind: "history" | "slices" | "importance"): string[] =>
    studyFigures(info, [kind]).map((f) => String((f.figure.layout as { title?: { text?: string } }).title?.text ?? ""));
  const history = titles("history");
  assert.equal(history.length, 2);
  assert.match(history[0]!, /val_acc/);
  assert.match(history[1]!, /size/);
  assert.equal(titles("slices").length, 2);
  assert.deepEqual(titles("importance").map((t) => /val_acc/.test(t) ? "val_acc" : /size/.test(t) ? "size" : t), ["val_acc", "size"]);
  const { objectives: _objectives, ...oneObjective } = DATA;
  const single = studyInfo(oneObjective, T0 + 60_000);
  assert.equal(single.objectiveViews, undefined);
  assert.equal(studyFigures(single, ["history"]).length, 1, "one objective: one history figure");
});

/** The Hyperband brackets figure: curves coloured by the trials' "bracket" user attribute. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bracketColor, bracketPlot, studyFigures, studyInfo, type StudyData } from "../../src/render";
import { SPACE, T0, sampleStudy, trial } from "./fixtures";

const NOW = T0 + 1e6;
const curve = (values: readonly number[]) => values.map((value, step) => ({ step, value }));

/** Five trials: brackets 0, 1, 0, 1 and one without a bracket; trials 1 and 2 pruned. */
const study: StudyData = {
  space: SPACE,
  direction: "minimize",
  metric: "val_loss",
  trials: [
    trial(0, { state: "complete", value: 0.3, intermediateValues: curve([0.9, 0.5, 0.4, 0.3]), userAttrs: { bracket: 0 } }),
    trial(1, { state: "pruned", value: 0.8, intermediateValues: curve([0.9, 0.8, 0.8, 0.8]), userAttrs: { bracket: 1 } }),
    trial(2, { state: "pruned", value: 0.7, intermediateValues: curve([1, 0.7]), userAttrs: { bracket: 0 } }),
    trial(3, { state: "complete", value: 0.2, intermediateValues: curve([0.8, 0.4, 0.3, 0.2]), userAttrs: { bracket: 1 } }),
    trial(4, { state: "complete", value: 0.5, intermediateValues: curve([0.6, 0.5]) }),
  ],
};

describe("bracketPlot", () => {
  const info = studyInfo(study, NOW);
  const figure = bracketPlot(info);
  const traces = figure.figure.data as readonly Record<string, any>[];

  it("draws one curve per trial with a bracket, in its bracket's colour, one legend entry per bracket", () => {
    assert.equal(traces.length, 4, "trial 4 has no bracket");
    assert.deepEqual(traces.map((t) => t.name), ["bracket 0", "bracket 1", "bracket 0", "bracket 1"]);
    assert.deepEqual(traces.map((t) => t.line.color), [0, 1, 0, 1].map(bracketColor));
    assert.notEqual(bracketColor(0), bracketColor(1));
    assert.deepEqual(traces.map((t) => t.showlegend), [true, true, false, false]);
  });

  it("pruned curves are dashed and end in a cross where they were stopped", () => {
    const pruned = traces[2]!;
    assert.equal(pruned.line.dash, "dash");
    assert.deepEqual(pruned.x, [0, 1]);
    assert.deepEqual(pruned.marker.symbol, ["circle", "x"]);
    assert.equal(traces[0]!.line.dash, "solid");
  });

  it("its text counts each bracket's trials, states and the furthest step", () => {
    const lines = figure.text.split("\n");
    assert.match(lines[0]!, /by Hyperband bracket \(val_loss\)/);
    const row = (bracket: string) => lines.find((l) => l.trim().startsWith(bracket))!.trim().split(/\s+/);
    assert.deepEqual(row("0"), ["0", "2", "1", "1", "3"]);
    assert.deepEqual(row("1"), ["1", "2", "1", "1", "3"]);
  });

  it("is among the study's figures only when a trial has a bracket", () => {
    assert.deepEqual(studyFigures(info).map((f) => f.name).filter((n) => n === "intermediate" || n === "brackets"), ["intermediate", "brackets"]);
    assert.ok(!studyFigures(studyInfo(sampleStudy(8), NOW)).some((f) => f.name === "brackets"));
    const empty = studyFigures(studyInfo(sampleStudy(8), NOW), ["brackets"])[0]!;
    assert.equal(empty.text, "no Hyperband brackets");
  });

  it("ignores a bracket attribute that is not a bracket id", () => {
    const odd = { ...study, trials: study.trials.map((t) => ({ ...t, userAttrs: { bracket: "first" } })) };
    assert.equal(studyInfo(odd, NOW).curves.filter((c) => c.bracket !== undefined).length, 0);
  });
});

/** The PBT figure: members over epochs, exploit events and hyperparameter schedules, from member-round trials. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { studyFigures, studyInfo, type StudyData } from "../../src/render";
import { pbtPlot } from "../../src/render/pbt-figure";
import { pbtPopulation } from "../../src/render/pbt-info";
import { bracketColor } from "../../src/render/bracket-figure";
import { SPACE, trial } from "./fixtures";

const epochs = (first: number, values: readonly number[]) => values.map((value, i) => ({ step: first + i, value }));

/**
 * Two members, two rounds of two epochs: in round 1, member 1 copies member 0's round 0 (trial 0)
 * with a larger lr; member 0 goes on. Trial 4 is of another search (no member attributes).
 */
const study: StudyData = {
  space: SPACE,
  direction: "minimize",
  metric: "val_loss",
  trials: [
    trial(0, { state: "complete", value: 0.5, params: { lr: 0.01, units: 32 }, intermediateValues: epochs(0, [0.8, 0.5]), userAttrs: { member: 0, round: 0, parent: null } }),
    trial(1, { state: "complete", value: 0.9, params: { lr: 0.05, units: 64 }, intermediateValues: epochs(0, [1.0, 0.9]), userAttrs: { member: 1, round: 0, parent: null } }),
    trial(2, { state: "complete", value: 0.4, params: { lr: 0.01, units: 32 }, intermediateValues: epochs(2, [0.45, 0.4]), userAttrs: { member: 0, round: 1, parent: null } }),
    trial(3, { state: "complete", value: 0.35, params: { lr: 0.012, units: 32 }, intermediateValues: epochs(2, [0.42, 0.35]), userAttrs: { member: 1, round: 1, parent: 0 } }),
    trial(4, { state: "complete", value: 0.7, params: { lr: 0.02, units: 16 }, intermediateValues: epochs(0, [0.7]) }),
  ],
};

describe("pbtPopulation", () => {
  it("groups member-rounds by member in round order and finds the parameters that changed during training", () => {
    const population = pbtPopulation(study);
    assert.deepEqual(population.members.map((rounds) => rounds.map((r) => r.trial)), [[0, 2], [1, 3]]);
    assert.equal(population.members[1]![1]!.parent, 0);
    assert.deepEqual(population.changing, ["lr", "units"], "member 1's lr and units changed at its copy; member 0's did not");
  });

  it("counts a member-round tried twice (interrupted, then resumed) by its last trial", () => {
    const interrupted = trial(5, { state: "failed", params: { lr: 0.01, units: 32 }, intermediateValues: epochs(4, [0.39]), userAttrs: { member: 0, round: 2, parent: null } });
    const retried = trial(6, { state: "complete", value: 0.3, params: { lr: 0.01, units: 32 }, intermediateValues: epochs(4, [0.33, 0.3]), userAttrs: { member: 0, round: 2, parent: null } });
    const population = pbtPopulation({ ...study, trials: [...study.trials, interrupted, retried] });
    assert.deepEqual(population.members[0]!.map((r) => r.trial), [0, 2, 6]);
  });
});

describe("the pbt figure kind", () => {
  it("is drawn by default for a PBT study only, and on request with a note when empty", () => {
    assert.ok(studyFigures(studyInfo(study, 0)).some((f) => f.name === "pbt"));
    const other = studyInfo({ ...study, trials: [study.trials[4]!] }, 0);
    assert.ok(!studyFigures(other).some((f) => f.name === "pbt"));
    assert.deepEqual(studyFigures(other, ["pbt"]).map((f) => [f.name, f.text]), [["pbt", "no PBT members"]]);
  });
});

describe("pbtPlot", () => {
  const figure = pbtPlot(studyInfo(study, 0));
  const traces = figure.figure.data as readonly Record<string, any>[];

  it("draws each member's metric over its epochs in the member's colour", () => {
    const members = traces.filter((t) => t.yaxis === undefined && /^member /.test(t.name));
    assert.deepEqual(members.map((t) => t.name), ["member 0", "member 1"]);
    assert.deepEqual(members[1]!.x, [1, 2, 3, 4]);
    assert.deepEqual(members[1]!.y, [1.0, 0.9, 0.42, 0.35]);
    assert.deepEqual(members.map((t) => t.line.color), [bracketColor(0), bracketColor(1)]);
  });

  it("marks each exploit event with a star at the copy's first epoch, joined to the copied round's last point", () => {
    const stars = traces.find((t) => t.name === "exploit")!;
    assert.deepEqual(stars.x, [3]);
    assert.deepEqual(stars.y, [0.42]);
    assert.match(stars.text[0], /member 1 copied trial 0 \(member 0\)/);
    const links = traces.find((t) => t.name === "copied from")!;
    assert.deepEqual(links.x, [2, 3, null]);
    assert.deepEqual(links.y, [0.5, 0.42, null]);
  });

  it("draws one schedule panel per changed parameter (log axis for a log parameter), as steps per member", () => {
    const lr = traces.filter((t) => t.yaxis === "y2");
    assert.equal(lr.length, 2);
    assert.deepEqual(lr[1]!.x, [1, 3, 4]);
    assert.deepEqual(lr[1]!.y, [0.05, 0.012, 0.012]);
    assert.equal(lr[1]!.line.shape, "hv");
    assert.equal((figure.figure.layout as any).yaxis2.type, "log");
    assert.equal((figure.figure.layout as any).yaxis2.title.text, "lr");
    assert.equal(traces.filter((t) => t.yaxis === "y3").length, 2);
    assert.match(figure.text, /member\s+rounds\s+copies\s+last value/);
    assert.match(figure.text, /1\s+2\s+1\s+0\.35\s+lr=0\.012 units=32/);
  });

  it("says so when the study has no PBT trial", () => {
    const empty = pbtPlot(studyInfo({ ...study, trials: [study.trials[4]!] }, 0));
    assert.equal(empty.figure.data.length, 0);
    assert.equal(empty.text, "no PBT members");
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BEST_ROW_COLOR,
  PlotlyEmbedding,
  historyPlot,
  importancePlot,
  intermediatePlot,
  liveFigure,
  logTicks,
  parallelCoordinates,
  renderStudy,
  slicesPlot,
  studyFigures,
  studyInfo,
  trialsTable,
  type PlotlyTrace,
} from "../../src/render";
import { SPACE, T0, sampleStudy, trial } from "./fixtures";

const NOW = T0 + 1e6;
const info30 = studyInfo(sampleStudy(30, { withRunning: true }), NOW);
const emptyInfo = studyInfo({ trials: [], space: SPACE, direction: "minimize", metric: "val_loss" }, NOW);

function trace(traces: readonly PlotlyTrace[], name: string): Record<string, unknown> {
  return (traces.find((t) => t.name === name) as Record<string, unknown>) ?? assert.fail(`no trace named ${name}`);
}

/** Every number in a JSON value. */
function numbersIn(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(numbersIn);
  return [];
}

describe("trialsTable", () => {
  const table = trialsTable(info30);
  const data = table.figure.data[0] as { type: string; header: { values: string[] }; cells: { values: string[][]; fill: { color: string[][] } } };

  it("is a Plotly table with one column per info column and one row per trial, by number", () => {
    assert.equal(data.type, "table");
    assert.equal(data.header.values.length, info30.table.columns.length);
    assert.deepEqual(data.header.values.slice(0, 3), ["<b>#</b>", "<b>state</b>", "<b>lr</b>"]);
    assert.deepEqual(data.cells.values[0], Array.from({ length: 30 }, (_, i) => String(i)));
    assert.equal(data.cells.values[1][3], "failed");
    assert.equal(data.cells.values[1][29], "running");
  });

  it("highlights exactly the best trial's row in every column", () => {
    const best = info30.best?.number as number;
    for (const column of data.cells.fill.color) {
      assert.deepEqual(column.flatMap((color, row) => (color === BEST_ROW_COLOR ? [row] : [])), [best]);
    }
  });

  it("carries raw sort keys (numbers as numbers, empty cells as null) and the state column", () => {
    const controls = table.table ?? assert.fail("no table controls");
    const lossColumn = info30.table.columns.findIndex((c) => c.key === "val_loss");
    assert.equal(typeof controls.sortKeys[lossColumn][0], "number");
    assert.equal(controls.sortKeys[lossColumn][3], null); // failed: no value
    assert.equal(controls.sortKeys[controls.stateColumn][5], "pruned");
  });

  it("escapes text that Plotly would read as markup", () => {
    const info = studyInfo(
      { trials: [trial(0, { state: "failed", error: "<b>bad</b> & worse" })], space: SPACE, direction: "minimize", metric: "val_loss" },
      NOW,
    );
    const cells = (trialsTable(info).figure.data[0] as { cells: { values: string[][] } }).cells.values;
    assert.equal(cells.at(-1)?.[0], "&lt;b&gt;bad&lt;/b&gt; &amp; worse");
  });
});

describe("historyPlot", () => {
  const { data } = historyPlot(info30).figure;

  it("plots complete values, the best-so-far step line, pruned and failed trials apart", () => {
    const complete = trace(data, "complete");
    assert.equal((complete.x as number[]).length, 26); // 30 − failed − 2 pruned − running
    const ys = trace(data, "best so far").y as number[];
    assert.ok(ys.every((y, i) => i === 0 || y <= ys[i - 1]), "best so far never rises when minimising");
    assert.deepEqual(trace(data, "pruned").x, [5, 11]);
    const best = info30.best?.number as number;
    assert.deepEqual(trace(data, `best (trial ${best})`).x, [best]);
    const failed = trace(data, "failed");
    assert.deepEqual(failed.x, [3]);
    assert.deepEqual(failed.customdata, ["objective returned NaN"]);
  });

  it("is a note, not an error, for an empty study", () => {
    const empty = historyPlot(emptyInfo).figure;
    assert.deepEqual(empty.data, []);
    assert.match(JSON.stringify(empty.layout), /no trials yet/);
  });
});

describe("slicesPlot", () => {
  const slices = slicesPlot(info30);
  const layout = slices.figure.layout as Record<string, Record<string, unknown>>;
  const traces = slices.figure.data as Record<string, unknown>[];
  const panelTraces = (axis: string) => traces.filter((t) => t.xaxis === axis);

  it("draws one panel per searched parameter in a grid of three columns, with log and category axes", () => {
    assert.equal(slices.name, "slices");
    assert.deepEqual(layout.grid, { rows: 2, columns: 3, pattern: "independent", xgap: 0.16, ygap: 0.32 });
    const titles = ["xaxis", "xaxis2", "xaxis3", "xaxis4", "xaxis5"].map((axis) => (layout[axis]!.title as { text: string }).text);
    assert.deepEqual(titles, ["lr", "units", "dropout", "activation", "batchSize"]);
    assert.equal(layout.xaxis!.type, "log");
    assert.equal(layout.xaxis!.minorloglabels, "none", "lr spans three decades: the powers of ten only");
    assert.equal(layout.xaxis2!.type, "log");
    assert.equal(layout.xaxis2!.minorloglabels, "complete", "units spans 1.2 decades: 20, 30 between powers of ten, not 2, 3");
    assert.equal(layout.xaxis3!.type, undefined);
    assert.equal(layout.xaxis4!.type, "category");
    assert.deepEqual(layout.xaxis4!.categoryarray, ["relu", "tanh", "elu"]);
    assert.deepEqual(layout.xaxis5!.categoryarray, ["16", "32", "64"]);
    assert.equal(layout.xaxis6, undefined);
    // The metric labels the first panel of each row; every panel's traces sit on its own axes.
    assert.deepEqual((layout.yaxis!.title as { text: string }).text, info30.metric);
    assert.deepEqual((layout.yaxis4!.title as { text: string }).text, info30.metric);
    assert.equal(layout.yaxis2!.title, undefined);
    for (const [axis, y] of [["x", "y"], ["x3", "y3"], ["x5", "y5"]]) {
      assert.ok(panelTraces(axis!).length >= 1 && panelTraces(axis!).every((t) => t.yaxis === y), `${axis} panel`);
    }
  });

  it("shares one colour scale and one pruned legend entry across the panels", () => {
    const complete = traces.filter((t) => t.name === "complete");
    assert.equal(complete.length, 5);
    const markers = complete.map((t) => t.marker as Record<string, unknown>);
    assert.deepEqual(markers.map((m) => m.showscale), [true, false, false, false, false]);
    assert.equal(new Set(markers.map((m) => m.cmax)).size, 1);
    const pruned = traces.filter((t) => t.name === "pruned");
    assert.equal(pruned.filter((t) => t.showlegend === true).length, 1);
    assert.equal(layout.showlegend as unknown, true);
  });

  it("has a text table per parameter, ordered by the parameter (categoricals in declared order)", () => {
    const sections = slices.text.split("\n\n");
    assert.equal(sections.length, 5);
    const firstColumn = (text: string) => text.split("\n").slice(3).map((line) => line.trim().split(/\s+/)[0]);
    const activations = firstColumn(sections[3]!);
    const rank = (a: string) => ["relu", "tanh", "elu"].indexOf(a);
    assert.deepEqual(activations, [...activations].sort((a, b) => rank(a!) - rank(b!)));
    assert.equal(activations.length, 28);
    const lrs = firstColumn(sections[0]!).map(Number);
    assert.deepEqual(lrs, [...lrs].sort((a, b) => a - b));
  });

  it("keeps raw values on log axes (Plotly takes logs itself) and marks pruned points", () => {
    const lr = panelTraces("x") as PlotlyTrace[];
    const xs = trace(lr, "complete").x as number[];
    assert.ok(xs.every((x) => x >= 1e-4 && x <= 1e-1));
    assert.equal((trace(lr, "pruned").x as number[]).length, 2);
  });

  it("is a note when no trial has a value yet", () => {
    const empty = slicesPlot(emptyInfo);
    assert.equal(empty.name, "slices");
    assert.equal(empty.figure.data.length, 0);
  });
});

describe("parallelCoordinates", () => {
  const dimensions = (parallelCoordinates(info30).figure.data[0] as { dimensions: Record<string, unknown>[] }).dimensions;

  it("has one axis per searched parameter and the metric last", () => {
    assert.deepEqual(dimensions.map((d) => d.label), ["lr (log)", "units (log)", "dropout", "activation", "batchSize", "val_loss"]);
  });

  it("puts log parameters in log10 with labels in original units", () => {
    const lr = dimensions[0];
    assert.deepEqual(lr.range, [-4, -1]);
    assert.ok((lr.values as number[]).every((v) => v >= -4 && v <= -1));
    assert.deepEqual(lr.tickvals, [-4, -3, -2, -1]);
    assert.deepEqual(lr.ticktext, ["1e-4", "0.001", "0.01", "0.1"]);
  });

  it("puts categoricals as choice indices with the choices as tick text", () => {
    const activation = dimensions[3];
    assert.deepEqual(activation.tickvals, [0, 1, 2]);
    assert.deepEqual(activation.ticktext, ["relu", "tanh", "elu"]);
    assert.ok((activation.values as number[]).every((v) => [0, 1, 2].includes(v)));
  });

  it("logTicks falls back to the ends when a range spans less than two powers of ten", () => {
    const ticks = logTicks(16, 256);
    assert.equal(ticks.tickvals.length, 3);
    assert.deepEqual(ticks.ticktext, ["16", "100", "256"]);
  });
});

describe("intermediatePlot, importancePlot, liveFigure", () => {
  it("draws every reported curve, pruned ones dashed and ending in a cross", () => {
    const { data } = intermediatePlot(info30).figure;
    assert.equal(data.length, info30.curves.length);
    const pruned = data.filter((t) => t.name === "pruned") as { line: { dash: string }; marker: { symbol: string[] } }[];
    assert.equal(pruned.length, 2);
    for (const t of pruned) {
      assert.equal(t.line.dash, "dash");
      assert.equal(t.marker.symbol.at(-1), "x");
    }
    assert.equal(data.filter((t) => t.showlegend === true).length, 3); // complete, pruned, running
  });

  it("ranks lr first in the importance chart (the fixture's loss depends on lr)", () => {
    const bar = importancePlot(info30).figure.data[0] as { y: string[]; x: number[] };
    assert.equal(bar.y.at(-1), "lr"); // drawn bottom-up: the last bar is on top
    assert.ok(bar.x.at(-1) as number > 0.5);
  });

  it("the live figure is the table titled with the progress line, plus the running trial's curve", () => {
    const live = liveFigure(info30).figure;
    assert.match((live.layout.title as { text: string }).text, /^29 of 30 trials done/);
    assert.deepEqual(live.data.map((t) => t.type), ["table", "scatter"]);
    const idle = liveFigure(studyInfo(sampleStudy(4), NOW)).figure;
    assert.deepEqual(idle.data.map((t) => t.type), ["table"]);
  });
});

describe("figure sizes and precision", () => {
  it("rounds every number to at most 6 significant digits", () => {
    for (const figure of studyFigures(info30)) {
      for (const n of numbersIn(figure.figure)) {
        assert.equal(n, Number(n.toPrecision(6)), `${figure.name} has ${n}`);
      }
    }
  });

  it("keeps every bundle after the first under 200 KB for 30 trials", () => {
    const embedding = new PlotlyEmbedding(() => ({ version: "test", source: "window.Plotly = {};", minified: true }));
    const bundles = renderStudy(sampleStudy(30), { embedding, now: NOW });
    assert.equal(bundles.length, 6); // table, history, parallel, slices, intermediate, importance
    for (const bundle of bundles.slice(1)) {
      const bytes = Buffer.byteLength(JSON.stringify(bundle));
      assert.ok(bytes < 200_000, `${bytes} bytes`);
    }
  });

  it("an empty study renders just the table; asking for a figure gives a note", () => {
    const embedding = new PlotlyEmbedding(() => ({ version: "test", source: "", minified: true }));
    const study = { trials: [], space: SPACE, direction: "minimize" as const, metric: "val_loss" };
    assert.equal(renderStudy(study, { embedding, now: NOW }).length, 1);
    assert.deepEqual(studyFigures(emptyInfo, ["importance", "parallel"]).map((f) => f.name), ["importance", "parallel"]);
    assert.throws(() => studyFigures(emptyInfo, ["pie" as never]), /unknown figure "pie"; expected one of trials, pareto, history/);
  });

  it("one complete trial gives the table, history, parallel coordinates and slices", () => {
    const one = studyInfo({ ...sampleStudy(1), plannedTrials: 1 }, NOW);
    assert.deepEqual(studyFigures(one).map((f) => f.name), [
      "trials", "history", "parallel", "slices", "intermediate",
    ]);
  });
});

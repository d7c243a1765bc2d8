import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  DEFAULT_CONFIG,
  PLOTLY_MIME,
  PlotlyEmbedding,
  figureBundle,
  historyPlot,
  libraryBundle,
  loadPlotlyLibrary,
  renderStudy,
  studyInfo,
  trialsTable,
  type PlotlyLibrary,
} from "../../src/render";
import { SPACE, T0, sampleStudy, trial } from "./fixtures";

const NOW = T0 + 1e6;
const LIBRARY_MARK = "/*FAKE-PLOTLY*/";
const fakeLibrary = (): PlotlyLibrary => ({ version: "9.9.9", source: `${LIBRARY_MARK} window.Plotly = {};`, minified: true });
const info = studyInfo(sampleStudy(12), NOW);

describe("figureBundle", () => {
  it("has the Plotly JSON ({data, layout, config}), HTML and plain text", () => {
    const bundle = figureBundle(historyPlot(info), { embedding: new PlotlyEmbedding(fakeLibrary), config: { scrollZoom: true } });
    assert.deepEqual(Object.keys(bundle).sort(), [PLOTLY_MIME, "text/html", "text/plain"].sort());
    const plotly = JSON.parse(JSON.stringify(bundle[PLOTLY_MIME])) as { data: unknown[]; layout: object; config: Record<string, unknown> };
    assert.ok(Array.isArray(plotly.data) && plotly.data.length > 0);
    assert.equal(typeof plotly.layout, "object");
    assert.deepEqual(plotly.config, { ...DEFAULT_CONFIG, scrollZoom: true });
    assert.match(bundle["text/plain"] as string, /best so far/);
  });

  it("embeds the library in the first HTML bundle only, until the embedding is reset", () => {
    const embedding = new PlotlyEmbedding(fakeLibrary);
    const html = () => figureBundle(historyPlot(info), { embedding })["text/html"] as string;
    assert.equal(embedding.isEmbedded, false);
    const first = html();
    const second = html();
    assert.equal(first.split(LIBRARY_MARK).length - 1, 1);
    assert.ok(first.indexOf(LIBRARY_MARK) < first.indexOf("Plotly.newPlot"), "library before the first figure's script");
    assert.ok(!second.includes(LIBRARY_MARK));
    assert.match(second, /window\.Plotly/); // the loader waits for it
    embedding.reset();
    assert.ok(html().includes(LIBRARY_MARK));
  });

  it("two sessions' embeddings are independent (no hidden global)", () => {
    const a = new PlotlyEmbedding(fakeLibrary);
    const b = new PlotlyEmbedding(fakeLibrary);
    figureBundle(historyPlot(info), { embedding: a });
    assert.ok((figureBundle(historyPlot(info), { embedding: b })["text/html"] as string).includes(LIBRARY_MARK));
  });

  it("gives each figure its own element id and adds sort controls to the table", () => {
    const embedding = new PlotlyEmbedding(fakeLibrary);
    const ids = [0, 1].map(() => /<div id="([^"]+)" class="tunelab-figure"/.exec(figureBundle(historyPlot(info), { embedding })["text/html"] as string)?.[1]);
    assert.notEqual(ids[0], ids[1]);
    const table = figureBundle(trialsTable(info), { embedding, elementId: "t1" })["text/html"] as string;
    assert.match(table, /<select id="t1-filter"><option value="">all<\/option><option value="complete">complete<\/option><option value="failed">failed<\/option><option value="pruned">pruned<\/option><\/select>/);
    assert.match(table, /function makeSortable/);
    assert.ok(!(figureBundle(historyPlot(info), { embedding })["text/html"] as string).includes("function makeSortable"));
  });

  it("keeps data from closing the script element early", () => {
    const hostile = studyInfo(
      { trials: [trial(0, { state: "complete", value: 1 })], space: SPACE, direction: "minimize", metric: "</script><script>alert(1)//" },
      NOW,
    );
    const html = figureBundle(historyPlot(hostile), { embedding: new PlotlyEmbedding(fakeLibrary) })["text/html"] as string;
    assert.equal(html.match(/<\/script>/gi)?.length, 2); // the library's and the figure's own
  });

  it("libraryBundle carries the library once, as an output of its own", () => {
    const embedding = new PlotlyEmbedding(fakeLibrary);
    const bundle = libraryBundle(embedding) ?? assert.fail("expected a library bundle");
    assert.ok((bundle["text/html"] as string).includes(LIBRARY_MARK));
    assert.equal(bundle["text/plain"], "");
    assert.equal(libraryBundle(embedding), undefined);
  });

  it("renderStudy puts the library in the first bundle of a session only", () => {
    const embedding = new PlotlyEmbedding(fakeLibrary);
    const bundles = renderStudy(sampleStudy(12), { embedding, now: NOW, figures: ["trials", "history"] });
    const again = renderStudy(sampleStudy(12), { embedding, now: NOW, figures: ["trials"] });
    assert.deepEqual([...bundles, ...again].map((b) => (b["text/html"] as string).includes(LIBRARY_MARK)), [true, false, false]);
  });
});

describe("loadPlotlyLibrary", () => {
  it("reads the installed plotly.js-dist-min bundle once, writing nothing", () => {
    const home = mkdtempSync(join(tmpdir(), "tunelab-render-"));
    const savedHome = process.env["HOME"];
    process.env["HOME"] = home;
    try {
      const library = loadPlotlyLibrary();
      assert.equal(library.minified, true);
      assert.match(library.version, /^4\./);
      assert.match(library.source, /window\.Plotly\s*=/, "defines window.Plotly");
      assert.ok(library.source.length < 6_000_000, `${library.source.length} characters`);
      assert.deepEqual(readdirSync(home), [], "no home-folder cache");
      assert.equal(loadPlotlyLibrary(), library); // memory cache
    } finally {
      if (savedHome === undefined) delete process.env["HOME"];
      else process.env["HOME"] = savedHome;
      rmSync(home, { recursive: true, force: true });
    }
  });
});

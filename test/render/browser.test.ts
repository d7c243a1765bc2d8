/**
 * The HTML bundles in a real browser (Debian's Chromium through playwright-core), with every
 * network request blocked to prove nothing comes from a CDN. Two pages:
 * - an nbconvert-like static export (outputs inlined in the page, scripts run while parsing);
 * - a classic-Notebook-like page, where each output's HTML is inserted into a detached element and
 *   its scripts are run by copying them into <head> before the element is attached (what jQuery's
 *   `.html()` does in Notebook 6), one output after another.
 * Checks that every figure drew, that a header click sorts the table (and a second click reverses
 * it), that the state filter works, and that hovering a point of the history shows its tooltip.
 * Screenshots go to test-artifacts/render-{export,notebook,all}*.png.
 */

import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { PlotlyEmbedding, figureBundle, historyPlot, liveFigure, studyFigures, studyInfo, trialsTable } from "../../src/render";
import { ARTIFACTS, clickHeader as clickTableHeader, launchChromium, offlinePage, shownNumbers as shownTableNumbers, type Browser, type Page } from "./browser-helpers";
import { sampleStudy } from "./fixtures";

const study = sampleStudy(30, { withRunning: false });
const info = studyInfo(study, study.trials[29].startedAt as number + 9000);
const valLossColumn = info.table.columns.findIndex((c) => c.key === "val_loss");
const bestNumber = info.best?.number as number;

/** Two outputs as a notebook would hold them: the table (carrying the library) and the history. */
function outputs(): string[] {
  const embedding = new PlotlyEmbedding();
  return [
    figureBundle(trialsTable(info), { embedding, elementId: "fig-table" }),
    figureBundle(historyPlot(info), { embedding, elementId: "fig-history" }),
  ].map((bundle) => bundle["text/html"] as string);
}

function staticPage(): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>export</title></head><body style="width:1000px">
${outputs().map((html) => `<div class="output">${html}</div>`).join("\n")}
</body></html>`;
}

function notebookLikePage(): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>notebook</title></head><body style="width:1000px">
<div id="notebook"></div>
<script>
var outputs = ${JSON.stringify(outputs()).replace(/</g, "\\u003c")};
outputs.forEach(function (html) {
  var area = document.createElement("div");
  area.className = "output_subarea";
  area.innerHTML = html;                       // scripts inserted this way do not run...
  area.querySelectorAll("script").forEach(function (old) {
    var script = document.createElement("script");
    script.text = old.text;                    // ...so run a copy, as jQuery's globalEval does,
    document.head.appendChild(script).parentNode.removeChild(script);
  });
  document.getElementById("notebook").appendChild(area); // before the output is attached
});
</script></body></html>`;
}

describe("HTML bundles in headless Chromium, offline", () => {
  let browser: Browser;
  const blocked: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  async function open(name: string, html: string, ids: readonly string[] = ["fig-table", "fig-history"]): Promise<Page> {
    const path = join(ARTIFACTS, `${name}.html`);
    writeFileSync(path, html);
    const page = await offlinePage(browser, ["file:", "data:"], blocked, pageErrors);
    await page.goto(pathToFileURL(path).href);
    await page.waitForFunction(
      `${JSON.stringify(ids)}.every((id) => document.querySelector("#" + id + " .main-svg"))`,
      undefined,
      { timeout: 30_000 },
    );
    return page;
  }

  const shownNumbers = (page: Page) => shownTableNumbers(page, "fig-table");
  const clickHeader = (page: Page, column: number) => clickTableHeader(page, "fig-table", column);

  for (const [name, page] of [
    ["render-export", staticPage],
    ["render-notebook", notebookLikePage],
  ] as const) {
    it(`${name}: draws both figures, sorts on header click, filters by state, shows tooltips`, async () => {
      const tab = await open(name, page());
      assert.deepEqual(await shownNumbers(tab), info.table.rows.map((r) => r.number).slice(0, (await shownNumbers(tab)).length));

      await clickHeader(tab, valLossColumn);
      await tab.waitForFunction(`document.getElementById("fig-table").getAttribute("data-sort") === "${valLossColumn}:asc"`);
      const ascending = await shownNumbers(tab);
      const byLoss = info.table.rows
        .filter((r) => r.value !== undefined)
        .sort((a, b) => (a.value as number) - (b.value as number))
        .map((r) => r.number);
      assert.equal(ascending[0], bestNumber);
      assert.deepEqual(ascending.slice(0, 5), byLoss.slice(0, 5));
      await tab.screenshot({ path: join(ARTIFACTS, `${name}-sorted.png`), fullPage: false });

      await clickHeader(tab, valLossColumn);
      await tab.waitForFunction(`document.getElementById("fig-table").getAttribute("data-sort") === "${valLossColumn}:desc"`);
      assert.deepEqual((await shownNumbers(tab)).slice(0, 3), [...byLoss].reverse().slice(0, 3));

      await tab.selectOption("#fig-table-filter", "pruned");
      await tab.waitForFunction(`document.querySelectorAll("#fig-table .y-column")[0] && document.getElementById("fig-table").data[0].cells.values[0].length === 2`);
      assert.deepEqual(
        [...(await shownNumbers(tab))].sort((a, b) => a - b),
        info.table.rows.filter((r) => r.state === "pruned").map((r) => r.number),
      );
      await tab.selectOption("#fig-table-filter", "");

      // Hover the highest complete point (a value that is not the best so far, so no line is near).
      const highest = info.history.filter((p) => p.state === "complete").sort((a, b) => (b.value as number) - (a.value as number))[0];
      const point = await tab.evaluate<{ x: number; y: number }>(`(() => {
        const rects = [...document.querySelectorAll("#fig-history .scatterlayer .trace:first-child .points path")]
          .map((p) => p.getBoundingClientRect()).sort((a, b) => a.y - b.y);
        return { x: rects[0].x + rects[0].width / 2, y: rects[0].y + rects[0].height / 2 };
      })()`);
      await tab.mouse.move(point.x, point.y);
      await tab.waitForFunction(`document.querySelector("#fig-history .hoverlayer .hovertext")`, undefined, { timeout: 5000 });
      const tooltip = await tab.evaluate<string>(`document.querySelector("#fig-history .hoverlayer").textContent`);
      assert.match(tooltip, new RegExp(`trial ${highest.number}(?!\\d)`));
      const shown = Number(/val_loss ([-\d.e]+)/.exec(tooltip)?.[1]);
      assert.ok(Math.abs(shown - (highest.value as number)) < 1e-3, `tooltip ${tooltip} should show ${highest.value}`);

      await tab.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
      assert.deepEqual(blocked, [], "no network request may leave the page");
      assert.deepEqual(pageErrors, []);
    });
  }

  it("render-all: every figure of a study, and the live view, draw without errors", async () => {
    const embedding = new PlotlyEmbedding();
    const running = sampleStudy(30, { withRunning: true });
    const figures = [
      ...studyFigures(info),
      { ...liveFigure(studyInfo(running, running.trials[29].startedAt as number + 3000)), name: "live" },
    ];
    const ids = figures.map((_, i) => `fig-${i}`);
    const body = figures
      .map((figure, i) => `<h3>${figure.name}</h3>` + (figureBundle(figure, { embedding, elementId: ids[i] })["text/html"] as string))
      .join("\n");
    const tab = await open("render-all", `<!doctype html><html><head><meta charset="utf-8"></head><body style="width:1000px">${body}</body></html>`, ids);
    const drawn = await tab.evaluate<number>(`document.querySelectorAll(".tunelab-figure .main-svg").length`);
    assert.ok(drawn >= figures.length, `${drawn} plots drawn for ${figures.length} figures`);
    await tab.screenshot({ path: join(ARTIFACTS, "render-all.png"), fullPage: true });
    assert.deepEqual(blocked, []);
    assert.deepEqual(pageErrors, []);
  });
});

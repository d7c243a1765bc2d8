/**
 * The `--html` export: a notebook run through the real kernel (with a real Plotly figure bundle
 * from src/render) is exported and opened in headless Chromium with every network request
 * blocked; plus MIME preference and library embedding on hand-made notebooks.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { notebookToHtml } from "../../src/run/html";
import type { Notebook, Output } from "../../src/run/notebook";
import { code, fixtureNotebook, kernelProcessesUnder, markdown, notebookOf, ROOT, runCli, scratchDir, writeFixture } from "./helpers";

/** The few playwright-core calls used here. */
interface Page {
  on(event: "pageerror", handler: (error: Error) => void): void;
  on(event: "console", handler: (message: { type(): string; text(): string }) => void): void;
  route(pattern: string, handler: (route: { request(): { url(): string }; abort(): Promise<void> }) => unknown): Promise<void>;
  setContent(html: string, options: { waitUntil: "load"; timeout: number }): Promise<void>;
  waitForFunction(fn: string, arg?: unknown, options?: { timeout: number }): Promise<unknown>;
  evaluate<T>(fn: string): Promise<T>;
}
interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

async function launchChromium(): Promise<Browser> {
  const playwright = require("playwright-core") as { chromium: { launch(options: Record<string, unknown>): Promise<Browser> } };
  return playwright.chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A cell that displays a real Plotly figure bundle made by src/render (library embedded). */
function plotlyCell(): ReturnType<typeof code> {
  const renderModule = path.join(ROOT, "dist", "src", "render", "index.js");
  return code(
    [
      `const render = require(${JSON.stringify(renderModule)});`,
      "const figure = {",
      '  name: "history",',
      '  figure: { data: [{ type: "scatter", mode: "lines+markers", x: [1, 2, 3], y: [0.9, 0.5, 0.3] }], layout: { title: { text: "loss by trial" }, height: 320 } },',
      '  text: "loss by trial",',
      "};",
      "display(render.figureBundle(figure, { embedding: new render.PlotlyEmbedding() }));",
    ].join("\n"),
  );
}

describe("tunelab run --html", () => {
  test("the export renders offline in Chromium: markdown, escaped code, outputs, the Plotly figure", async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const notebook = fixtureNotebook();
    notebook.cells.push(markdown("## Figure\n\n| a | b |\n|---|---|\n| 1 | 2 |"), plotlyCell());
    const input = writeFixture(dir, "report.ipynb", notebook);
    const htmlPath = path.join(dir, "report.html");
    const result = await runCli([input, "--allow-errors", "--html", htmlPath, "-q"], { tmp: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(kernelProcessesUnder(dir), []);
    const html = readFileSync(htmlPath, "utf8");

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const requested: string[] = [];
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console error: ${message.text()}`);
      });
      await page.route("**/*", (route) => {
        requested.push(route.request().url());
        return route.abort();
      });
      await page.setContent(html, { waitUntil: "load", timeout: 60_000 });
      await page.waitForFunction("document.querySelector('.tunelab-figure .main-svg') !== null", undefined, { timeout: 30_000 });
      const seen = await page.evaluate<Record<string, unknown>>(`(() => ({
        title: document.title,
        h1: document.querySelector("h1")?.textContent,
        tableCells: [...document.querySelectorAll(".cell.markdown table td")].map((td) => td.textContent),
        sources: [...document.querySelectorAll("pre.source")].map((pre) => pre.textContent),
        injected: window.injected === true,
        outputs: document.querySelector("main").innerText,
        updated: document.querySelector(".outputs i")?.textContent,
        error: document.querySelector("pre.error")?.textContent,
        traces: document.querySelectorAll(".tunelab-figure .scatterlayer .trace").length,
        points: document.querySelectorAll(".tunelab-figure .scatterlayer .point").length,
        figureTitle: document.querySelector(".tunelab-figure .gtitle")?.textContent,
      }))()`);
      assert.deepEqual(requested, [], "the page must not fetch anything");
      assert.deepEqual(problems, []);
      assert.equal(seen["title"], "Fixture notebook");
      assert.equal(seen["h1"], "Fixture notebook");
      assert.deepEqual(seen["tableCells"], ["1", "2"]);
      assert.ok((seen["sources"] as string[]).some((s) => s.includes('"<script>window.injected = true</script>"')), "code is shown as text");
      assert.equal(seen["injected"], false, "code in a source cell must not run");
      assert.match(String(seen["outputs"]), /rate 0\.1 label base sizes \[1\]/);
      assert.match(String(seen["outputs"]), /after the error 2/);
      assert.equal(seen["updated"], "done");
      assert.match(String(seen["error"]), /Error: deliberate failure 1/);
      assert.doesNotMatch(String(seen["error"]), /\u001b/);
      assert.equal(seen["traces"], 1);
      assert.equal(seen["points"], 3);
      assert.equal(seen["figureTitle"], "loss by trial");
    } finally {
      await browser.close();
    }
  });
});

describe("notebookToHtml", () => {
  const display = (data: Record<string, unknown>): Output => ({ output_type: "display_data", data, metadata: {} });
  const withOutputs = (outputs: Output[]): Notebook => {
    const notebook = notebookOf([code("x")]);
    const cell = notebook.cells[0]!;
    if (cell.cell_type === "code") cell.outputs = outputs;
    return notebook;
  };

  test("shows each output in its preferred MIME type, escaping text and stripping ANSI codes", () => {
    const html = notebookToHtml(
      withOutputs([
        display({ "image/png": "iVBORw0KGgo=\n", "text/plain": "<Figure>" }),
        display({ "text/markdown": "**strong**", "text/plain": "strong" }),
        display({ "text/plain": "a < b && c" }),
        { output_type: "stream", name: "stdout", text: "\u001b[31mred\u001b[0m <tag>" },
        { output_type: "error", ename: "TypeError", evalue: "x", traceback: ["\u001b[31mTypeError\u001b[0m: x"] },
      ]),
    );
    assert.match(html, /<img alt="" src="data:image\/png;base64,iVBORw0KGgo=">/);
    assert.doesNotMatch(html, /&lt;Figure&gt;/);
    assert.match(html, /<strong>strong<\/strong>/);
    assert.match(html, /<pre>a &lt; b &amp;&amp; c<\/pre>/);
    assert.match(html, /<pre class="output stream stdout">red &lt;tag&gt;<\/pre>/);
    assert.match(html, /<pre class="output error">TypeError: x<\/pre>/);
  });

  test("embeds plotly.js once in the head only when figures are present and no output carries it", () => {
    const figure = { "application/vnd.plotly.v1+json": { data: [], layout: {} }, "text/html": "<div id='f'></div>", "text/plain": "figure" };
    const without = notebookToHtml(withOutputs([display(figure)]));
    assert.match(without, /<head>[\s\S]*embedded by tunelab run[\s\S]*<\/head>/);
    assert.ok(without.length > 1_000_000, "the library itself is in the page");
    const carried = notebookToHtml(withOutputs([display({ ...figure, "text/html": "<script>/* plotly.js 4 (MIT), embedded by tunelab */</script>" })]));
    assert.doesNotMatch(carried, /embedded by tunelab run/);
    const plain = notebookToHtml(withOutputs([display({ "text/plain": "no figures" })]));
    assert.ok(plain.length < 10_000);
  });
});

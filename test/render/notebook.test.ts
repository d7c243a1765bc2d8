/**
 * The bundles in real Jupyter front ends, offline: a notebook holding a 30-trial study's
 * outputs (the library embedded once, in the first output of the first cell; the second cell's
 * figures rely on it) is
 * - exported with Debian's `jupyter nbconvert --to html` and opened in headless Chromium with every
 *   request blocked: every figure must draw;
 * - signed (trusted), served by Debian's classic Notebook 6 on localhost and opened with every
 *   request off localhost blocked: every figure must draw and a header click must sort the table.
 * Screenshots go to test-artifacts/render-nbconvert.png and render-classic-notebook.png.
 */

import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { LiveView, PlotlyEmbedding, renderStudy, studyInfo } from "../../src/render";
import type { MimeBundle } from "../../src/magic/types";
import { ARTIFACTS, JUPYTER, clickHeader, freePort, launchChromium, offlinePage, shownNumbers, waitForHttp, type Browser, type Page } from "./browser-helpers";
import { T0, sampleStudy } from "./fixtures";

const JUPYTER_PYTHON = "/usr/bin/python3"; // the interpreter of Debian's jupyter, which has nbformat

const study = sampleStudy(30);
const now = T0 + 400_000;
const info = studyInfo(study, now);

function notebookJson(bundles: readonly MimeBundle[]): string {
  const cell = (id: string, outputs: readonly MimeBundle[], count: number) => ({
    cell_type: "code",
    id,
    execution_count: count,
    metadata: {},
    source: `study  # cell ${count}`,
    outputs: outputs.map((data) => ({ output_type: "display_data", data, metadata: {} })),
  });
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
    cells: [cell("first", bundles.slice(0, 2), 1), cell("second", bundles.slice(2), 2)],
  });
}

/** Waits until `count` tunelab figures in the page have drawn their SVG. */
async function waitForFigures(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    `(() => { const figures = document.querySelectorAll(".tunelab-figure");
      return figures.length === ${count} && [...figures].every((f) => f.querySelector(".main-svg")); })()`,
    undefined,
    { timeout: 60_000 },
  );
}

describe("bundles in real Jupyter front ends, offline", () => {
  let dir: string;
  let notebookPath: string;
  let env: NodeJS.ProcessEnv;
  let bundles: MimeBundle[];
  let browser: Browser;
  let server: ChildProcess | undefined;
  let serverUrl: string | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tunelab-notebook-"));
    env = {
      ...process.env,
      JUPYTER_DATA_DIR: join(dir, "data"),
      JUPYTER_RUNTIME_DIR: join(dir, "runtime"),
      JUPYTER_CONFIG_DIR: join(dir, "config"),
      IPYTHONDIR: join(dir, "ipython"),
    };
    bundles = renderStudy(study, { embedding: new PlotlyEmbedding(), now });
    notebookPath = join(dir, "study.ipynb");
    writeFileSync(notebookPath, notebookJson(bundles));
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });

  /** Starts the classic Notebook server on a free port (once) and returns its base URL. */
  async function startServer(): Promise<string> {
    if (serverUrl !== undefined) return serverUrl;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = spawn(
      JUPYTER,
      ["notebook", "--no-browser", "--allow-root", `--port=${port}`, "--ip=127.0.0.1", "--NotebookApp.token=", "--NotebookApp.password=", `--notebook-dir=${dir}`],
      { env, stdio: "ignore" },
    );
    await waitForHttp(`${base}/api`, 30_000);
    serverUrl = base;
    return base;
  }

  after(async () => {
    await browser?.close();
    if (server !== undefined && server.exitCode === null) {
      const exited = new Promise((r) => server?.once("exit", r));
      server.kill("SIGTERM"); // the Notebook shuts its kernels down on SIGTERM
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (server.exitCode === null) server.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("a saved 30-trial notebook of every figure stays under 6 MB", () => {
    const bytes = statSync(notebookPath).size;
    assert.equal(bundles.length, 6); // table, history, parallel, slices, intermediate, importance
    assert.ok(bytes < 6_000_000, `${bytes} bytes`);
  });

  it("nbconvert's HTML export draws every figure with the network cut off", async () => {
    const result = spawnSync(JUPYTER, ["nbconvert", "--to", "html", "--output-dir", dir, notebookPath], { env, encoding: "utf8" });
    assert.equal(result.status, 0, `nbconvert failed: ${result.stderr}`);
    const blocked: string[] = [];
    const errors: string[] = [];
    const page = await offlinePage(browser, ["file:", "data:"], blocked, errors);
    await page.goto(pathToFileURL(join(dir, "study.html")).href);
    await waitForFigures(page, bundles.length);
    await page.screenshot({ path: join(ARTIFACTS, "render-nbconvert.png"), fullPage: false });
    assert.deepEqual(blocked.filter((url) => /plotly/i.test(url)), []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("the classic Notebook draws every figure of a trusted notebook offline, and the table sorts", async () => {
    const sign = spawnSync(
      JUPYTER_PYTHON,
      ["-c", "import sys, nbformat; from nbformat.sign import NotebookNotary as N; nb = nbformat.read(sys.argv[1], 4); N().sign(nb)", notebookPath],
      { env, encoding: "utf8" },
    );
    assert.equal(sign.status, 0, `signing the notebook failed: ${sign.stderr}`);
    const base = await startServer();
    const blocked: string[] = [];
    const errors: string[] = [];
    const page = await offlinePage(browser, [base], blocked, errors);
    await page.goto(`${base}/notebooks/study.ipynb`);
    await waitForFigures(page, bundles.length);
    const tableId = await page.evaluate<string>(`document.querySelector(".tunelab-figure").id`);
    const lossColumn = info.table.columns.findIndex((c) => c.key === "val_loss");
    await clickHeader(page, tableId, lossColumn);
    await page.waitForFunction(`document.getElementById("${tableId}").getAttribute("data-sort") === "${lossColumn}:asc"`);
    assert.equal((await shownNumbers(page, tableId))[0], info.best?.number);
    await page.screenshot({ path: join(ARTIFACTS, "render-classic-notebook.png"), fullPage: false });
    assert.deepEqual(blocked.filter((url) => /plotly/i.test(url)), []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("the classic Notebook shows the live view as one output updated in place, the library output apart", async () => {
    writeFileSync(join(dir, "live.ipynb"), notebookJson([])); // two empty cells
    const messages: { type: "display_data" | "update_display_data"; data: MimeBundle; displayId?: string }[] = [];
    const view = new LiveView({
      output: {
        display: (data, options) => messages.push({ type: "display_data", data, ...(options?.displayId === undefined ? {} : { displayId: options.displayId }) }),
        updateDisplay: (displayId, data) => messages.push({ type: "update_display_data", data, displayId }),
      },
      embedding: new PlotlyEmbedding(),
      intervalMs: 0, // show every state; throttling is unit-tested with a fake clock
      clock: { now: () => now, setTimer: () => assert.fail("no timer expected"), clearTimer: () => undefined },
    });
    for (const count of [5, 15, 30]) view.update({ ...sampleStudy(count, { withRunning: true }), plannedTrials: 30 });
    view.finish(sampleStudy(30));
    assert.deepEqual(messages.map((m) => m.type), ["display_data", "display_data", "update_display_data", "update_display_data", "update_display_data"]);

    const base = await startServer();
    const blocked: string[] = [];
    const errors: string[] = [];
    const page = await offlinePage(browser, [base], blocked, errors);
    await page.goto(`${base}/notebooks/live.ipynb`);
    await page.waitForFunction(`window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded`, undefined, { timeout: 30_000 });
    assert.equal(await page.evaluate<string>(`typeof window.Plotly`), "undefined");
    // Running a cell first clears its outputs (which also marks them trusted), then the kernel's
    // iopub messages reach the cell's output area.
    await page.evaluate(`Jupyter.notebook.get_cell(0).output_area.clear_output(false)`);
    for (const message of messages) {
      await page.evaluate(`Jupyter.notebook.get_cell(0).output_area.handle_output(${JSON.stringify({
        header: { msg_type: message.type },
        content: { data: message.data, metadata: {}, transient: message.displayId === undefined ? {} : { display_id: message.displayId } },
      }).replace(/</g, "\\u003c")})`);
    }
    await page.waitForFunction(
      `(() => { const title = document.querySelector(".tunelab-figure .gtitle");
        return title !== null && title.textContent.startsWith("30 of 30 trials done"); })()`,
      undefined,
      { timeout: 60_000 },
    );
    const outputs = await page.evaluate<number>(`Jupyter.notebook.get_cell(0).output_area.outputs.length`);
    assert.equal(outputs, 2, "the library output and the live output");
    assert.equal(await page.evaluate<number>(`document.querySelectorAll(".tunelab-figure").length`), 1);
    await page.screenshot({ path: join(ARTIFACTS, "render-classic-live.png"), fullPage: false });
    assert.deepEqual(blocked.filter((url) => /plotly/i.test(url)), []);
    assert.deepEqual(errors, []);
    await page.close();
  });
});

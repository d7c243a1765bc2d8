/**
 * Shared pieces of the render browser tests: launching Debian's Chromium through playwright-core,
 * blocking the network, and reading / clicking the drawn trials table.
 */

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { resolve } from "node:path";

/** Where screenshots and pages go (tests run from the repository root). */
export const ARTIFACTS = resolve("test-artifacts");
export const CHROMIUM = "/usr/bin/chromium";

/** The few playwright-core calls used here (typed locally: the package is a dev-only install). */
export interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export interface Route {
  request(): { url(): string };
  abort(): Promise<void>;
  continue(): Promise<void>;
}

export interface Page {
  on(event: "pageerror", handler: (error: Error) => void): void;
  route(pattern: string, handler: (route: Route) => unknown): Promise<void>;
  goto(url: string): Promise<unknown>;
  waitForFunction(fn: string, arg?: unknown, options?: { timeout: number }): Promise<unknown>;
  evaluate<T>(fn: string): Promise<T>;
  mouse: { click(x: number, y: number): Promise<void>; move(x: number, y: number): Promise<void> };
  selectOption(selector: string, value: string): Promise<unknown>;
  screenshot(options: { path: string; fullPage: boolean; clip?: { x: number; y: number; width: number; height: number } }): Promise<unknown>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  close(): Promise<void>;
}

/** Starts headless Chromium; fails with a clear message when playwright-core is missing. */
export async function launchChromium(): Promise<Browser> {
  const name = "playwright-core";
  let playwright: { chromium: { launch(options: Record<string, unknown>): Promise<Browser> } };
  try {
    playwright = require(name);
  } catch {
    throw new Error("playwright-core is not installed; run `npm install --no-save playwright-core` (or add it to devDependencies)");
  }
  return playwright.chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/**
 * A new page whose requests are aborted unless their URL starts with one of `allowed`; aborted
 * URLs are pushed to `blocked` and uncaught page errors to `errors`.
 */
export async function offlinePage(
  browser: Browser,
  allowed: readonly string[],
  blocked: string[],
  errors: string[],
): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (allowed.some((prefix) => url.startsWith(prefix))) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  return page;
}

/** The trial numbers in the order the table in element `tableId` shows them (from the drawn SVG). */
export async function shownNumbers(page: Page, tableId: string): Promise<number[]> {
  return page.evaluate<number[]>(`(() => {
    const column = [...document.querySelectorAll("#${tableId} .y-column")].find((c) => c.__data__.specIndex === 0);
    const block = [...column.querySelectorAll(".column-block")].find((b) => b.id !== "header" && b.__data__.page === 0);
    return [...block.querySelectorAll(".column-cell")]
      .sort((a, b) => a.__data__.key - b.__data__.key)
      .map((cell) => Number(cell.textContent));
  })()`);
}

/** Clicks (with the mouse, at its centre) the header of column `column` of a drawn table. */
export async function clickHeader(page: Page, tableId: string, column: number): Promise<void> {
  const box = await page.evaluate<{ x: number; y: number; width: number; height: number }>(`(() => {
    const column = [...document.querySelectorAll("#${tableId} .y-column")].find((c) => c.__data__.specIndex === ${column});
    const cell = column.querySelector(".column-block#header .column-cell");
    cell.scrollIntoView({ block: "center" });
    const r = cell.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height };
  })()`);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

/** Debian's Jupyter (classic Notebook 6 and nbconvert), never one from a virtualenv on PATH. */
export const JUPYTER = "/usr/bin/jupyter";

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolvePort(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Waits until `url` answers with a 2xx status, or fails after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url, { headers })).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the Notebook server did not answer at ${url} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A running classic Notebook server. */
export interface ClassicNotebook {
  /** Base URL, e.g. `http://127.0.0.1:8888`. */
  readonly url: string;
  /** The access token (append `?token=` to the first page opened). */
  readonly token: string;
  /** Stops the server (SIGTERM, which shuts its kernels down; SIGKILL to its process group after 10 s). */
  stop(): Promise<void>;
}

/**
 * Starts Debian's classic Notebook on 127.0.0.1 at a free port, serving `notebookDir`, with a random
 * token and no browser. `env` should point JUPYTER_DATA_DIR / _RUNTIME_DIR / _CONFIG_DIR at
 * temporary directories. The server runs in a process group of its own, so `stop()` also ends
 * kernels that outlive it.
 */
export async function startClassicNotebook(notebookDir: string, env: NodeJS.ProcessEnv): Promise<ClassicNotebook> {
  const port = await freePort();
  const token = randomBytes(24).toString("hex");
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(
    JUPYTER,
    ["notebook", "--no-browser", "--allow-root", `--port=${port}`, "--ip=127.0.0.1", `--NotebookApp.token=${token}`, "--NotebookApp.password=", `--notebook-dir=${notebookDir}`],
    { env, stdio: "ignore", detached: true },
  );
  const exited = new Promise<void>((r) => server.once("exit", () => r()));
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (server.pid !== undefined) process.kill(-server.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  const stop = async (): Promise<void> => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill("SIGTERM"); // the Notebook shuts its kernels down on SIGTERM
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    signalGroup("SIGKILL");
  };
  try {
    await waitForHttp(`${url}/api/status`, 30_000, { Authorization: `token ${token}` });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, token, stop };
}


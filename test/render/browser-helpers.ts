/**
 * Shared pieces of the render browser tests: launching Debian's Chromium through playwright-core,
 * blocking the network, and reading / clicking the drawn trials table.
 */

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
  screenshot(options: { path: string; fullPage: boolean }): Promise<unknown>;
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

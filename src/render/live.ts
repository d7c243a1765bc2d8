/**
 * A live view of a running study: one output, updated in place, showing the progress line, the
 * trials table and the running trial's learning curve. Updates are throttled to at most one per
 * `intervalMs`, and further when showing costs more: the view measures what building and sending
 * its output took and spaces updates so that this stays under `timeShare` of the wall time (a long
 * search's table grows, a kernel's send costs more than a test's). The latest state is never lost
 * (a timer shows it when the gap has passed), and {@link LiveView.finish} shows the final state at once.
 */

import { randomUUID } from "node:crypto";
import type { MagicContext } from "../magic/types";
import { figureBundle, libraryBundle, type PlotlyEmbedding } from "./bundle";
import { liveFigure } from "./live-figure";
import { studyInfo, type StudyData } from "./info";

/** The clock and timers the view uses (inject a fake one in tests). */
export interface LiveClock {
  now(): number;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** The real clock: `Date.now` and `setTimeout`. */
export const systemClock: LiveClock = {
  now: () => Date.now(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Where the view sends its outputs: the kernel's display functions. */
export type LiveDisplay = Pick<MagicContext, "display" | "updateDisplay">;

/** Options of a {@link LiveView}. */
export interface LiveViewOptions {
  readonly output: LiveDisplay;
  readonly embedding: PlotlyEmbedding;
  /** Shortest time between two shown states (default 1000 ms). */
  readonly intervalMs?: number;
  /**
   * Largest share of wall time spent building and sending the live output, in (0, 1] (default
   * {@link DEFAULT_LIVE_TIME_SHARE}): after a show that cost c ms, the next comes no sooner than
   * max(intervalMs, c / timeShare) ms after it started.
   */
  readonly timeShare?: number;
  readonly clock?: LiveClock;
  /** The display id of the updated output (default: a random one). */
  readonly displayId?: string;
}

/** Default shortest time between two updates of the live output. */
export const DEFAULT_LIVE_INTERVAL_MS = 1000;

/** Default largest share of wall time the live output may take (issue 13: overhead under 2 %). */
export const DEFAULT_LIVE_TIME_SHARE = 0.01;

/**
 * One live output for one search. Call {@link LiveView.update} whenever a trial changes and
 * {@link LiveView.finish} once at the end.
 *
 * When the session has not embedded plotly.js yet, the first update displays it as an output of
 * its own (never updated, so it stays in the saved notebook). That output belongs to the cell: if
 * the cell's outputs are cleared (`clear_output`), call `embedding.reset()` so that the next
 * figure carries the library again.
 */
export class LiveView {
  /** The display id of the live output. */
  readonly displayId: string;
  private readonly intervalMs: number;
  private readonly timeShare: number;
  /** The current shortest time between two shown states: intervalMs, or more when showing is costly. */
  private gapMs: number;
  private readonly clock: LiveClock;
  private lastShownAt: number | undefined;
  private pending: StudyData | undefined;
  private timer: unknown;
  private hasTimer = false;
  private shownCount = 0;
  private showingMs = 0;
  private finished = false;

  constructor(private readonly options: LiveViewOptions) {
    const interval = options.intervalMs ?? DEFAULT_LIVE_INTERVAL_MS;
    if (!(Number.isFinite(interval) && interval >= 0)) {
      throw new Error(`live view: intervalMs must be a finite number ≥ 0, got ${interval}`);
    }
    const share = options.timeShare ?? DEFAULT_LIVE_TIME_SHARE;
    if (!(share > 0 && share <= 1)) {
      throw new Error(`live view: timeShare must be a share of the wall time in (0, 1], got ${share}`);
    }
    this.intervalMs = interval;
    this.timeShare = share;
    this.gapMs = interval;
    this.clock = options.clock ?? systemClock;
    this.displayId = options.displayId ?? `tunelab-live-${randomUUID()}`;
  }

  /** The current shortest time between two shown states (ms): at least `intervalMs`. */
  get gap(): number {
    return this.gapMs;
  }

  /** Time spent building and sending states so far (ms), the library's one output included. */
  get spentMs(): number {
    return this.showingMs;
  }

  /** How many states have been sent to the front end. */
  get shown(): number {
    return this.shownCount;
  }

  /**
   * Shows `study` now if the last update is at least {@link LiveView.gap} old, else keeps it and
   * shows the latest kept state when the gap has passed. Ignored after {@link LiveView.finish}.
   */
  update(study: StudyData): void {
    if (this.finished) return;
    const now = this.clock.now();
    if (this.lastShownAt === undefined || now - this.lastShownAt >= this.gapMs) {
      // A kept state is older than this one: drop it, or a timer firing late (the event loop
      // busy training) would show it after this one and the table would shrink.
      this.cancelTimer();
      this.pending = undefined;
      this.show(study);
      return;
    }
    this.pending = study;
    if (!this.hasTimer) {
      this.hasTimer = true;
      this.timer = this.clock.setTimer(() => this.flushPending(), this.lastShownAt + this.gapMs - now);
    }
  }

  /** Shows the final state at once (cancelling any pending update); later updates are ignored. */
  finish(study: StudyData): void {
    if (this.finished) return;
    this.cancelTimer();
    this.pending = undefined;
    this.show(study);
    this.finished = true;
  }

  private flushPending(): void {
    this.hasTimer = false;
    const study = this.pending;
    this.pending = undefined;
    if (study !== undefined && !this.finished) this.show(study);
  }

  private cancelTimer(): void {
    if (this.hasTimer) this.clock.clearTimer(this.timer);
    this.hasTimer = false;
  }

  private show(study: StudyData): void {
    const now = this.clock.now();
    if (this.shownCount === 0) {
      // The library goes in an output of its own that is never replaced, so it stays in the
      // saved notebook whatever the live output becomes. Sent once, so it does not space the
      // updates (it counts in spentMs).
      const library = libraryBundle(this.options.embedding);
      if (library !== undefined) this.options.output.display(library);
    }
    const start = this.clock.now();
    const bundle = figureBundle(liveFigure(studyInfo(study, now)), {
      embedding: this.options.embedding,
      withoutLibrary: true,
    });
    if (this.shownCount === 0) {
      this.options.output.display(bundle, { displayId: this.displayId });
    } else {
      this.options.output.updateDisplay(this.displayId, bundle);
    }
    // c = the cost of building and sending this state; spacing shows c / timeShare apart keeps
    // their share of the wall time at most timeShare.
    const cost = this.clock.now() - start;
    this.gapMs = Math.max(this.intervalMs, cost / this.timeShare);
    this.showingMs += this.clock.now() - now;
    this.lastShownAt = now;
    this.shownCount += 1;
  }
}

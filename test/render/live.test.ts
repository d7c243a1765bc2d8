import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LiveView, PLOTLY_MIME, PlotlyEmbedding, type LiveClock, type StudyData } from "../../src/render";
import type { MimeBundle } from "../../src/magic/types";
import { T0, sampleStudy } from "./fixtures";

/** A clock whose time moves only when told, with timers that fire as it passes them. */
class FakeClock implements LiveClock {
  time = T0;
  private timers: { at: number; callback: () => void; id: number }[] = [];
  private nextId = 1;
  now(): number {
    return this.time;
  }
  setTimer(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, callback, id });
    return id;
  }
  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  get pendingTimers(): number {
    return this.timers.length;
  }
  /** Moves time on without firing timers, as when the event loop is busy (training a model). */
  jump(ms: number): void {
    this.time += ms;
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.callback();
    }
    this.time = until;
  }
}

/** Records display calls like the kernel's MagicContext would send them. */
class Outputs {
  readonly calls: { kind: "display" | "update"; id?: string; bundle: MimeBundle }[] = [];
  display(bundle: MimeBundle, options?: { displayId?: string }): void {
    this.calls.push({ kind: "display", bundle, ...(options?.displayId === undefined ? {} : { id: options.displayId }) });
  }
  updateDisplay(displayId: string, bundle: MimeBundle): void {
    this.calls.push({ kind: "update", id: displayId, bundle });
  }
  titles(): string[] {
    return this.calls
      .filter((c) => c.bundle[PLOTLY_MIME] !== undefined)
      .map((c) => ((c.bundle[PLOTLY_MIME] as { layout: { title: { text: string } } }).layout.title.text));
  }
}

const LIBRARY = "/*LIB*/";
function setUp(intervalMs?: number) {
  const clock = new FakeClock();
  const output = new Outputs();
  const embedding = new PlotlyEmbedding(() => ({ version: "x", source: LIBRARY, minified: true }));
  const view = new LiveView({ output, embedding, clock, displayId: "live-1", ...(intervalMs === undefined ? {} : { intervalMs }) });
  return { clock, output, embedding, view };
}

/** The first `count` trials of a 30-trial study, the last of them running. */
function stateAfter(count: number): StudyData {
  const full = sampleStudy(count, { withRunning: true });
  return { ...full, plannedTrials: 30 };
}

describe("LiveView", () => {
  it("shows the first state at once: the library as its own output, then the live output with a display id", () => {
    const { output, view, embedding } = setUp();
    view.update(stateAfter(2));
    assert.deepEqual(output.calls.map((c) => [c.kind, c.id]), [["display", undefined], ["display", "live-1"]]);
    assert.ok((output.calls[0].bundle["text/html"] as string).includes(LIBRARY));
    assert.ok(!(output.calls[1].bundle["text/html"] as string).includes(LIBRARY));
    assert.ok(embedding.isEmbedded);
    assert.match(output.calls[1].bundle["text/plain"] as string, /^1 of 30 trials done/);
  });

  it("does not show the library again when the session already embedded it", () => {
    const { output, view, embedding } = setUp();
    embedding.takeLibraryScript();
    view.update(stateAfter(2));
    assert.deepEqual(output.calls.map((c) => c.kind), ["display"]);
  });

  it("shows at most one state per interval, and the latest one when the interval has passed", () => {
    const { clock, output, view } = setUp(1000);
    view.update(stateAfter(1)); // shown at t=0
    for (let k = 7; k <= 11; k++) {
      clock.advance(150);
      view.update(stateAfter(k)); // t = 150 … 750: kept, not shown
    }
    assert.equal(view.shown, 1);
    assert.equal(clock.pendingTimers, 1);
    clock.advance(249); // t = 999
    assert.equal(view.shown, 1);
    clock.advance(1); // t = 1000: the timer shows the latest kept state
    assert.equal(view.shown, 2);
    assert.deepEqual(output.calls.slice(-1).map((c) => [c.kind, c.id]), [["update", "live-1"]]);
    assert.match(output.titles().at(-1) as string, /^10 of 30 trials done · .* 1 running/); // 11 trials, the last running
    clock.advance(5000);
    assert.equal(view.shown, 2, "nothing new to show");
    view.update(stateAfter(12)); // more than an interval since the last one: shown at once
    assert.equal(view.shown, 3);
  });

  it("never shows an older state after a newer one, even when a kept state's timer fires late", () => {
    const { clock, output, view } = setUp(1000);
    view.update(stateAfter(1)); // shown at t=0
    clock.jump(100);
    view.update(stateAfter(5)); // kept; its timer is due at t=1000
    clock.jump(1400); // the event loop was busy training: the timer has not fired yet
    view.update(stateAfter(9)); // more than an interval since the last one: shown at once
    clock.advance(0); // the loop is free again; the stale timer must not show trial 5's state
    clock.advance(5000);
    assert.equal(view.shown, 2);
    assert.equal(clock.pendingTimers, 0);
    assert.match(output.titles().at(-1) as string, /^8 of 30 trials done/);
  });

  it("finish shows the final state at once, cancels the pending one, and ignores later updates", () => {
    const { clock, output, view } = setUp(1000);
    view.update(stateAfter(1));
    clock.advance(100);
    view.update(stateAfter(2));
    const final: StudyData = { ...sampleStudy(3), plannedTrials: 3 };
    view.finish(final);
    assert.equal(view.shown, 2);
    assert.equal(clock.pendingTimers, 0);
    assert.match(output.titles().at(-1) as string, /^3 of 3 trials done/);
    view.update(stateAfter(4));
    view.finish(stateAfter(4));
    clock.advance(5000);
    assert.equal(view.shown, 2);
  });

  it("includes the running trial's learning curve while it reports", () => {
    const { output, view } = setUp();
    view.update(stateAfter(3));
    const live = output.calls.at(-1)?.bundle[PLOTLY_MIME] as { data: { type: string }[] };
    assert.deepEqual(live.data.map((t) => t.type), ["table", "scatter"]);
  });

  it("rejects a bad interval", () => {
    assert.throws(() => setUp(-5), /intervalMs must be a finite number ≥ 0, got -5/);
  });
});

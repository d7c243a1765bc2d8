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
    this.time = Math.max(this.time, until); // a callback may have spent time (a costly send)
  }
}

/** Records display calls like the kernel's MagicContext would send them. */
class Outputs {
  readonly calls: { kind: "display" | "update"; id?: string; bundle: MimeBundle }[] = [];
  /** When set, each call takes this long on the clock (a kernel serialising and sending). */
  sendCost: { clock: FakeClock; ms: number } | undefined;
  display(bundle: MimeBundle, options?: { displayId?: string }): void {
    this.spend();
    this.calls.push({ kind: "display", bundle, ...(options?.displayId === undefined ? {} : { id: options.displayId }) });
  }
  updateDisplay(displayId: string, bundle: MimeBundle): void {
    this.spend();
    this.calls.push({ kind: "update", id: displayId, bundle });
  }
  private spend(): void {
    if (this.sendCost !== undefined) this.sendCost.clock.jump(this.sendCost.ms);
  }
  titles(): string[] {
    return this.calls
      .filter((c) => c.bundle[PLOTLY_MIME] !== undefined)
      .map((c) => ((c.bundle[PLOTLY_MIME] as { layout: { title: { text: string } } }).layout.title.text));
  }
}

const LIBRARY = "/*LIB*/";
function setUp(intervalMs?: number, timeShare?: number) {
  const clock = new FakeClock();
  const output = new Outputs();
  const embedding = new PlotlyEmbedding(() => ({ version: "x", source: LIBRARY, minified: true }));
  const view = new LiveView({
    output,
    embedding,
    clock,
    displayId: "live-1",
    ...(intervalMs === undefined ? {} : { intervalMs }),
    ...(timeShare === undefined ? {} : { timeShare }),
  });
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

  it("spaces updates so that showing stays under its share of the wall time when sending is costly", () => {
    const { clock, output, view } = setUp(1000, 0.01);
    output.sendCost = { clock, ms: 30 }; // each display or update takes 30 ms
    view.update(stateAfter(1)); // the library (not counted) and the first state: 30 ms of showing
    assert.equal(view.gap, 3000, "30 ms / 1 % = 3 s between shows");
    assert.equal(view.spentMs, 60, "the library's output and the first state");
    clock.advance(1000);
    view.update(stateAfter(4)); // the base interval has passed, the costly gap has not: kept
    assert.equal(view.shown, 1);
    clock.advance(T0 + 2999 - clock.now());
    assert.equal(view.shown, 1);
    clock.advance(1); // 3 s after the first show started: the kept state is shown
    assert.equal(view.shown, 2);
    assert.match(output.titles().at(-1) as string, /^4 of 30 trials done/, "the kept state (trials 0–3 finished, 4 running), not the first");
    // Over a long search, showing takes at most its share of the time.
    const start = clock.now();
    for (let t = 0; t < 600; t++) {
      clock.advance(100);
      view.update(stateAfter(5 + (t % 20)));
    }
    const showing = (view.shown - 2) * 30;
    assert.ok(showing <= 0.01 * (clock.now() - start) + 30, `${showing} ms of showing in ${clock.now() - start} ms`);
    assert.ok(view.shown - 2 >= 15, `still updated every 3 s or so, got ${view.shown - 2} shows in 60 s`);
  });

  it("goes back to the base interval when showing becomes cheap again", () => {
    const { clock, output, view } = setUp(1000, 0.01);
    output.sendCost = { clock, ms: 30 };
    view.update(stateAfter(1));
    assert.equal(view.gap, 3000);
    output.sendCost = undefined;
    clock.advance(3000);
    view.update(stateAfter(2));
    assert.equal(view.shown, 2);
    assert.equal(view.gap, 1000);
  });

  it("rejects a bad interval or time share", () => {
    assert.throws(() => setUp(-5), /intervalMs must be a finite number ≥ 0, got -5/);
    assert.throws(() => setUp(1000, 0), /timeShare must be a share of the wall time in \(0, 1\], got 0/);
    assert.throws(() => setUp(1000, 1.5), /timeShare must be a share of the wall time in \(0, 1\], got 1.5/);
  });
});

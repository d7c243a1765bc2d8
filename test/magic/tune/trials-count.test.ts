/** `--trials` with a journal counts the study's finished trials by the engine's rule: complete or pruned, as with PostgreSQL. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDefaultRegistry, runCell } from "../../../src/magic";
import { PlotlyEmbedding } from "../../../src/render";
import { NotebookStudy, registerTuneMagics } from "../../../src/magic/tune";
import { FakeContext } from "../fake-context";

test("with a journal, --trials counts complete and pruned trials, not failed ones (as with PostgreSQL)", async () => {
  const storage = join(mkdtempSync(join(tmpdir(), "tunelab-tune-")), "study.jsonl");
  const registry = createDefaultRegistry();
  registerTuneMagics(registry, { embedding: new PlotlyEmbedding(() => ({ source: "window.Plotly={};", version: "test", minified: true })), liveIntervalMs: 0 });
  const context = new FakeContext();
  let calls = 0;
  context.assign("f", (p: Record<string, number>) => {
    calls++;
    if (calls % 3 === 0) throw new Error("flaky");
    return (p["x"]! - 1) ** 2;
  });
  const cell = `%%tune --objective f --strategy random --trials 5 --seed 2 --storage ${storage} --name flaky --no-live\nx: uniform(-3, 3)`;
  await runCell(cell, { registry, context });
  const study = context.lookup("study") as NotebookStudy;
  const states = study.trials.map((t) => t.state);
  assert.equal(states.filter((s) => s === "complete" || s === "pruned").length, 5, JSON.stringify(states));
  study.dispose();
});

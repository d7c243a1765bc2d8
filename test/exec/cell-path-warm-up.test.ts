/**
 * Warming the per-cell path while the kernel is idle (src/exec/cell-path-warm-up.ts): the warm-up
 * cells compile in both kernels, the warm-up stops when the kernel is no longer idle and goes on
 * from there, ends after its cells or at a cell with errors, and leaves the notebook as it was
 * (values, declarations, types, completions) in a real engine.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CellPathWarmUp, WARM_UP_CELLS, warmUpCell } from "../../src/exec/cell-path-warm-up";
import { newEngine, valueOf } from "./engine-helpers";

test("the warm-up compiles its cells one per turn while idle, pauses when not, goes on from there and ends", async () => {
  const compiled: string[] = [];
  const warmUp = new CellPathWarmUp((code) => {
    compiled.push(code);
    return true;
  });
  let idleTurns = 5;
  await warmUp.continueWhile(() => idleTurns-- > 0);
  assert.equal(compiled.length, 5, "five idle turns, five cells");
  assert.equal(warmUp.done, false);
  const again = warmUp.continueWhile(() => true);
  await warmUp.continueWhile(() => true);
  assert.equal(compiled.length, 5, "a call while it runs does not start a second loop");
  await again;
  assert.equal(compiled.length, WARM_UP_CELLS);
  assert.deepEqual(compiled, Array.from({ length: WARM_UP_CELLS }, (_, i) => warmUpCell(i)), "each cell once, in order");
  assert.equal(warmUp.done, true);
  await warmUp.continueWhile(() => true);
  assert.equal(compiled.length, WARM_UP_CELLS, "nothing after the end");
});

test("the warm-up ends at a cell with errors or a compiler that throws", async () => {
  let calls = 0;
  const failing = new CellPathWarmUp(() => ++calls < 3);
  await failing.continueWhile(() => true);
  assert.equal(calls, 3);
  assert.equal(failing.done, true);
  const throwing = new CellPathWarmUp(() => {
    throw new Error("boom");
  });
  await throwing.continueWhile(() => true);
  assert.equal(throwing.done, true);
});

for (const language of ["typescript", "javascript"] as const) {
  test(`in the ${language} kernel the warm-up cells compile and leave the notebook as it was`, async () => {
    const engine = newEngine(language);
    valueOf(await engine.run(language === "typescript" ? "let lr: number = 0.1; const label = 'run';" : "let lr = 0.1; const label = 'run';"));
    await engine.warmUpCellPath(() => true);
    assert.equal(engine.warmUpCellsCompiled, WARM_UP_CELLS, "every warm-up cell compiled without errors after the notebook's declarations");
    assert.equal(valueOf(await engine.run("lr * 10")), 1);
    assert.equal(valueOf(await engine.run("`${label}`")), "run");
    const missing = await engine.run("__tunelabWarmUp1");
    assert.equal(missing.status, "error", "the warm-up's names were never declared in the notebook");
    assert.match(engine.inspect("label", 2) ?? "", /const label: "run"|const label = "run"|label: string/);
    if (language === "typescript") {
      const typeError = await engine.run("const n: string = lr;");
      assert.equal(typeError.status, "error", "lr keeps its type");
    }
  });
}

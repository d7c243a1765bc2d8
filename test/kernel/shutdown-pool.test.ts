/**
 * The kernel's shutdown (shutdown_request, restart) closes the training threads `%%tune` keeps
 * warm between searches: CellRunner.close, which the kernel's shutdown awaits before it closes its
 * sockets, with a real pool of two threads holding real data.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createSharedState } from "../../src/kernel/bridge";
import { CellRunner } from "../../src/kernel/cell-runner";
import { loadTensorFlow } from "../../src/tfjs/backend";
import { sessionPool } from "../../src/tfjs/pool";
import { prepareTrainingData } from "../../src/tfjs/trainingData";
import { breastCancer } from "../tfjs/fixtures";

test("closing the cell runner closes the warm training pool of the session", async () => {
  const cells = new CellRunner("typescript", createSharedState());
  assert.ok(cells.magics.findCell("tune") !== undefined, "%%tune is registered (it is what keeps the pool)");
  const loaded = await loadTensorFlow();
  const { x, y } = breastCancer();
  const data = prepareTrainingData(loaded.tf, x, y, { validation: { kind: "fraction", fraction: 0.2 }, seed: 1 });
  try {
    const pool = await sessionPool.borrow(2, loaded.backend, data);
    await sessionPool.giveBack(pool);
    assert.equal(sessionPool.current, pool, "kept warm after the search");
    assert.equal(pool.healthy, true);
    await cells.close();
    assert.equal(sessionPool.current, undefined, "no pool kept after shutdown");
    assert.equal(pool.healthy, false, "the pool's threads were closed");
  } finally {
    data.dispose();
    await sessionPool.close();
  }
});

/** `optimize({ countStudyTrials })` on a storage of one process: the study's finished trials are counted. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { floatDistribution } from "../../src/engine/distributions";
import { createStudy } from "../../src/engine/study";

const space = { x: floatDistribution(0, 1) };

test("countStudyTrials runs only the trials the study lacks, counting complete and pruned ones, not failed", async () => {
  const study = await createStudy({ seed: 4 });
  await study.optimize((trial) => trial.params["x"] as number, { trials: 2, space });
  await study.tell(await study.ask(space), { state: "pruned" });
  await study.tell(await study.ask(space), NaN);
  const summary = await study.optimize((trial) => trial.params["x"] as number, { trials: 5, space, countStudyTrials: true });
  assert.equal(summary.trialsRun, 2);
  assert.equal(summary.stopReason, "trials");
  assert.equal(summary.message, "the study has 5 finished trials (2 run by this worker)");
  assert.deepEqual(study.trials.map((t) => t.state), ["complete", "complete", "pruned", "failed", "complete", "complete"]);
  const without = await study.optimize((trial) => trial.params["x"] as number, { trials: 1, space });
  assert.equal(without.trialsRun, 1, "without the option, trials counts this call's trials");
});

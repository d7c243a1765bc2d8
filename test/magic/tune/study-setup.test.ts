/** Study setup and the trial budget of `%%tune` (no training). */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { CmaEsSampler } from "../../../src/engine/samplers";
import { isDatabaseUrl, makePruner, makeSampler } from "../../../src/magic/tune/study-setup";
import { checkGridSpace, plannedTrials, trialsLeft } from "../../../src/magic/tune/space-size";
import { categorical, floatDistribution, intDistribution } from "../../../src/engine/distributions";
import { MagicError } from "../../../src/magic/types";
import type { FrozenTrial, SearchSpace } from "../../../src/engine/types";

test("each strategy and pruner name makes its engine object", () => {
  assert.equal(makeSampler({ strategy: "bayes" }, 1, 20).name, "gp");
  assert.equal(makeSampler({ strategy: "tpe" }, 1, 20).name, "tpe");
  assert.equal(makeSampler({ strategy: "cmaes" }, 1, 20).name, "cmaes");
  assert.equal((makeSampler({ strategy: "cmaes" }, 1, 40) as CmaEsSampler).startupTrials, 1, "CMA-ES keeps its own single start-up trial");
  assert.equal((makeSampler({ strategy: "cmaes", startupTrials: 6 }, 1, 40) as CmaEsSampler).startupTrials, 6, "--startup-trials still sets it");
  assert.equal(makeSampler({ strategy: "random" }, 1, 20).name, "random");
  assert.equal(makeSampler({ strategy: "grid" }, 1, 20).name, "grid");
  const pruning = { strategy: "random", epochs: 10 } as const;
  assert.equal(makePruner({ ...pruning, pruner: "none" }), undefined);
  assert.ok(makePruner({ ...pruning, pruner: "median" }) !== undefined && makePruner({ ...pruning, pruner: "asha" }) !== undefined);
  assert.ok(isDatabaseUrl("postgres://u@h/db") && isDatabaseUrl("postgresql://h/db"));
  assert.ok(!isDatabaseUrl("study.jsonl"));
});

test("the trial budget: --trials, else a grid's size, else 20; finished trials count", () => {
  const grid: SearchSpace = { a: categorical(["x", "y", "z"]), n: intDistribution(1, 4), f: floatDistribution(0, 1, { step: 0.25 }) };
  assert.equal(plannedTrials({ strategy: "grid" }, grid), 3 * 4 * 5);
  assert.equal(plannedTrials({ strategy: "grid", trials: 7 }, grid), 7);
  // The grid sampler's tolerance: (0.7 - 0.1) / 0.2 is 2.9999999999999996, so 4 values.
  assert.equal(plannedTrials({ strategy: "grid" }, { f: floatDistribution(0.1, 0.7, { step: 0.2 }) }), 4);
  // (1 - 0) / step is 3 - 5e-9: within the sampler's tolerance (1e-8) it lists 4 values, and so the grid has 4.
  assert.equal(plannedTrials({ strategy: "grid" }, { f: floatDistribution(0, 1, { step: 1 / (3 - 5e-9) }) }), 4);
  assert.equal(plannedTrials({ strategy: "random" }, grid), 20);
  const states: FrozenTrial["state"][] = ["complete", "pruned", "failed", "running"];
  const trials = states.map((state, number) => ({ number, state }) as unknown as FrozenTrial);
  // Finished is complete or pruned (the engine's rule, as with PostgreSQL): a failed trial frees its place.
  assert.equal(trialsLeft({ strategy: "random", trials: 5 }, grid, trials), 3);
  assert.equal(trialsLeft({ strategy: "random", trials: 2 }, grid, trials), 0);
});

test("a grid cannot list a continuous float: the error names its line", () => {
  const space: SearchSpace = { n: intDistribution(1, 4), lr: floatDistribution(1e-3, 1e-1, { log: true }) };
  assert.throws(
    () => checkGridSpace(space, { n: 2, lr: 3 }),
    (error: unknown) => error instanceof MagicError && /^line 3: --strategy grid cannot list the values of "lr"/.test(error.message),
  );
  assert.doesNotThrow(() => checkGridSpace({ n: intDistribution(1, 4) }, { n: 2 }));
});

test("a grid too large to list fails at once, from the axes' sizes, naming the longest axis's line and the limit", () => {
  const huge: SearchSpace = { a: categorical(["x", "y"]), x: intDistribution(0, 2_000_000_000) };
  assert.throws(
    () => checkGridSpace(huge, { a: 2, x: 3 }),
    (error: unknown) => error instanceof MagicError && /^line 3: --strategy grid: the grid has 4000000002 combinations \(a: 2, x: 2000000001\), more than the 1000000 supported/.test(error.message),
  );
  assert.throws(
    () => checkGridSpace({ f: floatDistribution(0, 1, { step: 1e-9 }) }, { f: 2 }),
    (error: unknown) => error instanceof MagicError && /^line 2: .*more than the 1000000 supported/.test(error.message),
  );
  // (Listing two billion values first, as before, took seconds and ended the process out of memory.)
  assert.doesNotThrow(() => checkGridSpace({ x: intDistribution(0, 2_000_000_000) }, { x: 2 }, 5), "--grid-points thins the axis");
});

/**
 * Coarse to fine: `narrow(study, q)` proposes a smaller space around the best trials (as grammar
 * lines that parse back), and `%%tune --from STUDY [--from-top K]` seeds a new study with the
 * earlier one's complete trials, through the magic front end on the magic tests' FakeContext.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { narrow, seedTrials } from "../../../src/magic/tune/coarse-to-fine";
import { toMimeBundle } from "../../../src/exec/display";
import { parseSearchSpace } from "../../../src/magic/tune/space-grammar";
import { NotebookStudy } from "../../../src/magic/tune";
import { categorical, floatDistribution, intDistribution } from "../../../src/engine/distributions";
import type { FrozenTrial, SearchSpace } from "../../../src/engine/types";
import { irisNotebook } from "./iris-notebook";

const SPACE: SearchSpace = {
  lr: floatDistribution(1e-4, 1, { log: true }),
  units: intDistribution(2, 64),
  act: categorical(["relu", "tanh", "elu"]),
};

function trial(number: number, value: number, params: FrozenTrial["params"], state: FrozenTrial["state"] = "complete"): FrozenTrial {
  return { number, state, params, distributions: SPACE, value, metrics: { value }, intermediateValues: [], userAttrs: {} };
}

test("narrow: the top trials' ranges widened by 10 % (log scale for log parameters), the choices they took, as grammar that parses back", () => {
  const trials = [
    trial(0, 0.1, { lr: 0.01, units: 10, act: "relu" }),
    trial(1, 0.2, { lr: 0.001, units: 20, act: "tanh" }),
    trial(2, 0.15, { lr: 0.1, units: 14, act: "relu" }),
    trial(3, 5, { lr: 0.9, units: 60, act: "elu" }),
    trial(4, 6, { lr: 0.0002, units: 3, act: "elu" }),
    trial(5, 0.05, { lr: 0.5, units: 40, act: "tanh" }, "failed"),
  ];
  const narrowed = narrow({ space: SPACE, direction: "minimize", trials }, 0.5);
  assert.equal(narrowed.fromTrials, 3);
  const lr = narrowed.space.lr!;
  assert.ok(lr.kind === "float" && lr.log);
  // top lr values 0.001..0.1: log range ln 100, widened by 0.1·ln 100 each side → ×/÷ 10^0.2 ≈ 1.585
  assert.ok(Math.abs(lr.low - 0.001 / 10 ** 0.2) / (0.001 / 10 ** 0.2) < 1e-3, `low ${lr.low}`);
  assert.ok(Math.abs(lr.high - 0.1 * 10 ** 0.2) / (0.1 * 10 ** 0.2) < 1e-3, `high ${lr.high}`);
  assert.ok(lr.low <= 0.001 && lr.high >= 0.1, "every top value stays inside");
  assert.deepEqual(narrowed.space.units, { kind: "int", low: 9, high: 21, log: false, step: 1 });
  assert.deepEqual(narrowed.space.act, { kind: "categorical", choices: ["relu", "tanh"] });
  const reparsed = parseSearchSpace(narrowed.lines, 1).space;
  assert.deepEqual(reparsed, narrowed.space, `the lines parse back to the same space:\n${narrowed.lines}`);
  assert.equal(String(narrowed), narrowed.lines);
  // as a cell's last value it shows the lines ready to paste (it showed the object, toString and all)
  assert.deepEqual(toMimeBundle(narrowed), { "text/plain": narrowed.lines });
  // Maximising takes the other end (at least 3 trials: values 6, 5, 0.2); one choice left becomes a fixed value.
  assert.deepEqual(narrow({ space: SPACE, direction: "maximize", trials }, 0.2).space.act, { kind: "categorical", choices: ["tanh", "elu"] });
  const oneChoice = [0, 1, 2].map((n) => trial(n, n, { lr: 0.01 * (n + 1), units: 8 + n, act: "relu" }));
  assert.deepEqual(narrow({ space: SPACE, direction: "minimize", trials: oneChoice }).space.act, { kind: "fixed", value: "relu" });
  assert.throws(() => narrow({ space: SPACE, direction: "minimize", trials: trials.slice(0, 2) }), /2 complete trials; at least 3/);
  assert.throws(() => narrow({ space: SPACE, direction: "minimize", trials }, 0), /q is the fraction/);
});

test("seedTrials: the best K complete trials the new space holds, with its distributions and where they came from", () => {
  const trials = [trial(0, 0.3, { lr: 0.01, units: 10, act: "relu" }), trial(1, 0.1, { lr: 0.5, units: 50, act: "relu" }), trial(2, 0.2, { lr: 0.02, units: 12, act: "tanh" })];
  const small: SearchSpace = { lr: floatDistribution(1e-3, 0.1, { log: true }), units: intDistribution(4, 32), act: categorical(["relu", "tanh"]) };
  const all = seedTrials({ space: SPACE, direction: "minimize", trials }, "coarse", small);
  assert.deepEqual(all.trials.map((t) => t.userAttrs["seededFrom"]), ["coarse#2", "coarse#0"], "best first; #1 is outside");
  assert.equal(all.outside, 1);
  assert.equal(all.trials[0]!.distributions, small);
  assert.deepEqual(seedTrials({ space: SPACE, direction: "minimize", trials }, "coarse", small, 1).trials.length, 0, "the best one is outside the new space");
});

test("%%tune --from: the new study starts with the earlier trials inside its space, --trials counts the new ones, and bad uses fail at once", async () => {
  const { context, run } = await irisNotebook();
  context.assign("bowl", (p: Record<string, number>) => (p["x"]! - 0.3) ** 2 + (p["y"]! + 0.2) ** 2);
  await run("%%tune --objective bowl --strategy random --trials 12 --seed 1 --no-live --out coarse\nx: uniform(-2, 2)\ny: uniform(-2, 2)");
  const coarse = context.lookup("coarse") as NotebookStudy;
  const proposed = coarse.narrow(0.34);
  assert.ok(proposed.fromTrials >= 3);
  await run(`%%tune --objective bowl --strategy bayes --trials 5 --seed 2 --from coarse --no-live --out fine\n${proposed.lines}`);
  const fine = context.lookup("fine") as NotebookStudy;
  const seeded = fine.trials.filter((t) => t.userAttrs["seededFrom"] !== undefined);
  assert.ok(seeded.length >= proposed.fromTrials, `at least the top trials were added (${seeded.length})`);
  assert.equal(fine.trials.length - seeded.length, 5, "--trials counts the new trials");
  assert.ok(fine.bestValue! <= coarse.bestValue!, "the fine search keeps what the coarse one found");
  assert.match(context.stdoutText(), new RegExp(`Started from coarse: ${seeded.length} complete trials added`));
  await run("%%tune --objective bowl --strategy random --trials 2 --seed 3 --from coarse --from-top 2 --no-live --out top2\nx: uniform(-2, 2)\ny: uniform(-2, 2)");
  assert.equal((context.lookup("top2") as NotebookStudy).trials.filter((t) => t.userAttrs["seededFrom"] !== undefined).length, 2);
  await assert.rejects(run("%%tune --objective bowl --trials 2 --from bowl --no-live\nx: uniform(-2, 2)\ny: uniform(-2, 2)"), /--from bowl: expected a study bound by an earlier %%tune, but bowl is a function/);
  await assert.rejects(run("%%tune --objective bowl --trials 2 --from-top 2 --no-live\nx: uniform(-2, 2)"), /--from-top is for --from STUDY/);
  await assert.rejects(
    run("%%tune --objective bowl --trials 2 --direction maximize --from coarse --no-live\nx: uniform(-2, 2)\ny: uniform(-2, 2)"),
    /--from coarse: it minimised value and this search maximises value: their values do not compare/,
  );
  for (const name of ["coarse", "fine", "top2"]) (context.lookup(name) as NotebookStudy).dispose();
});

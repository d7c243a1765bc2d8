/**
 * Conditional search spaces in the engine: the rules of conditions.ts, the size and points of a
 * conditional space, and a study that drops inactive parameters, stores the active ones and
 * resumes from a journal.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";

import { activeNames, activeParams, conditionHolds, configurationCount, conditionProblem } from "../../src/engine/conditions";
import { categorical, floatDistribution, intDistribution } from "../../src/engine/distributions";
import { createStudy } from "../../src/engine/index";
import { GridSampler } from "../../src/engine/samplers/grid";
import { RandomSampler } from "../../src/engine/samplers/random";
import { TPESampler } from "../../src/engine/samplers/tpe";
import { GPSampler } from "../../src/engine/samplers/gp";
import { CmaEsSampler } from "../../src/engine/samplers/cmaes";
import { JournalStorage } from "../../src/engine/storage/journal";
import { PointGrid, spaceSize } from "../../src/engine/search-space";
import type { Sampler, SearchSpace } from "../../src/engine/types";

const LAYERS: SearchSpace = {
  layers: intDistribution(1, 3),
  units1: intDistribution(16, 256, { log: true }),
  units2: { ...intDistribution(16, 256, { log: true }), condition: { parent: "layers", operator: ">=", value: 2 } },
  units3: { ...intDistribution(16, 256, { log: true }), condition: { parent: "layers", operator: ">=", value: 3 } },
  lr: floatDistribution(1e-4, 1e-1, { log: true }),
};

describe("conditions", () => {
  test("each operator tests the parent's value; an absent parent fails every test", () => {
    assert.equal(conditionHolds({ parent: "a", operator: "==", value: 2 }, 2), true);
    assert.equal(conditionHolds({ parent: "a", operator: "!=", value: 2 }, 2), false);
    assert.equal(conditionHolds({ parent: "a", operator: "<", value: 2 }, 1), true);
    assert.equal(conditionHolds({ parent: "a", operator: "<=", value: 2 }, 3), false);
    assert.equal(conditionHolds({ parent: "a", operator: ">", value: 2 }, 3), true);
    assert.equal(conditionHolds({ parent: "a", operator: ">=", value: 2 }, 1), false);
    assert.equal(conditionHolds({ parent: "a", operator: "in", values: ["x", null] }, null), true);
    assert.equal(conditionHolds({ parent: "a", operator: "in", values: ["x"] }, "y"), false);
    assert.equal(conditionHolds({ parent: "a", operator: "!=", value: 2 }, undefined), false);
  });

  test("a parameter whose parent is inactive is inactive", () => {
    const space: SearchSpace = {
      optimizer: categorical(["sgd", "adam"]),
      momentum: { ...floatDistribution(0, 1), condition: { parent: "optimizer", operator: "==", value: "sgd" } },
      nesterov: { ...categorical([true, false]), condition: { parent: "momentum", operator: ">", value: 0.5 } },
    };
    assert.deepEqual(activeNames(space, { optimizer: "sgd", momentum: 0.9, nesterov: true }), ["optimizer", "momentum", "nesterov"]);
    assert.deepEqual(activeParams(space, { optimizer: "adam", momentum: 0.9, nesterov: true }), { optimizer: "adam" });
  });

  test("conditionProblem accepts a sound space", () => {
    for (const name of Object.keys(LAYERS)) assert.equal(conditionProblem(LAYERS, name), undefined);
  });
});

describe("a conditional space's points", () => {
  const finite: SearchSpace = {
    layers: intDistribution(1, 3),
    width1: categorical([16, 32]),
    width2: { ...categorical([16, 32, 64]), condition: { parent: "layers", operator: ">=", value: 2 } },
    width3: { ...categorical([16, 32]), condition: { parent: "layers", operator: "==", value: 3 } },
  };
  // layers 1: 2; layers 2: 2·3; layers 3: 2·3·2.
  const distinct = 2 + 6 + 12;

  test("|S| counts the distinct active configurations, without listing and by listing", () => {
    assert.equal(spaceSize(finite), distinct);
    assert.equal(configurationCount(finite), distinct);
    const grid = new PointGrid(finite);
    assert.equal(grid.size, distinct);
    const keys = new Set(Array.from({ length: grid.size }, (_, i) => JSON.stringify(grid.pointAt(i))));
    assert.equal(keys.size, distinct, "no two listed points are the same configuration");
    assert.deepEqual(grid.pointAt(0), { layers: 1, width1: 16 });
    assert.equal(grid.indexOf({ layers: 1, width1: 16, width2: 64 }), 0, "an inactive value does not change the point");
    assert.equal(spaceSize(LAYERS), Infinity);
  });

  test("the grid sampler visits each distinct configuration once, then reports exhaustion", async () => {
    const study = await createStudy({ sampler: new GridSampler({ seed: 4 }), seed: 4 });
    await study.optimize(() => 0, { space: finite, trials: Infinity });
    const held = study.trials.filter((t) => t.state === "complete").map((t) => JSON.stringify(t.params));
    assert.equal(held.length, distinct);
    assert.equal(new Set(held).size, distinct);
  });
});

describe("a study of a conditional space", () => {
  const samplers: Record<string, (seed: number) => Sampler> = {
    random: (seed) => new RandomSampler({ seed }),
    tpe: (seed) => new TPESampler({ seed, startupTrials: 5 }),
    gp: (seed) => new GPSampler({ seed, startupTrials: 5 }),
    cmaes: (seed) => new CmaEsSampler({ seed, startupTrials: 5 }),
  };
  for (const [label, makeSampler] of Object.entries(samplers)) {
    test(`${label}: the objective sees only active parameters, and the stored distributions are the active ones`, async () => {
      const study = await createStudy({ sampler: makeSampler(1), seed: 1 });
      await study.optimize(
        (trial) => {
          const p = trial.params;
          const layers = p["layers"] as number;
          assert.equal("units2" in p, layers >= 2, `units2 present ⇔ layers >= 2 (layers=${layers})`);
          assert.equal("units3" in p, layers >= 3);
          const widths = [p["units1"], p["units2"], p["units3"]].filter((u): u is number => u !== undefined);
          return widths.reduce((sum, u) => sum + Math.abs(Math.log2(u) - 6), 0) + Math.abs(Math.log10(p["lr"] as number) + 2);
        },
        { space: LAYERS, trials: 14 },
      );
      const complete = study.trials.filter((t) => t.state === "complete");
      assert.equal(complete.length, 14);
      for (const trial of complete) {
        assert.deepEqual(Object.keys(trial.distributions), Object.keys(trial.params));
        assert.ok(Object.values(trial.distributions).every((d) => d.condition === undefined), "stored distributions carry no condition");
      }
      assert.ok(complete.some((t) => "units3" in t.params) && complete.some((t) => !("units2" in t.params)), "both branches are tried");
      // The CSV leaves an absent parameter's cell empty.
      const [header, ...rows] = study.toCSV().trim().split("\n").map((line) => line.split(","));
      const column = header!.indexOf("params_units2");
      const short = complete.find((t) => !("units2" in t.params))!;
      assert.equal(rows.find((row) => row[0] === String(short.number))![column], "");
    });
  }

  // (Grid search needs the space up front: define-by-run grids each parameter on its own.)
  for (const [label, makeSampler] of Object.entries(samplers)) {
    test(`${label}: a define-by-run objective that suggests a parameter only sometimes`, async () => {
      const study = await createStudy({ sampler: makeSampler(2), seed: 2 });
      await study.optimize(
        (trial) => {
          const layers = trial.suggestInt("layers", 1, 3);
          const width = trial.suggestInt("units1", 16, 256, { log: true });
          const second = layers >= 2 ? trial.suggestInt("units2", 16, 256, { log: true }) : 0;
          return Math.abs(Math.log2(width) - 6) + (second === 0 ? 1 : Math.abs(Math.log2(second) - 5));
        },
        { trials: 14 },
      );
      const complete = study.trials.filter((t) => t.state === "complete");
      assert.equal(complete.length, 14, JSON.stringify(study.trials.map((t) => t.error)));
      for (const trial of complete) assert.equal("units2" in trial.params, (trial.params["layers"] as number) >= 2);
    });
  }

  test("a study resumed from a journal learns from the stored trials and keeps drawing the same way", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "tunelab-conditional-")), "journal.jsonl");
    const objective = (trial: { params: Record<string, unknown> }): number => (trial.params["layers"] as number) + ((trial.params["units2"] as number | undefined) ?? 0) / 256;
    const first = await createStudy({ storage: JournalStorage.open(path), studyName: "c", sampler: new TPESampler({ seed: 2, startupTrials: 4 }), seed: 2 });
    await first.optimize(objective, { space: LAYERS, trials: 8 });
    const straight = await createStudy({ sampler: new TPESampler({ seed: 2, startupTrials: 4 }), seed: 2 });
    await straight.optimize(objective, { space: LAYERS, trials: 12 });

    const resumed = await createStudy({ storage: JournalStorage.open(path), studyName: "c", sampler: new TPESampler({ seed: 2, startupTrials: 4 }), seed: 2 });
    assert.deepEqual(resumed.trials.map((t) => t.params), first.trials.map((t) => t.params), "the journal keeps the active parameters only");
    await resumed.optimize(objective, { space: LAYERS, trials: 4 });
    assert.deepEqual(
      resumed.trials.map((t) => t.params),
      straight.trials.map((t) => t.params),
      "8 trials, then 4 more after a resume, are the 12 of one run",
    );
  });
});

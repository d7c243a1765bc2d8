/**
 * The NSGA-II sampler: the shared sampler contract (single objective), seeded reproducibility,
 * resuming from stored trials, define-by-run equal to joint sampling, what a child inherits, and
 * a better hypervolume than random search on ZDT1 at a small budget (fixed seeds).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";

import { median } from "../../src/common/stats";
import { createRng } from "../../src/common/random";
import { categorical, contains, floatDistribution, intDistribution } from "../../src/engine/distributions";
import { hypervolume } from "../../src/engine/pareto";
import { NSGA2Sampler, simulatedBinaryCrossover } from "../../src/engine/samplers/nsga2";
import { RandomSampler } from "../../src/engine/samplers/random";
import { JournalStorage } from "../../src/engine/storage/journal";
import { createStudy, type Study } from "../../src/engine/study";
import type { Sampler, SearchSpace } from "../../src/engine/types";
import { twoObjectiveSpace, zdt1, type TwoObjectiveFunction } from "../../bench/functions";
import { runSamplerContract } from "./sampler-contract";

runSamplerContract("nsga2 (uniform crossover)", (seed) => new NSGA2Sampler({ seed, populationSize: 4 }), { trials: 16 });
runSamplerContract("nsga2 (SBX)", (seed) => new NSGA2Sampler({ seed, populationSize: 4, crossover: "sbx" }), { trials: 16 });

const dir = mkdtempSync(join(tmpdir(), "tunelab-nsga2-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const mixed: SearchSpace = {
  lr: floatDistribution(1e-4, 1, { log: true }),
  units: intDistribution(8, 256, { log: true }),
  layers: intDistribution(1, 4),
  act: categorical(["relu", "tanh", "elu"]),
  x: floatDistribution(-1, 1),
};

/** Two objectives of the mixed space: a loss-like one and a size-like one that conflict. */
function mixedObjective(p: Readonly<Record<string, unknown>>): [number, number] {
  const loss = Math.abs(Math.log10(p["lr"] as number) + 2) + (p["act"] === "tanh" ? 0 : 0.3) + (p["x"] as number) ** 2 + 1 / (p["units"] as number);
  return [loss, (p["units"] as number) * (p["layers"] as number)];
}

/** Runs `trials` more trials of `fn` through ask/tell, in `study` or a new study with `sampler`. */
async function runProblem(fn: TwoObjectiveFunction, sampler: Sampler | Study, trials: number): Promise<Study> {
  const s = "sample" in sampler ? await createStudy({ directions: ["minimize", "minimize"], sampler }) : sampler;
  const space = twoObjectiveSpace(fn);
  for (let t = 0; t < trials; t++) {
    const trial = await s.ask(space);
    await s.tell(trial, fn.evaluate(Object.keys(space).map((name) => trial.params[name] as number)));
  }
  return s;
}

function frontHypervolume(study: Study, reference: readonly number[]): number {
  return hypervolume(study.bestTrials.map((t) => t.values as number[]), reference);
}

describe("NSGA2Sampler", () => {
  test("the same seed gives the same trials; another seed other trials", async () => {
    const fn = zdt1(5);
    const run = async (seed: number): Promise<unknown[]> => (await runProblem(fn, new NSGA2Sampler({ seed, populationSize: 6 }), 24)).trials.map((t) => t.params);
    const a = await run(4);
    assert.deepEqual(await run(4), a);
    assert.notDeepEqual(await run(5), a);
  });

  test("a study resumed from its journal draws what one uninterrupted study draws", async () => {
    const fn = zdt1(4);
    const whole = await runProblem(fn, new NSGA2Sampler({ seed: 2, populationSize: 5 }), 22);
    const path = join(dir, "resume.jsonl");
    const make = async (): Promise<Study> =>
      createStudy({ studyName: "z", directions: ["minimize", "minimize"], sampler: new NSGA2Sampler({ seed: 2, populationSize: 5 }), storage: await JournalStorage.open(path) });
    const first = await runProblem(fn, await make(), 9);
    await first.storage.close();
    const second = await runProblem(fn, await make(), 13);
    assert.deepEqual(second.trials.map((t) => t.params), whole.trials.map((t) => t.params));
    await second.storage.close();
  });

  test("define-by-run suggestions give the child that joint sampling gives", async () => {
    const objective = (p: Readonly<Record<string, unknown>>): [number, number] => mixedObjective(p);
    const joint = await createStudy({ directions: ["minimize", "minimize"], sampler: new NSGA2Sampler({ seed: 1, populationSize: 4, crossover: "sbx" }) });
    for (let t = 0; t < 14; t++) {
      const trial = await joint.ask(mixed);
      await joint.tell(trial, objective(trial.params));
    }
    const byRun = await createStudy({ directions: ["minimize", "minimize"], sampler: new NSGA2Sampler({ seed: 1, populationSize: 4, crossover: "sbx" }) });
    await byRun.optimize(
      (t) =>
        objective({
          lr: t.suggestFloat("lr", 1e-4, 1, { log: true }),
          units: t.suggestInt("units", 8, 256, { log: true }),
          layers: t.suggestInt("layers", 1, 4),
          act: t.suggestCategorical("act", ["relu", "tanh", "elu"]),
          x: t.suggestFloat("x", -1, 1),
        }),
      { trials: 14 },
    );
    assert.deepEqual(byRun.trials.map((t) => t.params), joint.trials.map((t) => t.params));
  });

  test("without crossover or mutation a child copies an elite parent; values stay in int, log and categorical distributions", async () => {
    const population = 5;
    const study = await createStudy({
      directions: ["minimize", "maximize"],
      sampler: new NSGA2Sampler({ seed: 7, populationSize: population, crossoverProbability: 0, mutationProbability: 0 }),
    });
    for (let t = 0; t < 3 * population; t++) {
      const trial = await study.ask(mixed);
      const [loss, size] = mixedObjective(trial.params);
      await study.tell(trial, [loss, size]);
      for (const [name, dist] of Object.entries(mixed)) assert.ok(contains(dist, trial.params[name]), `trial ${t}: ${name}=${String(trial.params[name])}`);
    }
    const key = (p: unknown): string => JSON.stringify(p);
    const firstGeneration = new Set(study.trials.slice(0, population).map((t) => key(t.params)));
    for (const child of study.trials.slice(population, 2 * population)) {
      assert.ok(firstGeneration.has(key(child.params)), `trial ${child.number} copies a trial of generation 0`);
    }
    assert.ok(new Set(study.trials.slice(population).map((t) => key(t.params))).size < 2 * population, "children repeat their parents");
  });

  test("beats random search on ZDT1 (n = 10, 200 trials, population 20): median hypervolume over seeds 0–4", async () => {
    const fn = zdt1(10);
    const hv = async (make: (seed: number) => Sampler): Promise<number[]> => {
      const volumes: number[] = [];
      for (let seed = 0; seed < 5; seed++) volumes.push(frontHypervolume(await runProblem(fn, make(seed), 200), fn.reference));
      return volumes;
    };
    const nsga2 = await hv((seed) => new NSGA2Sampler({ seed, populationSize: 20 }));
    const random = await hv((seed) => new RandomSampler({ seed }));
    assert.ok(median(nsga2) > median(random), `NSGA-II ${nsga2.join(", ")} vs random ${random.join(", ")}`);
    assert.ok(nsga2.filter((v, i) => v > (random[i] as number)).length >= 4, `NSGA-II wins on at least 4 of 5 seeds: ${nsga2.join(", ")} vs ${random.join(", ")}`);
  });

  test("simulated binary crossover keeps children in [0, 1], near their parents for a large η, and copies equal parents", () => {
    for (let s = 0; s < 200; s++) {
      const rng = createRng(5, "sbx", s);
      const [c1, c2] = simulatedBinaryCrossover(0.3, 0.6, 2, rng);
      assert.ok(c1 >= 0 && c1 <= 1 && c2 >= 0 && c2 <= 1);
    }
    const spreads = [2, 200].map((eta) => {
      let total = 0;
      for (let s = 0; s < 200; s++) {
        const [c1] = simulatedBinaryCrossover(0.3, 0.6, eta, createRng(5, "eta", s));
        total += Math.abs(c1 - 0.3);
      }
      return total / 200;
    });
    assert.ok((spreads[1] as number) < (spreads[0] as number), `η = 200 spreads less than η = 2: ${spreads.join(" vs ")}`);
    assert.deepEqual(simulatedBinaryCrossover(0.4, 0.4, 20, createRng(1)), [0.4, 0.4]);
  });

  test("bad options are refused, naming what was expected", () => {
    assert.throws(() => new NSGA2Sampler({ populationSize: 1 }), /`populationSize` must be an integer of at least 2, but got populationSize=1/);
    assert.throws(() => new NSGA2Sampler({ crossover: "blend" as never }), /`crossover` must be "uniform" or "sbx", but got "blend"/);
    assert.throws(() => new NSGA2Sampler({ mutationProbability: 1.5 }), /`mutationProbability` must be in \[0, 1\], but got mutationProbability=1.5/);
    assert.throws(() => new NSGA2Sampler({ sbxEta: 0 }), /`sbxEta` must be a positive number/);
  });
});

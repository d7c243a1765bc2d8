/**
 * The two-objective section of `npm run bench:samplers`: ZDT1, ZDT2 and ZDT3 (bench/functions.ts,
 * n = 30 variables by default) minimised in both objectives with a budget of 200 evaluations for
 * seeds 0…4, through the study's ask/tell API. Figure: the median over seeds of the hypervolume of
 * the complete trials' Pareto front against the reference point (11, 11) (larger is better; the
 * true front's is 120.67 on ZDT1 and 120.33 on ZDT2), and wall milliseconds per trial.
 *
 * Printed beside Debian's Optuna (python3-optuna 3.1) measured in the same run by
 * `bench/optuna-two-objective.py`: its NSGAIISampler and its multi-objective TPESampler (MOTPE) on
 * the same problems, budget, seeds and reference point. The Python process runs while ours does.
 * Optuna's multi-objective TPE is slow in 30 dimensions (about half a CPU second per trial), so
 * the whole section takes tens of minutes; `--two-objective-peers nsga2` leaves it out and
 * `--dimensions 10` makes a quick try.
 */
import { join } from "node:path";

import { hypervolume } from "../src/engine/pareto";
import { MultiObjectiveGPSampler } from "../src/engine/samplers/mo-gp";
import { NSGA2Sampler } from "../src/engine/samplers/nsga2";
import { RandomSampler } from "../src/engine/samplers/random";
import { createStudy } from "../src/engine/study";
import { nsga2PopulationSize } from "../src/magic/tune/auto-strategy";
import type { Sampler } from "../src/engine/types";
import { twoObjectiveFunctions, twoObjectiveSpace, type TwoObjectiveFunction } from "./functions";
import { median, repositoryRoot } from "./peers";
import { runPythonPeer } from "./python-peer";

/** Evaluations per run unless `--two-objective-budget` says otherwise. */
export const TWO_OBJECTIVE_BUDGET = 200;

/**
 * Our samplers of several objectives, by the name shown in the table; `nsga2-auto` has the
 * population `--strategy auto` gives NSGA-II for the budget (the others Optuna's default, 50).
 */
const SAMPLERS: Readonly<Record<string, (seed: number, budget: number) => Sampler>> = {
  nsga2: (seed) => new NSGA2Sampler({ seed }),
  "nsga2-sbx": (seed) => new NSGA2Sampler({ seed, crossover: "sbx" }),
  "nsga2-auto": (seed, budget) => new NSGA2Sampler({ seed, populationSize: nsga2PopulationSize(budget) }),
  "gp-parego": (seed) => new MultiObjectiveGPSampler({ seed }),
  random: (seed) => new RandomSampler({ seed }),
};

/** Options of the section. */
export interface TwoObjectiveOptions {
  /** n, variables per problem (default 30). */
  readonly dimensions: number;
  /** How many seeds (0…n−1; default 5). */
  readonly seeds: number;
  /** Optuna samplers measured beside ours (default nsga2, tpe). */
  readonly peers: readonly string[];
  /** Evaluations per run (default {@link TWO_OBJECTIVE_BUDGET}). */
  readonly budget: number;
}

/** One sampler on one problem: each seed's hypervolume and the wall ms per trial. */
interface Figures {
  readonly hypervolumes: readonly number[];
  readonly msPerTrial: number;
}

interface PeerOutput {
  readonly optuna: string;
  readonly results: Readonly<Record<string, Readonly<Record<string, { hypervolumes: number[]; ms_per_trial: number }>>>>;
}

/** One run of `fn` with `sampler`: the front's hypervolume and the wall ms per trial. */
async function runOnce(fn: TwoObjectiveFunction, sampler: Sampler, seed: number, budget: number): Promise<{ hv: number; ms: number }> {
  const study = await createStudy({ directions: ["minimize", "minimize"], sampler, seed });
  const space = twoObjectiveSpace(fn);
  const names = Object.keys(space);
  const started = performance.now();
  for (let t = 0; t < budget; t++) {
    const trial = await study.ask(space);
    await study.tell(trial, fn.evaluate(names.map((name) => trial.params[name] as number)));
  }
  const ms = (performance.now() - started) / budget;
  return { hv: hypervolume(study.bestTrials.map((t) => t.values as number[]), fn.reference), ms };
}

/** Starts Optuna's measurement; resolves to its JSON (or rejects with its error output). */
function measurePeers(options: TwoObjectiveOptions): Promise<PeerOutput> {
  const script = join(repositoryRoot(), "bench", "optuna-two-objective.py");
  const args = [
    "--functions", "zdt1,zdt2,zdt3",
    "--dimensions", String(options.dimensions),
    "--budget", String(options.budget),
    "--seeds", String(options.seeds),
    "--samplers", options.peers.join(","),
  ];
  return runPythonPeer<PeerOutput>(script, args);
}

/** Runs the section and prints its table (see the module comment). */
export async function runTwoObjectiveSection(options: TwoObjectiveOptions, table: (rows: readonly (readonly string[])[]) => string): Promise<void> {
  const peers = options.peers.length === 0 ? Promise.resolve(undefined) : measurePeers(options);
  // Keep an early failure of the peer process from being an unhandled rejection while ours run.
  peers.catch(() => undefined);
  const fns = twoObjectiveFunctions(options.dimensions);
  console.log(
    `Two objectives: ZDT1-3 in n = ${options.dimensions} variables, budget ${options.budget}, seeds 0-${options.seeds - 1}; ` +
      `median hypervolume of the front against r = (11, 11) (larger is better; true front 120.67 on ZDT1, 120.33 on ZDT2); ` +
      `ms/trial is wall time per trial, objective included.`,
  );
  const ours: Record<string, Record<string, Figures>> = {};
  for (const fn of fns) {
    ours[fn.name] = {};
    for (const [name, make] of Object.entries(SAMPLERS)) {
      const runs = [];
      for (let seed = 0; seed < options.seeds; seed++) runs.push(await runOnce(fn, make(seed, options.budget), seed, options.budget));
      (ours[fn.name] as Record<string, Figures>)[name] = { hypervolumes: runs.map((r) => r.hv), msPerTrial: runs.reduce((s, r) => s + r.ms, 0) / runs.length };
    }
  }
  let peerOutput: PeerOutput | undefined;
  try {
    peerOutput = await peers;
  } catch (error) {
    console.log(`Optuna peers not measured: ${error instanceof Error ? error.message : String(error)}`);
  }
  const rows: string[][] = [["optimiser", ...fns.map((fn) => `${fn.name} HV`), "ms/trial"]];
  const add = (label: string, byProblem: (name: string) => Figures | undefined): void => {
    const figures = fns.map((fn) => byProblem(fn.name));
    const ms = figures.map((f) => f?.msPerTrial ?? NaN).filter(Number.isFinite);
    rows.push([label, ...figures.map((f) => (f === undefined ? "-" : median(f.hypervolumes).toFixed(2))), ms.length === 0 ? "-" : (ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(2)]);
  };
  for (const name of Object.keys(SAMPLERS)) add(`ours: ${name}`, (problem) => ours[problem]?.[name]);
  for (const peer of options.peers) {
    add(`peer: optuna_${peer}${peerOutput === undefined ? "" : ` (${peerOutput.optuna})`}`, (problem) => {
      const result = peerOutput?.results[problem]?.[`optuna_${peer}`];
      return result === undefined ? undefined : { hypervolumes: result.hypervolumes, msPerTrial: result.ms_per_trial };
    });
  }
  console.log(table(rows));
  const nsga2 = ours["zdt1"]?.["nsga2"];
  const optunaNsga2 = peerOutput?.results["zdt1"]?.["optuna_nsga2"];
  if (nsga2 !== undefined && optunaNsga2 !== undefined) {
    console.log(
      `nsga2 beside optuna_nsga2 on zdt1: HV ${median(nsga2.hypervolumes).toFixed(2)} vs ${median(optunaNsga2.hypervolumes).toFixed(2)}, ` +
        `ms/trial ${nsga2.msPerTrial.toFixed(2)} vs ${optunaNsga2.ms_per_trial.toFixed(2)}`,
    );
  }
  console.log("");
}

/**
 * The mixed-spaces section of `npm run bench:samplers` (alone with `--mixed-only`): each of our
 * samplers, `auto` included (the sampler `%%tune --strategy auto` would make for the space and a
 * budget of {@link MIXED_BUDGET}), minimises the mixed functions of bench/functions.ts (integer,
 * log-scaled, stepped, categorical and conditional parameters) through the study's ask/tell API,
 * seeds 0…n−1. Printed beside Debian's Optuna (python3-optuna 3.1) measured in the same run by
 * `bench/optuna-mixed.py`: its default TPESampler and TPESampler(multivariate=True, group=True).
 * Figures: the median over seeds of the simple regret (best value − f*) at 20, 40 and 100
 * evaluations, and ms per trial (ours: ask + tell; Optuna's: optimize with the objective, which
 * costs microseconds here). Under auto's goal line, auto and our TPE are compared seed by seed with
 * the best peer (bench/paired-seeds.ts).
 */
import { join } from "node:path";
import { createStudy } from "../src/engine/study";
import type { Sampler } from "../src/engine/types";
import { CmaEsSampler } from "../src/engine/samplers/cmaes";
import { GPSampler } from "../src/engine/samplers/gp";
import { RandomSampler } from "../src/engine/samplers/random";
import { TPESampler } from "../src/engine/samplers/tpe";
import { chooseStrategy } from "../src/magic/tune/auto-strategy";
import { makeSampler } from "../src/magic/tune/study-setup";
import { MIXED_FUNCTIONS, type MixedFunction } from "./functions";
import { median, repositoryRoot } from "./peers";
import { tryPythonPeer } from "./python-peer";
import { comparePaired, describePaired } from "./paired-seeds";

/** Evaluations per run. */
export const MIXED_BUDGET = 100;
/** The evaluations at which the best value so far is read. */
const CHECKPOINTS = [20, 40, 100] as const;
/** Optuna's samplers measured beside ours. */
const OPTUNA_SAMPLERS = ["tpe", "tpe_multivariate_group"] as const;

/** Our samplers in this section, by the name shown in the table. */
const MIXED_SAMPLERS: Readonly<Record<string, (seed: number, fn: MixedFunction) => Sampler>> = {
  random: (seed) => new RandomSampler({ seed }),
  gp: (seed) => new GPSampler({ seed }),
  tpe: (seed) => new TPESampler({ seed }),
  cmaes: (seed) => new CmaEsSampler({ seed }),
  auto: (seed, fn) => {
    const choice = chooseStrategy(fn.space, MIXED_BUDGET);
    return makeSampler({ strategy: choice.strategy, ...(choice.switchTo === undefined ? {} : { strategySwitch: choice.switchTo }) }, seed, MIXED_BUDGET);
  },
};

/** Options of the section. */
export interface MixedOptions {
  readonly seeds: number;
}

interface PeerOutput {
  readonly optuna: string;
  readonly results: Readonly<Record<string, Readonly<Record<string, { regrets: Readonly<Record<string, number[]>>; ms_per_trial: number }>>>>;
}

/** One run of `fn` with `sampler`: the regret at each checkpoint and our own milliseconds. */
async function runOnce(fn: MixedFunction, sampler: Sampler, seed: number): Promise<{ regrets: number[]; ms: number }> {
  const study = await createStudy({ sampler, seed, direction: "minimize" });
  const regrets: number[] = [];
  let best = Infinity;
  let ms = 0;
  for (let t = 1; t <= MIXED_BUDGET; t++) {
    let started = performance.now();
    const trial = await study.ask(fn.space);
    ms += performance.now() - started;
    const value = fn.evaluate(trial.params);
    started = performance.now();
    await study.tell(trial, value);
    ms += performance.now() - started;
    best = Math.min(best, value);
    if ((CHECKPOINTS as readonly number[]).includes(t)) regrets.push(best - fn.minimum);
  }
  return { regrets, ms: ms / MIXED_BUDGET };
}

/** Starts Optuna's measurement; resolves to its JSON, or to undefined (with a note) when it fails. */
function measurePeers(seeds: number): Promise<PeerOutput | undefined> {
  const script = join(repositoryRoot(), "bench", "optuna-mixed.py");
  const args = ["--budget", String(MIXED_BUDGET), "--seeds", String(seeds), "--checkpoints", CHECKPOINTS.join(","), "--samplers", OPTUNA_SAMPLERS.join(",")];
  return tryPythonPeer<PeerOutput>(script, args);
}

/** Runs the section and prints one table per function (see the module comment). */
export async function runMixedSection(options: MixedOptions, table: (rows: readonly (readonly string[])[]) => string, format: (v: number) => string): Promise<void> {
  // Optuna runs in its own process while ours run here (the machine's 2 cores are shared).
  const peers = measurePeers(options.seeds);
  const ours: Record<string, Record<string, { regrets: number[][]; ms: number[] }>> = {};
  for (const fn of MIXED_FUNCTIONS) {
    ours[fn.name] = {};
    for (const [name, make] of Object.entries(MIXED_SAMPLERS)) {
      const runs: { regrets: number[]; ms: number }[] = [];
      for (let seed = 0; seed < options.seeds; seed++) runs.push(await runOnce(fn, make(seed, fn), seed));
      ours[fn.name]![name] = { regrets: CHECKPOINTS.map((_, c) => runs.map((r) => r.regrets[c] as number)), ms: runs.map((r) => r.ms) };
    }
  }
  const peerOutput = await peers;
  console.log(`Mixed spaces: budget ${MIXED_BUDGET}, seeds 0-${options.seeds - 1}, medians over seeds; peers: Optuna ${peerOutput?.optuna ?? "(not measured)"} in the same run.`);
  for (const fn of MIXED_FUNCTIONS) {
    const auto = chooseStrategy(fn.space, MIXED_BUDGET);
    console.log(`${fn.name} — ${fn.description}; auto: ${auto.strategy} (${auto.reason})`);
    const rows: string[][] = [["optimiser", ...CHECKPOINTS.map((c) => `regret@${c}`), "ms/trial"]];
    const medians: Record<string, number[]> = {};
    for (const [name, result] of Object.entries(ours[fn.name]!)) {
      medians[`ours: ${name}`] = result.regrets.map(median);
      rows.push([`ours: ${name}`, ...result.regrets.map((r) => format(median(r))), median(result.ms).toFixed(2)]);
    }
    for (const [name, result] of Object.entries(peerOutput?.results[fn.name] ?? {})) {
      const regrets = CHECKPOINTS.map((c) => median(result.regrets[String(c)] ?? []));
      medians[`peer: ${name}`] = regrets;
      rows.push([`peer: ${name}`, ...regrets.map(format), result.ms_per_trial.toFixed(2)]);
    }
    console.log(table(rows));
    const peerBest = Object.entries(medians).filter(([name]) => name.startsWith("peer:"));
    const autoRegrets = medians["ours: auto"];
    if (peerBest.length > 0 && autoRegrets !== undefined) {
      const last = CHECKPOINTS.length - 1;
      const best = peerBest.reduce((a, b) => ((a[1][last] as number) <= (b[1][last] as number) ? a : b));
      const ok = (autoRegrets[last] as number) <= (best[1][last] as number);
      console.log(`goal (auto best-or-tied with the best peer at ${MIXED_BUDGET}): ${ok ? "met" : "MISSED"} (auto ${format(autoRegrets[last] as number)}, ${best[0]} ${format(best[1][last] as number)})`);
      // Seed by seed, auto and our TPE against that peer (same seeds, bench/paired-seeds.ts).
      const peerRuns = peerOutput?.results[fn.name]?.[best[0].slice("peer: ".length)];
      for (const name of ["auto", "tpe"]) {
        const own = ours[fn.name]![name];
        if (own === undefined || peerRuns === undefined) continue;
        const lines = CHECKPOINTS.map((c, i) => {
          const theirs = peerRuns.regrets[String(c)] ?? [];
          const n = Math.min(theirs.length, (own.regrets[i] as number[]).length);
          return n === 0 ? `@${c}: no seeds` : `@${c}: ${describePaired(comparePaired((own.regrets[i] as number[]).slice(0, n), theirs.slice(0, n)))}`;
        });
        console.log(`  paired, ours: ${name} against ${best[0]}:\n    ${lines.join("\n    ")}`);
      }
    }
    console.log("");
  }
}

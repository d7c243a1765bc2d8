/**
 * `npm run bench:tpe-cmaes -- [--seeds 40] [--functions branin,hartmann6] [--samplers tpe,cmaes] [--per-seed]`
 *
 * Issue 14's goals for our TPE and CMA-ES on the continuous functions, with the peers measured in
 * the same run: our TPESampler and CmaEsSampler minimise each function of bench/functions.ts (the
 * bounds and minima of ../shared/bench/peers.json) through the study's ask/tell API for
 * {@link BUDGET} evaluations, seeds 0…n−1, while `bench/optuna-continuous.py` runs Debian's Optuna
 * (TPESampler(multivariate=True), CmaEsSampler with python3-cmaes) on the same functions and seeds
 * in its own process. Printed: the median over seeds of the simple regret (best value − f*) at 40
 * and 100 evaluations, ms per trial (ours: ask + tell; Optuna's: optimize with the objective,
 * which costs microseconds here), and the goals:
 *  - our TPE's median regret ≤ Optuna's multivariate TPE's at 40 and at 100, at no more ms/trial;
 *  - our CMA-ES's median regret ≤ Optuna's CMA-ES's at 100 on the functions of 5 dimensions or more.
 * Each goal's line also compares the two seed by seed (bench/paired-seeds.ts: wins and losses,
 * the sign test, a bootstrap interval of the ratio of medians), because a median of few seeds
 * moves by more than the differences the goals judge: on Rosenbrock-4 at 40, our TPE's median
 * over seeds 0–9 was 247 against Optuna's 238, and over seeds 10–59 102 against 260.
 * Hence 40 seeds by default; `--per-seed` prints every seed's regrets.
 * Both processes share the machine, so ms/trial figures grow with its load; compare them within a run.
 */
import { join } from "node:path";
import { loadavg } from "node:os";
import { createStudy } from "../src/engine/study";
import type { Sampler } from "../src/engine/types";
import { CmaEsSampler } from "../src/engine/samplers/cmaes";
import { TPESampler } from "../src/engine/samplers/tpe";
import { functionPoint, functionSpace, TEST_FUNCTIONS, type TestFunction } from "./functions";
import { median, repositoryRoot } from "./peers";
import { tryPythonPeer } from "./python-peer";
import { formatNumber, table } from "./text-table";
import { comparePaired, describePaired } from "./paired-seeds";

/** Evaluations per run. */
const BUDGET = 100;
/** The evaluations at which the best value so far is read. */
const CHECKPOINTS = [40, 100] as const;
/** Seeds 0…n−1 by default: enough that a 10–20 % difference of medians shows in the paired comparison. */
const DEFAULT_SEEDS = 40;
/** CMA-ES's goal holds on functions of at least this many dimensions. */
const CMAES_GOAL_DIMENSIONS = 5;

/** Our samplers, by name, with the Optuna sampler each is measured against. */
const OURS: Readonly<Record<string, { make: (seed: number) => Sampler; peer: string }>> = {
  tpe: { make: (seed) => new TPESampler({ seed }), peer: "tpe_mv" },
  cmaes: { make: (seed) => new CmaEsSampler({ seed }), peer: "cmaes" },
};

interface Options {
  readonly seeds: number;
  readonly functions: readonly TestFunction[];
  readonly samplers: readonly string[];
  /** Print every seed's regrets, ours beside the peer's. */
  readonly perSeed: boolean;
}

/** Regrets per checkpoint [checkpoint][seed] and ms per trial. */
interface Figures {
  readonly regrets: readonly (readonly number[])[];
  readonly msPerTrial: number;
}

interface PeerOutput {
  readonly optuna: string;
  readonly results: Readonly<Record<string, Readonly<Record<string, { regrets: Readonly<Record<string, number[]>>; ms_per_trial: number }>>>>;
}

function parseArguments(argv: readonly string[]): Options {
  const known = new Set(["--seeds", "--functions", "--samplers", "--per-seed"]);
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (const arg of argv) if (arg.startsWith("--") && !known.has(arg)) throw new Error(`unknown option ${arg}; expected one of ${[...known].join(", ")}`);
  const seeds = Number(value("--seeds") ?? DEFAULT_SEEDS);
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`--seeds must be a positive integer, but got ${value("--seeds")}`);
  const functions = (value("--functions")?.split(",") ?? TEST_FUNCTIONS.map((f) => f.name)).map((name) => {
    const fn = TEST_FUNCTIONS.find((f) => f.name === name);
    if (fn === undefined) throw new Error(`unknown function "${name}"; expected some of ${TEST_FUNCTIONS.map((f) => f.name).join(", ")}`);
    return fn;
  });
  const samplers = value("--samplers")?.split(",") ?? Object.keys(OURS);
  for (const name of samplers) if (!(name in OURS)) throw new Error(`unknown sampler "${name}"; expected some of ${Object.keys(OURS).join(", ")}`);
  return { seeds, functions, samplers, perSeed: argv.includes("--per-seed") };
}

/** One run of `fn` with `sampler`: the regret at each checkpoint and our own milliseconds per trial. */
async function runOnce(fn: TestFunction, sampler: Sampler, seed: number): Promise<{ regrets: number[]; ms: number }> {
  const study = await createStudy({ sampler, seed, direction: "minimize" });
  const space = functionSpace(fn);
  const regrets: number[] = [];
  let best = Infinity;
  let ms = 0;
  for (let t = 1; t <= BUDGET; t++) {
    let started = performance.now();
    const trial = await study.ask(space);
    ms += performance.now() - started;
    const value = fn.evaluate(functionPoint(fn, trial.params));
    started = performance.now();
    await study.tell(trial, value);
    ms += performance.now() - started;
    best = Math.min(best, value);
    if ((CHECKPOINTS as readonly number[]).includes(t)) regrets.push(best - fn.minimum);
  }
  return { regrets, ms: ms / BUDGET };
}

/** Starts Optuna's measurement; resolves to its JSON, or to undefined (with a note) when it fails. */
function measurePeers(options: Options): Promise<PeerOutput | undefined> {
  const script = join(repositoryRoot(), "bench", "optuna-continuous.py");
  const peers = options.samplers.map((name) => (OURS[name] as { peer: string }).peer);
  const args = ["--budget", String(BUDGET), "--seeds", String(options.seeds), "--checkpoints", CHECKPOINTS.join(","), "--samplers", peers.join(","), "--functions", options.functions.map((f) => f.name).join(",")];
  return tryPythonPeer<PeerOutput>(script, args);
}


/** `--per-seed`'s lines for one function and sampler: per checkpoint, each seed's "ours / peer". */
function perSeedRows(fnName: string, sampler: string, own: readonly (readonly number[])[], peer: readonly (readonly number[])[]): string[] {
  return CHECKPOINTS.map((c, i) => {
    const theirs = peer[i] as readonly number[];
    const cells = (own[i] as readonly number[]).map((v, seed) => `${formatNumber(v)}/${theirs[seed] === undefined ? "-" : formatNumber(theirs[seed] as number)}`);
    return `  ${fnName} ${sampler} @${c}: ${cells.join(" ")}`;
  });
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  console.log(`Machine load average at start: ${loadavg().map((v) => v.toFixed(2)).join(", ")} (ms/trial grows with other load).`);
  const peers = measurePeers(options);
  const ours: Record<string, Record<string, Figures>> = {};
  for (const fn of options.functions) {
    ours[fn.name] = {};
    for (const name of options.samplers) {
      const runs: { regrets: number[]; ms: number }[] = [];
      for (let seed = 0; seed < options.seeds; seed++) runs.push(await runOnce(fn, (OURS[name] as { make: (seed: number) => Sampler }).make(seed), seed));
      ours[fn.name]![name] = { regrets: CHECKPOINTS.map((_, c) => runs.map((r) => r.regrets[c] as number)), msPerTrial: median(runs.map((r) => r.ms)) };
    }
  }
  const peerOutput = await peers;
  console.log(`TPE and CMA-ES: budget ${BUDGET}, seeds 0-${options.seeds - 1}, medians over seeds; peers: Optuna ${peerOutput?.optuna ?? "(not measured)"} in the same run.\n`);
  const verdicts: string[] = [];
  const perSeedLines: string[] = [];
  for (const fn of options.functions) {
    const rows: string[][] = [["optimiser", ...CHECKPOINTS.map((c) => `regret@${c}`), "ms/trial"]];
    for (const name of options.samplers) {
      const own = ours[fn.name]![name] as Figures;
      rows.push([`ours: ${name}`, ...own.regrets.map((r) => formatNumber(median(r))), own.msPerTrial.toFixed(2)]);
      const peerName = `optuna_${(OURS[name] as { peer: string }).peer}`;
      const peer = peerOutput?.results[fn.name]?.[peerName];
      if (peer === undefined) continue;
      const peerRegrets = CHECKPOINTS.map((c) => median(peer.regrets[String(c)] ?? []));
      rows.push([`peer: ${peerName}`, ...peerRegrets.map(formatNumber), peer.ms_per_trial.toFixed(2)]);
      const ownRegrets = own.regrets.map(median);
      const peerPerSeed = CHECKPOINTS.map((c) => peer.regrets[String(c)] ?? []);
      if (options.perSeed) perSeedLines.push(...perSeedRows(fn.name, name, own.regrets, peerPerSeed));
      // The paired comparison at checkpoint i, over the seeds both measured.
      const paired = (i: number): string => {
        const theirs = peerPerSeed[i] as number[];
        const n = Math.min(theirs.length, (own.regrets[i] as number[]).length);
        return `    paired @${CHECKPOINTS[i]}: ${describePaired(comparePaired((own.regrets[i] as number[]).slice(0, n), theirs.slice(0, n)))}`;
      };
      if (name === "tpe") {
        const checks = CHECKPOINTS.map((c, i) => [`regret@${c} ≤ peer`, (ownRegrets[i] as number) <= (peerRegrets[i] as number)] as const);
        const timed = [`ms/trial ≤ peer (${(own.msPerTrial / peer.ms_per_trial).toFixed(2)}×)`, own.msPerTrial <= peer.ms_per_trial] as const;
        verdicts.push(`${fn.name} tpe: ${[...checks, timed].map(([label, ok]) => `${ok ? "met" : "MISSED"} ${label}`).join(", ")}`, ...CHECKPOINTS.map((_, i) => paired(i)));
      } else if (fn.lower.length >= CMAES_GOAL_DIMENSIONS) {
        const last = CHECKPOINTS.length - 1;
        verdicts.push(`${fn.name} cmaes: ${(ownRegrets[last] as number) <= (peerRegrets[last] as number) ? "met" : "MISSED"} regret@${BUDGET} ≤ peer`, paired(last));
      }
    }
    console.log(`${fn.name} (${fn.lower.length}-d)`);
    console.log(table(rows));
    console.log("");
  }
  if (options.perSeed) console.log(`Regret per seed (ours / peer), seeds 0-${options.seeds - 1}:\n${perSeedLines.join("\n")}\n`);
  console.log(`Goals (paired: ratio of medians with its 90 % bootstrap interval, seeds where ours is lower–higher, two-sided sign test):\n  ${verdicts.join("\n  ")}`);
  console.log(`Machine load average at end: ${loadavg().map((v) => v.toFixed(2)).join(", ")}.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

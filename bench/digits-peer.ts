/**
 * The peer of the digits benchmarks: Optuna TPE + PyTorch (`../shared/bench/e2e_digits_optuna_torch.py`)
 * on the same rows, run in the same invocation with Debian's Python. `scripts/bench-peer-deps.sh`
 * installs python3-torch and python3-optuna when missing; `digits_peer_timing.py` runs the shared
 * script unchanged and adds the time inside its objective (for the overhead share).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { DIGITS_TARGETS, digitsPath, type RunFigures } from "./digits-e2e";
import { repositoryRoot } from "./peers";

/** The Python that has Debian's packages (a pyenv python3 on PATH does not). */
const DEBIAN_PYTHON = "/usr/bin/python3";

/** The peer's figures per seed, or why it could not run. */
export type PeerOutcome = { readonly ok: true; readonly seeds: readonly RunFigures[]; readonly summary: string } | { readonly ok: false; readonly reason: string };

/** Installs the peer's Debian packages when missing (apt-get through scripts/bench-peer-deps.sh). */
export function ensurePeerPackages(): string | undefined {
  const setup = spawnSync("bash", [join(repositoryRoot(), "scripts/bench-peer-deps.sh")], { stdio: ["ignore", "inherit", "pipe"], encoding: "utf8" });
  if (setup.status === 0) return undefined;
  return `scripts/bench-peer-deps.sh failed (exit ${String(setup.status)}): ${setup.stderr.trim().split("\n").slice(-3).join(" / ")}`;
}

/** Parses the script's "seed 0: 21.7 s, best val acc 0.9917, first reached {0.97: 3.1, 0.98: 5.2}". */
function parseSeedLine(line: string): { best: number; reached: Map<number, number> } | undefined {
  const match = /^seed \d+: ([\d.]+) s, best val acc ([\d.]+), first reached \{(.*)\}$/.exec(line.trim());
  if (match === null) return undefined;
  const reached = new Map<number, number>();
  for (const pair of match[3]!.split(",").filter((p) => p.trim() !== "")) {
    const [target, seconds] = pair.split(":").map((s) => Number(s.trim()));
    reached.set(target!, seconds!);
  }
  return { best: Number(match[2]), reached };
}

/**
 * Runs the peer for `trials` trials over seeds 0..seeds−1 (one process, one torch thread, as in
 * issue 13's table). Its epochs are fixed at 20 by the shared script.
 */
export function runDigitsPeer(trials: number, seeds: number): PeerOutcome {
  const setupProblem = ensurePeerPackages();
  if (setupProblem !== undefined) return { ok: false, reason: setupProblem };
  const script = join(repositoryRoot(), "../shared/bench/e2e_digits_optuna_torch.py");
  const wrapper = join(repositoryRoot(), "bench/digits_peer_timing.py");
  const run = spawnSync(DEBIAN_PYTHON, [wrapper, script, digitsPath(), String(trials), String(seeds), "1", "1"], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (run.status !== 0) return { ok: false, reason: `${DEBIAN_PYTHON} ${script} exited with ${String(run.status)}: ${run.stderr.trim().split("\n").slice(-3).join(" / ")}` };
  const lines = run.stdout.split("\n");
  const timings = lines.filter((l) => l.startsWith("bench-timing ")).map((l) => JSON.parse(l.slice("bench-timing ".length)) as { objective_s: number; optimize_s: number; trials: number });
  const seedLines = lines.map(parseSeedLine).filter((s) => s !== undefined);
  if (seedLines.length !== seeds || timings.length !== seeds) {
    return { ok: false, reason: `expected ${seeds} seed lines and timings from the peer, got ${seedLines.length} and ${timings.length}:\n${run.stdout}` };
  }
  const figures = seedLines.map((seed, i): RunFigures => {
    // The wall time of the study as timed around optimize (the script prints it rounded to 0.1 s).
    const { objective_s: objectiveS, optimize_s: wallS } = timings[i]!;
    return {
      wallS,
      best: seed.best,
      reachedS: DIGITS_TARGETS.map((t) => seed.reached.get(t) ?? Number.POSITIVE_INFINITY),
      trials: timings[i]!.trials,
      completed: timings[i]!.trials,
      trialsPerMinute: (timings[i]!.trials / wallS) * 60,
      objectiveS,
      overheadShare: (wallS - objectiveS) / wallS,
      liveShare: undefined,
      outside: undefined,
      printed: lines.find((l) => l.startsWith(`seed ${i}:`)) ?? "",
      liveUpdates: 0,
      sentKB: 0,
    };
  });
  return { ok: true, seeds: figures, summary: lines.find((l) => l.startsWith("optuna-tpe+torch")) ?? "" };
}

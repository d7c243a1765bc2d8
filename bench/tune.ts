/**
 * `npm run bench:tune [-- --trials 30 --epochs 20 --seeds 3 --strategies bayes,random --fused 4,8 --no-peer]`
 *
 * Issue 13's digits search (`digits-e2e.ts`: the space, model and rows of
 * `../shared/bench/e2e_digits_optuna_torch.py`) through the real `%%tune` front end, with the
 * defaults (no --strategy, no --workers: printed as they are when run) and with each strategy of
 * `STRATEGIES` (read at run time, so new strategies appear), with the fused trainer (`--workers 1
 * --fuse K` for each K of `--fused`, none by default), over seeds; and the peer script,
 * Optuna TPE + PyTorch, in the same invocation. Prints wall time, best validation accuracy, time
 * to first reach 0.97/0.98/0.985, trials per minute and the share of wall time outside the
 * objective, medians over seeds, the ratios ours / peer, and the issue's goals.
 */
import { parseArgs } from "node:util";
import { loadTensorFlow } from "../src/tfjs/backend";
import { STRATEGIES } from "../src/magic/tune/options";
import { digitsRows, tuneDefaults } from "./digits-e2e";
import { runDigitsBench, verdict, type DigitsConfig } from "./digits-bench";
import { medians } from "./e2e-summary";

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "30" },
    epochs: { type: "string", default: "20" },
    seeds: { type: "string", default: "3" },
    strategies: { type: "string", default: STRATEGIES.join(",") },
    fused: { type: "string", default: "" },
    "no-peer": { type: "boolean", default: false },
  },
});

/** Issue 13's measurements on this machine, printed beside ours (30 trials, 20 epochs). */
const ISSUE_13_FIGURES = "issue 13 (before): peer 21.7 s, 0.992; %%tune bayes defaults 116 s, 0.992; bayes --pruner asha 40 s, 0.989; random 27 % outside training";

async function main(): Promise<void> {
  const { tf, description } = await loadTensorFlow();
  const rows = digitsRows();
  const strategies = values.strategies.split(",").filter((s) => s !== "");
  const unknown = strategies.filter((s) => !(STRATEGIES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`--strategies: unknown ${unknown.join(", ")}; expected some of ${STRATEGIES.join(", ")}`);
  const configs: DigitsConfig[] = [
    { name: "defaults", options: [] },
    // K trials as one computation in the notebook's thread (src/tfjs/fused): not yet on worker threads.
    ...values.fused.split(",").filter((k) => k.trim() !== "").map((k) => ({ name: `--workers 1 --fuse ${k.trim()}`, options: ["--workers", "1", "--fuse", k.trim()] })),
    // grid needs points per continuous parameter: 3 × 3 × 3 × 3 batch sizes = 81 combinations, of which --trials are run.
    ...strategies.map((s) => ({ name: s, options: s === "grid" ? ["--strategy", s, "--grid-points", "3"] : ["--strategy", s] })),
  ];
  const size = { trials: Number(values.trials), epochs: Number(values.epochs), seeds: Number(values.seeds), peer: !values["no-peer"] };
  console.log(`bench:tune — digits MLP (${rows.xTrain.length} train / ${rows.yValidation.length} validation rows), ${size.trials} trials × ${size.epochs} epochs, seeds 0..${size.seeds - 1}; ${description}`);
  console.log(`%%tune defaults now: ${tuneDefaults()}`);
  const { configs: results, peer } = await runDigitsBench(tf, rows, configs, size);
  const defaults = results.find((c) => c.name === "defaults");
  const ours = defaults !== undefined && defaults.runs.length > 0 ? medians(defaults.runs) : undefined;
  const oneExample = 1 / rows.yValidation.length;
  console.log("\nGoals (issue 13, medians over seeds):");
  console.log(`  default wall ≤ 1.5 × the peer's: ${verdict(ours && peer && ours.wallS <= 1.5 * peer.wallS)}` + (ours && peer ? ` (${(ours.wallS / peer.wallS).toFixed(2)}×)` : ""));
  console.log(`  default best val acc within one validation example (${oneExample.toFixed(4)}) of the peer's: ${verdict(ours && peer && ours.best >= peer.best - oneExample - 1e-9)}`);
  // Outside the objective plus the live view's time (part of which falls inside the objective while
  // a trial trains): an upper bound of the time not spent training.
  const overheads = results
    .filter((c) => c.runs.length > 0)
    .map((c) => {
      const m = medians(c.runs);
      return { name: c.name, share: m.overheadShare + (Number.isFinite(m.liveShare) ? m.liveShare : 0) };
    });
  const worst = overheads.reduce((a, b) => (b.share > a.share ? b : a), { name: "-", share: Number.NEGATIVE_INFINITY });
  console.log(`  every strategy's time outside training (outside the objective + live view) < 2 % of wall: ${verdict(overheads.length === 0 ? undefined : worst.share < 0.02)} (highest: ${worst.name} ${(worst.share * 100).toFixed(1)} %)`);
  for (const fused of results.filter((c) => c.name.includes("--fuse") && c.runs.length > 0)) {
    const m = medians(fused.runs);
    console.log(`  ${fused.name}: wall ${(peer ? m.wallS / peer.wallS : Number.NaN).toFixed(2)}× the peer's, ${ours ? (m.wallS / ours.wallS).toFixed(2) : "?"}× the defaults'; best val acc ${m.best.toFixed(4)}`);
  }
  console.log(`  ${ISSUE_13_FIGURES}`);
  console.log(`Backend: ${description}. Tensors alive at the end: ${tf.memory().numTensors}.`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

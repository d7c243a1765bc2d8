/**
 * The loop both digits benchmarks share: each configuration over seeds through `%%tune`, the peer
 * in the same invocation, and the table of medians with the ratios ours / peer.
 */
import { runDigitsSearch, type DigitsRows, type DigitsRunSpec } from "./digits-e2e";
import { runDigitsPeer } from "./digits-peer";
import { medians, ratioRow, seedLine, summaryHeader, summaryRow, type ConfigRuns, type Medians } from "./e2e-summary";
import type { TensorFlow } from "../src/tfjs/backend";
import { PlotlyEmbedding } from "../src/render";

/** A named set of `%%tune` options (none for the defaults). */
export interface DigitsConfig {
  readonly name: string;
  readonly options: readonly string[];
}

/** Sizes of a run of the benchmark. */
export interface DigitsBenchSize {
  readonly trials: number;
  readonly epochs: number;
  readonly seeds: number;
  /** Run the peer (Optuna TPE + PyTorch) too. */
  readonly peer: boolean;
}

/** Every configuration's runs and the peer's medians (undefined when it did not run). */
export interface DigitsBenchResult {
  readonly configs: readonly ConfigRuns[];
  readonly peer: Medians | undefined;
}

/** Runs each configuration over seeds 0..seeds−1 and the peer, printing per seed and then the table. */
export async function runDigitsBench(tf: TensorFlow, rows: DigitsRows, configs: readonly DigitsConfig[], size: DigitsBenchSize): Promise<DigitsBenchResult> {
  // One untimed trial of one epoch first, so that the first configuration does not pay alone for
  // compiling the shared code paths and sending plotly.js (the peer's imports are outside its timing too).
  const embedding = new PlotlyEmbedding();
  const warmUp = await runDigitsSearch(tf, rows, { trials: 1, epochs: 1, seed: 0, options: [] }, embedding);
  console.log(`  warm-up (not counted): 1 trial × 1 epoch in ${warmUp.wallS.toFixed(1)} s`);
  const results: ConfigRuns[] = [];
  for (const config of configs) {
    // Each configuration's first seed would otherwise pay alone for loading and compiling its own
    // sampler and pruner (0.2–2.5 s of setup here against 0.04–0.15 s for its later seeds): an
    // untimed run of 2 trials × 1 epoch first (2: a PBT population needs two members). A
    // configuration that cannot run fails again, and is reported, in its timed runs.
    await runDigitsSearch(tf, rows, { trials: 2, epochs: 1, seed: 0, options: config.options }, embedding).catch(() => undefined);
    const runs = [];
    const errors: string[] = [];
    for (let seed = 0; seed < size.seeds; seed++) {
      const spec: DigitsRunSpec = { trials: size.trials, epochs: size.epochs, seed, options: config.options };
      try {
        const run = await runDigitsSearch(tf, rows, spec, embedding);
        runs.push(run);
        console.log(seedLine(config.name, seed, run));
        console.log(`    ${run.printed.split("\n").join("\n    ")}`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        errors.push(`seed ${seed}: ${message}`);
        console.log(`  ${config.name} seed ${seed}: failed: ${message}`);
      }
    }
    results.push({ name: config.name, runs, ...(errors.length > 0 ? { error: errors.join("; ") } : {}) });
  }
  let peer: Medians | undefined;
  let peerRow: string;
  if (size.peer) {
    console.log(`  peer: Optuna TPE + PyTorch, ${size.trials} trials × 20 epochs (fixed by the script), seeds 0..${size.seeds - 1} …`);
    const outcome = runDigitsPeer(size.trials, size.seeds);
    if (outcome.ok) {
      outcome.seeds.forEach((run, seed) => console.log(seedLine("optuna-tpe+torch", seed, run)));
      console.log(`    ${outcome.summary}`);
      peer = medians(outcome.seeds);
      peerRow = summaryRow({ name: "optuna-tpe+torch (peer)", runs: outcome.seeds });
    } else {
      peerRow = `optuna-tpe+torch (peer)  did not run: ${outcome.reason}`;
    }
  } else {
    peerRow = "optuna-tpe+torch (peer)  not run (--no-peer)";
  }
  console.log(`\nMedians over seeds (times in seconds from the start of the search; best acc of trials that ran every epoch):`);
  console.log(summaryHeader());
  for (const config of results) console.log(summaryRow(config));
  console.log(peerRow);
  if (peer !== undefined) {
    console.log("\nOurs / peer:");
    for (const config of results) console.log(ratioRow(config, peer, rows.yValidation.length));
  }
  if (size.epochs !== 20) console.log(`\nNote: ours trained ${size.epochs} epochs per trial, the peer 20: not like for like (use --epochs 20 to compare).`);
  return { configs: results, peer };
}

/** "met" / "missed" / "not measured" for a goal. */
export function verdict(value: boolean | undefined): string {
  return value === undefined ? "not measured" : value ? "met" : "missed";
}

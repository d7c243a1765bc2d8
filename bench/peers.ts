/**
 * The peer figures of ../shared/bench/peers.json (see its README): what established optimisers
 * reach on four standard functions, and their own time per trial.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** One peer on one function. */
export interface PeerResult {
  readonly median_final_regret: number;
  readonly median_regret_at_20: number;
  readonly ms_per_trial: number;
}

/** The whole file: each peer's description, and results per function. */
export interface PeerFile {
  readonly peers: Readonly<Record<string, string>>;
  readonly functions: Readonly<Record<string, { readonly domain: string; readonly results: Readonly<Record<string, PeerResult>> }>>;
}

/** The repository root: the nearest directory above this file holding package.json. */
export function repositoryRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}: cannot locate the repository`);
    dir = parent;
  }
  return dir;
}

/** Reads ../shared/bench/peers.json (beside the repository), or fails saying where it looked. */
export function readPeers(): PeerFile {
  const path = resolve(repositoryRoot(), "../shared/bench/peers.json");
  if (!existsSync(path)) {
    throw new Error(`peer figures not found at ${path}: the benchmark compares with ../shared/bench/peers.json (relative to the repository)`);
  }
  return JSON.parse(readFileSync(path, "utf8")) as PeerFile;
}

export { median } from "../src/common/stats";

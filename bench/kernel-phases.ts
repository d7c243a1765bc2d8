/**
 * Where the time to the first cell's result goes on the kernel's main thread: each run is a fresh
 * process that does what the main thread does before the first result (load the compiler with its
 * V8 code cache, load the engine module, build the first program, run the cell `1`), timed from
 * the process's start, with the first program's parse, bind, check, emit and module resolution as
 * the compiler measures them (its internal `ts.performance` timers). The transport thread is left
 * out (it runs beside this), and so is the client. Reading the compiler's files (on the thread
 * pool) is shown apart: the kernel starts it at launch, so there it overlaps loading the kernel's
 * own modules, while here nothing else is done meanwhile.
 *
 * Printed by `npm run bench:kernel` after its table, or alone: `node dist/bench/kernel-phases.js
 * [--runs N]`; a child run is `… kernel-phases.js --child`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(__dirname, "..", "..");

/** One run's figures, in ms: wall-clock time, and the process's CPU time (user + system, all threads) of the phases it can be taken for. */
interface Phases {
  readonly start: number;
  readonly compiler: number;
  /** Of `compiler`: reading its code cache and source on the thread pool (the kernel starts that at launch, beside its own start-up). */
  readonly compilerFiles: number;
  readonly engineModule: number;
  readonly firstProgram: number;
  readonly parse: number;
  /** Rebuilding syntax trees from the cache (src/exec/syntax-tree-cache.ts) instead of parsing them. */
  readonly rebuild: number;
  readonly bind: number;
  readonly check: number;
  readonly emit: number;
  readonly resolve: number;
  readonly firstCell: number;
  readonly total: number;
  readonly cpu: { readonly [phase in CpuPhase]: number };
}

/** The phases whose CPU time is taken too (on a loaded machine it varies less than wall-clock time). */
type CpuPhase = "start" | "compiler" | "engineModule" | "firstProgram" | "firstCell" | "total";

/** The process's CPU time so far, ms. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** The compiler's internal `ts.performance` timers. */
interface CompilerTimers {
  enable(): void;
  getDuration(name: string): number;
}

/** In the child: the phases, printed as one JSON line. */
async function child(): Promise<void> {
  const start = performance.now();
  const cpuStart = cpuMs();
  const { codeCacheDir, COMPILER_MODULE, loadWithCodeCache, prefetchCompilerCaches } = require("../src/exec/code-cache") as typeof import("../src/exec/code-cache");
  // As the kernel does (src/cli.ts, src/kernel/kernel.ts, cell-runner.ts), but with nothing to do while the files are read.
  await prefetchCompilerCaches(codeCacheDir());
  const compilerFilesRead = performance.now();
  const cached = loadWithCodeCache(COMPILER_MODULE, codeCacheDir());
  // The compiler's own timers (internal: not in its declarations).
  const { performance: timers } = require("@tslab/typescript-for-tslab") as { performance: CompilerTimers };
  const compilerLoaded = performance.now();
  const cpuCompiler = cpuMs();
  timers.enable();
  const { Engine } = require("../src/exec/engine") as typeof import("../src/exec/engine");
  const engineLoaded = performance.now();
  const cpuEngine = cpuMs();
  const engine = new Engine("typescript", ROOT);
  const programBuilt = performance.now();
  const cpuProgram = cpuMs();
  const measure = (...names: string[]): number => names.reduce((sum, name) => sum + timers.getDuration(name), 0);
  const trees = (require("../src/exec/syntax-tree-cache") as typeof import("../src/exec/syntax-tree-cache")).sharedSyntaxTreeCache();
  const phases = { parse: measure("Parse"), rebuild: trees?.rebuildMs ?? 0, bind: measure("Bind"), check: measure("Check"), emit: measure("Emit"), resolve: measure("ResolveModule", "ResolveTypeReference") };
  const outcome = await engine.run("1");
  if (outcome.status !== "ok" || outcome.value !== 1) throw new Error(`the cell 1 gave ${JSON.stringify(outcome)}`);
  const end = performance.now();
  const cpuEnd = cpuMs();
  cached.save();
  // As the kernel does after a cell: the next run rebuilds these trees instead of parsing them.
  await engine.saveSyntaxTrees();
  const result: Phases = {
    start,
    compiler: compilerLoaded - start,
    compilerFiles: compilerFilesRead - start,
    engineModule: engineLoaded - compilerLoaded,
    firstProgram: programBuilt - engineLoaded,
    ...phases,
    firstCell: end - programBuilt,
    total: end,
    cpu: { start: cpuStart, compiler: cpuCompiler - cpuStart, engineModule: cpuEngine - cpuCompiler, firstProgram: cpuProgram - cpuEngine, firstCell: cpuEnd - cpuProgram, total: cpuEnd },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  engine.close();
}

function runChild(cacheDir: string): Phases {
  const args = [__filename, "--child"];
  const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "", TUNELAB_CACHE_DIR: cacheDir }, timeout: 120_000 });
  if (result.status !== 0) throw new Error(`${args.join(" ")} failed (${result.status}):\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").pop() ?? "{}") as Phases;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Runs the child `runs` times and prints the median of each phase. The runs use a code cache and
 * a syntax tree cache of their own, written by one run before them (the installation's caches are
 * shared by every checkout that links the same `node_modules`, and V8 rejects a code cache written
 * with other flags).
 */
export function printKernelPhases(runs: number): void {
  const cacheDir = mkdtempSync(path.join(tmpdir(), "tunelab-phases-"));
  const measured: Phases[] = [];
  try {
    runChild(cacheDir);
    for (let i = 0; i < runs; i++) measured.push(runChild(cacheDir));
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  const rows: [string, Exclude<keyof Phases, "cpu">, CpuPhase?][] = [
    ["process start", "start", "start"],
    ["compiler load (V8 code cache)", "compiler", "compiler"],
    ["  of which reading its files", "compilerFiles"],
    ["engine module load", "engineModule", "engineModule"],
    ["first program", "firstProgram", "firstProgram"],
    ["  of which parse", "parse"],
    ["  of which syntax trees from the cache", "rebuild"],
    ["  of which bind", "bind"],
    ["  of which check", "check"],
    ["  of which emit", "emit"],
    ["  of which module resolution", "resolve"],
    ["first cell (compile + run)", "firstCell", "firstCell"],
    ["launch to result (main thread)", "total", "total"],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  process.stdout.write(`First-cell phases, median of ${runs} runs, ms (main thread only; no transport, no client; load average ${loadavg()[0]?.toFixed(2)}):\n`);
  process.stdout.write(`${"".padEnd(width)}  ${"wall".padStart(6)}  ${"min".padStart(6)}  ${"max".padStart(6)}  ${"CPU".padStart(6)}\n`);
  for (const [label, key, cpuKey] of rows) {
    const values = measured.map((p) => p[key]);
    const cpu = cpuKey === undefined ? "" : median(measured.map((p) => p.cpu[cpuKey])).toFixed(0);
    process.stdout.write(`${label.padEnd(width)}  ${[median(values), Math.min(...values), Math.max(...values)].map((v) => v.toFixed(0).padStart(6)).join("  ")}  ${cpu.padStart(6)}\n`);
  }
}

if (require.main === module || process.argv.includes("--child")) {
  const { values } = parseArgs({ options: { child: { type: "boolean" }, runs: { type: "string" } } });
  if (values.child === true) {
    child().catch((error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
  } else {
    printKernelPhases(Number(values.runs ?? "5"));
  }
}

/**
 * The compiler's caches made before the first kernel starts. Without them the first kernel of an
 * installation compiles the compiler and the functions its first cell uses itself (about 0.3–0.5 s
 * more before the first result) and parses the libraries and `@types` (another 0.3–0.45 s), and
 * writes the caches after that cell. `npm run build` and `tunelab install` run `tunelab warm-up`,
 * which builds the first program of a notebook in a new folder (the libraries and tslab's
 * `@types/node`) and of one in the current folder (its own `@types`), keeps their syntax trees
 * (syntax-tree-cache.ts), then does what a kernel does up to its first cell's result (load the
 * compiler, run `1`) and writes the code cache.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { log } from "../common/log";
import { COMPILER_MODULE, hasCodeCache, loadWithCodeCache, syntaxTreePackFile } from "./code-cache";

/** What {@link warmUpCompilerCache} did. */
export interface WarmUpOutcome {
  /** The code cache. `present`: one existed, nothing was done; `written`: it was made; `failed`: it could not be (the kernel then makes it itself). */
  readonly status: "present" | "written" | "failed";
  /** Why it failed. */
  readonly reason?: string;
  /** How many syntax trees were taken from the cache and how many were parsed and added to it. */
  readonly trees?: { readonly kept: number; readonly added: number };
}

/**
 * Writes the compiler's code cache into `cacheDir` unless one is there, and the syntax trees of
 * the first programs of a new folder and of `notebookDir` the cache lacks. Runs in a process of
 * its own (the compiler must not be loaded yet, and the engine installs the kernel's globals).
 */
export async function warmUpCompilerCache(cacheDir: string, notebookDir: string = process.cwd()): Promise<WarmUpOutcome> {
  const newFolder = mkdtempSync(path.join(tmpdir(), "tunelab-warm-up-"));
  try {
    const codeCachePresent = hasCodeCache(COMPILER_MODULE, cacheDir);
    const compiler = loadWithCodeCache(COMPILER_MODULE, cacheDir);
    const trees = keepSyntaxTrees(cacheDir, [newFolder, notebookDir]);
    if (codeCachePresent) return { status: "present", ...(trees === undefined ? {} : { trees }) };
    const { Engine } = require("./engine") as typeof import("./engine");
    const engine = new Engine("typescript", newFolder);
    try {
      const outcome = await engine.run("1");
      if (outcome.status !== "ok") return { status: "failed", reason: `the cell 1 gave ${outcome.status}` };
    } finally {
      engine.close();
    }
    compiler.save();
    const kept = trees === undefined ? {} : { trees };
    return hasCodeCache(COMPILER_MODULE, cacheDir) ? { status: "written", ...kept } : { status: "failed", reason: `${cacheDir} could not be written`, ...kept };
  } catch (error) {
    return { status: "failed", reason: (error as Error).message };
  } finally {
    rmSync(newFolder, { recursive: true, force: true });
  }
}

/**
 * Builds the first program of a notebook in each of `folders` (the TypeScript kernel's) and writes
 * the trees the cache lacked; `undefined` when that failed (logged: the code cache is made anyway,
 * and kernels keep the trees themselves).
 */
function keepSyntaxTrees(cacheDir: string, folders: readonly string[]): { kept: number; added: number } | undefined {
  try {
    const { SyntaxTreeCache } = require("./syntax-tree-cache") as typeof import("./syntax-tree-cache");
    const { CellProgram } = require("./cell-program") as typeof import("./cell-program");
    const trees = new SyntaxTreeCache(syntaxTreePackFile(cacheDir));
    let added = 0;
    for (const folder of folders) {
      new CellProgram(folder, false, trees).update("", "");
      added += trees.pending;
      trees.save();
    }
    return { kept: trees.hits, added };
  } catch (error) {
    log(`the syntax trees were not kept: ${(error as Error).message}`);
    return undefined;
  }
}

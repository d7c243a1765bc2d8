/**
 * The compiler's code cache made before the first kernel starts. Without it the first kernel of an
 * installation compiles the compiler and the functions its first cell uses itself (about 0.3–0.5 s
 * more before the first result) and writes the cache after that cell. `npm run build` and
 * `tunelab install` run `tunelab warm-up`, which does what a kernel does up to its first cell's
 * result (load the compiler, build the first program, run `1`) and writes the cache then.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { COMPILER_MODULE, hasCodeCache, loadWithCodeCache } from "./code-cache";

/** What {@link warmUpCompilerCache} did. */
export interface WarmUpOutcome {
  /** `present`: a cache existed, nothing was done; `written`: the cache was made; `failed`: it could not be (the kernel then makes it itself). */
  readonly status: "present" | "written" | "failed";
  /** Why it failed. */
  readonly reason?: string;
}

/**
 * Writes the compiler's code cache into `cacheDir` unless one is there. Runs in a process of its
 * own (the compiler must not be loaded yet, and the engine installs the kernel's globals).
 */
export async function warmUpCompilerCache(cacheDir: string): Promise<WarmUpOutcome> {
  if (hasCodeCache(COMPILER_MODULE, cacheDir)) return { status: "present" };
  const notebookDir = mkdtempSync(path.join(tmpdir(), "tunelab-warm-up-"));
  try {
    const compiler = loadWithCodeCache(COMPILER_MODULE, cacheDir);
    const { Engine } = require("./engine") as typeof import("./engine");
    const engine = new Engine("typescript", notebookDir);
    try {
      const outcome = await engine.run("1");
      if (outcome.status !== "ok") return { status: "failed", reason: `the cell 1 gave ${outcome.status}` };
    } finally {
      engine.close();
    }
    compiler.save();
    return hasCodeCache(COMPILER_MODULE, cacheDir) ? { status: "written" } : { status: "failed", reason: `${cacheDir} could not be written` };
  } catch (error) {
    return { status: "failed", reason: (error as Error).message };
  } finally {
    rmSync(notebookDir, { recursive: true, force: true });
  }
}

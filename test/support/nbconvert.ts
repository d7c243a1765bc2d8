/**
 * Notebooks executed by real Jupyter (`jupyter nbconvert --to notebook --execute`, Debian's) with a
 * temporary tunelab kernelspec, and the code cells and outputs they leave.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { run, temporaryKernelspecs, type ProcessResult } from "../kernel/helpers";
import { text, type LooseOutput } from "./outputs";

/** Debian's Jupyter (the `jupyter` on PATH belongs to another Python). */
export const JUPYTER = "/usr/bin/jupyter";

/** A code cell as nbconvert writes it. */
export interface CodeCell {
  readonly cell_type: string;
  readonly source: string | string[];
  readonly outputs?: LooseOutput[];
  readonly execution_count?: number | null;
}

/** Where a test runs its notebooks: the kernelspec's environment and a scratch folder. */
export interface NotebookRun {
  /** The environment that makes Jupyter find the tunelab kernelspec. */
  readonly env: NodeJS.ProcessEnv;
  /** A fresh folder, removed with the kernelspec when the test's body ends. */
  readonly dir: string;
}

/** Runs `body` with a fresh kernelspec and scratch folder (named from `prefix`), then removes both. */
export async function withNotebookRun(prefix: string, body: (run: NotebookRun) => Promise<void>): Promise<void> {
  const spec = temporaryKernelspecs();
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  try {
    await body({ env: spec.env, dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    spec.cleanup();
  }
}

/** How nbconvert is called beyond `--to notebook --execute NOTEBOOK`. */
export interface NbconvertOptions {
  readonly env: NodeJS.ProcessEnv;
  /** Further arguments: where to write (`--output-dir`, `--output`), `--allow-errors`, time-outs. */
  readonly args: readonly string[];
  /** The working folder; the notebook's own by default. */
  readonly cwd?: string;
  readonly timeoutMs: number;
}

/** `jupyter nbconvert --to notebook --execute` on `notebook`, however it ends. */
export function nbconvert(notebook: string, options: NbconvertOptions): Promise<ProcessResult> {
  const args = ["nbconvert", "--to", "notebook", "--execute", ...options.args, notebook];
  return run(JUPYTER, args, { env: options.env, cwd: options.cwd ?? path.dirname(notebook), timeoutMs: options.timeoutMs });
}

/**
 * Executes `notebook` into `outDir`, asserting nbconvert succeeds, and returns the executed
 * notebook's file.
 */
export async function executeNotebook(notebook: string, outDir: string, options: Omit<NbconvertOptions, "args"> & { readonly args?: readonly string[] }): Promise<string> {
  const result = await nbconvert(notebook, { ...options, args: [...(options.args ?? []), "--output-dir", outDir] });
  assert.equal(result.code, 0, `nbconvert ${(options.args ?? []).join(" ")} failed on ${path.basename(notebook)}:\n${result.stderr.slice(-3000)}`);
  return path.join(outDir, path.basename(notebook));
}

/** The code cells of an executed notebook's file. */
export function codeCells(file: string): CodeCell[] {
  return (JSON.parse(readFileSync(file, "utf8")) as { cells: CodeCell[] }).cells.filter((c) => c.cell_type === "code");
}

/** An executed notebook's outputs and its streams' text, asserting that no cell failed. */
export function outputsOf(file: string): { readonly cells: CodeCell[]; readonly outputs: LooseOutput[]; readonly streams: string } {
  const cells = codeCells(file);
  const outputs = cells.flatMap((c) => c.outputs ?? []);
  const errors = outputs.filter((o) => o.output_type === "error");
  assert.deepEqual(errors.map((e) => `${e.ename}: ${e.evalue}`), [], "no cell failed");
  const streams = outputs.filter((o) => o.output_type === "stream").map((o) => text(o.text)).join("");
  return { cells, outputs, streams };
}

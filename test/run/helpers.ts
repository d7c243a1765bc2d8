/** Shared pieces of the `tunelab run` tests: the compiled CLI, notebook builders, nbformat validation. */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Cell, Notebook } from "../../src/run/notebook";

/** The repository root (from `dist/test/run/` or, under tsx, `test/run/`). */
export const ROOT = (() => {
  const up = path.resolve(__dirname, "..", "..");
  return path.basename(up) === "dist" ? path.dirname(up) : up;
})();

/** The compiled entry point of `tunelab run` (build first: `npm run build`). */
export const CLI_MAIN = path.join(ROOT, "dist", "src", "run", "cli-main.js");

/** Debian's Python, which has nbformat. */
export const PYTHON = "/usr/bin/python3";

/** A fresh temporary directory for one test. */
export function scratchDir(): string {
  return mkdtempSync(path.join(tmpdir(), "tunelab-run-test-"));
}

/** A code cell. */
export function code(source: string, tags: readonly string[] = []): Cell {
  return { cell_type: "code", id: cellId(), metadata: tags.length > 0 ? { tags: [...tags] } : {}, source, execution_count: null, outputs: [] };
}

/** A markdown cell. */
export function markdown(source: string): Cell {
  return { cell_type: "markdown", id: cellId(), metadata: {}, source };
}

/** An nbformat 4.5 notebook of `cells` for the TypeScript tunelab kernel. */
export function notebookOf(cells: readonly Cell[], language = "typescript"): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: language === "javascript" ? "tunelab-js" : "tunelab", display_name: "tunelab", language } },
    cells: [...cells],
  };
}

let nextId = 0;
function cellId(): string {
  nextId += 1;
  return `cell-${nextId}`;
}

/** Markdown, parameters, streams, a result, displays updated by id, an error, a cell after it. */
export function fixtureNotebook(): Notebook {
  return notebookOf([
    markdown("# Fixture notebook\n\nSome *markdown*, and `<b>` in code."),
    code('const rate = 0.1;\nlet label = "base";\nconst sizes: number[] = [1];\nconst mode = "adam";', ["parameters"]),
    code('console.log("rate", rate, "label", label, "sizes", JSON.stringify(sizes), "mode", mode === "adam" ? "is adam" : "is not adam");\nconsole.log("second line");\nconsole.error("to stderr");'),
    code("const total = rate * 10;\ntotal"),
    code('display({ "text/html": "<b>working</b>", "text/plain": "working" }, { displayId: "progress" });\ndisplay({ "text/plain": "unrelated" });'),
    code('updateDisplay("progress", { "text/html": "<i>done</i>", "text/plain": "done" });\n"updated"'),
    code('const markup = "<script>window.injected = true</script>";\nthrow new Error("deliberate failure " + total);'),
    code('console.log("after the error", total + 1);'),
  ]);
}

/** Writes `notebook` to `dir/name` and returns the path. */
export function writeFixture(dir: string, name: string, notebook: Notebook): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(notebook, null, 1));
  return file;
}

/** Reads a written notebook back as plain JSON. */
export function readJson(file: string): Notebook {
  return JSON.parse(readFileSync(file, "utf8")) as Notebook;
}

/** What a `tunelab run` process did. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node dist/src/run/cli-main.js ...args` to completion. `tmp` becomes the child's TMPDIR, so
 * that its kernel's connection file lives there (see {@link kernelProcessesUnder}).
 * `onStderr` sees stderr as it arrives, with the child (to send it signals).
 */
export function runCli(
  args: readonly string[],
  options: { tmp: string; timeoutMs?: number; onStderr?: (soFar: string, child: ReturnType<typeof spawn>) => void },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { env: { ...process.env, TMPDIR: options.tmp }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(stderr, child);
    });
    const limit = options.timeoutMs ?? 90_000;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`tunelab run ${args.join(" ")} did not finish within ${limit} ms\nstderr:\n${stderr}`));
    }, limit);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Pids of live processes whose command line mentions `dir` (a kernel whose connection file is there). */
export function kernelProcessesUnder(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.includes(dir) && cmdline.includes("--connection-file")) found.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** Validates a notebook file with nbformat (Debian's python3-nbformat); returns the error text or "". */
export function nbformatProblems(file: string): string {
  const script = "import sys, nbformat\nnb = nbformat.read(sys.argv[1], as_version=4)\nnbformat.validate(nb)\nprint('valid')";
  const result = spawnSync(PYTHON, ["-c", script, file], { encoding: "utf8" });
  return result.status === 0 && result.stdout.trim() === "valid" ? "" : `${result.stdout}\n${result.stderr}`;
}

/** The text of a multi-line string as written (a list of lines or a string). */
export function text(value: unknown): string {
  return Array.isArray(value) ? value.join("") : String(value);
}

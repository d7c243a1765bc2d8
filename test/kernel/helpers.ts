/** Shared setup of the kernel tests: a kernelspec in a temporary Jupyter data dir, Python runs. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { installKernelspecs } from "../../src/kernel/install";

/** Debian's Python, which has jupyter_client (the `python3` on PATH may not). */
export const PYTHON = "/usr/bin/python3";

/** The directory holding the Python test scripts (the sources, not dist/). */
export const SCRIPTS_DIR = path.resolve(__dirname, "..", "..", "..", "test", "kernel");

/** A temporary JUPYTER_DATA_DIR with the tunelab kernelspecs installed. */
export function temporaryKernelspecs(): { readonly dataDir: string; readonly env: NodeJS.ProcessEnv; cleanup(): void } {
  const dataDir = mkdtempSync(path.join(tmpdir(), "tunelab-jupyter-"));
  installKernelspecs({ target: { kind: "user" }, name: "tunelab", environment: { env: { JUPYTER_DATA_DIR: dataDir }, home: dataDir, sysPrefix: "/usr" } });
  const env = { ...process.env, JUPYTER_DATA_DIR: dataDir, PYDEVD_DISABLE_FILE_VALIDATION: "1", PYTHONWARNINGS: "ignore" };
  return { dataDir, env, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** Output of a finished process. */
export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion, with a time limit. */
export function run(command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number }): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd ?? SCRIPTS_DIR, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} did not finish within ${options.timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

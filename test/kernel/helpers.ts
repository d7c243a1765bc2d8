/** Shared setup of the kernel tests: a kernelspec in a temporary Jupyter data dir, Python runs. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { spawn } from "node:child_process";
import { test } from "node:test";
import assert from "node:assert/strict";
import { installKernelspecs } from "../../src/kernel/install";

/** Debian's Python, which has jupyter_client (the `python3` on PATH may not). */
export const PYTHON = "/usr/bin/python3";

/** The directory holding the Python test scripts (the sources, not dist/). */
export const SCRIPTS_DIR = path.resolve(__dirname, "..", "..", "..", "test", "kernel");

/**
 * Python source of `execute(kc, code, pause=0)`, for test clients: runs a cell through
 * jupyter_client and returns its status, `text/plain` results and error values, after waiting
 * `pause` seconds (the kernel is then idle, as while a person reads the result).
 */
export const PYTHON_EXECUTE = String.raw`
def execute(kc, code, pause=0):
    outputs, errors = [], []
    def hook(msg):
        if msg["msg_type"] == "execute_result":
            outputs.append(msg["content"]["data"]["text/plain"])
        elif msg["msg_type"] == "error":
            errors.append(msg["content"]["evalue"])
    reply = kc.execute_interactive(code, timeout=120, output_hook=hook)
    time.sleep(pause)
    return {"status": reply["content"]["status"], "outputs": outputs, "errors": errors}
`;

/**
 * Python: starts the tunelab kernel with its stderr (the kernel's log) in the open file `log`, and
 * a client ready to talk to it; returns both (for tests that read the log afterwards).
 */
export const PYTHON_LOGGED_KERNEL = String.raw`
from jupyter_client import KernelManager

def start_logged_kernel(log):
    km = KernelManager(kernel_name="tunelab")
    km.start_kernel(stderr=log)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    return km, kc
`;

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

/** One scenario's outcome, as the Python scenario scripts print it (one JSON line each). */
interface ScenarioResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly seconds: number;
}

/**
 * One node:test per group of scenarios of a Python script (scenarios.py, tune_scenarios.py),
 * each scenario a subtest. A group shares one kernel process with a fresh kernelspec; the
 * script starts a new kernel after a failed scenario.
 */
export function scenarioTests(
  title: string,
  script: string,
  groups: Readonly<Record<string, readonly string[]>>,
  options: { readonly env?: NodeJS.ProcessEnv; readonly timeoutMs: number },
): void {
  for (const [group, scenarios] of Object.entries(groups)) {
    test(`${title}: ${group}`, async (t) => {
      const spec = temporaryKernelspecs();
      try {
        const result = await run(PYTHON, [script, ...scenarios], { env: { ...spec.env, ...options.env }, timeoutMs: options.timeoutMs });
        const results = new Map<string, ScenarioResult>();
        for (const line of result.stdout.split("\n")) {
          if (!line.startsWith("{")) continue;
          const parsed = JSON.parse(line) as ScenarioResult;
          results.set(parsed.name, parsed);
        }
        for (const name of scenarios) {
          await t.test(name, () => {
            const outcome = results.get(name);
            assert.ok(outcome !== undefined, `scenario ${name} produced no result (exit ${result.code}):\n${result.stderr.slice(-3000)}`);
            assert.ok(outcome.ok, `${name} failed:\n${outcome.error ?? ""}`);
          });
        }
        assert.equal(result.code, 0, `${script} exited with ${result.code}`);
      } finally {
        spec.cleanup();
      }
    });
  }
}

/**
 * A Python peer measured in the same run: `/usr/bin/python3 SCRIPT ARGS…` (Debian's Python, which
 * sees Debian's optuna, cmaes and torch; the `python3` on PATH may not), whose standard output is
 * one JSON document.
 */
import { spawn } from "node:child_process";

/**
 * Runs the peer script and resolves to the JSON it printed.
 * @throws Error (rejects) when it cannot start or exits with an error: its last lines of error output
 */
export function runPythonPeer<T>(script: string, args: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/python3", [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`/usr/bin/python3 ${script} exited with ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`));
      else resolve(JSON.parse(out) as T);
    });
  });
}

/** {@link runPythonPeer}, or undefined with a printed note saying why the peers were not measured. */
export async function tryPythonPeer<T>(script: string, args: readonly string[]): Promise<T | undefined> {
  try {
    return await runPythonPeer<T>(script, args);
  } catch (error) {
    console.log(`(Optuna peers not measured: ${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
}

/**
 * Warming the per-cell path while idle (src/exec/cell-path-warm-up.ts) in a real kernel over
 * ZeroMQ: cells sent at once after the start are answered while the warm-up waits, the warm-up
 * then finishes in idle time (the kernel's log says so), and the notebook is as its cells left it
 * (values, a declared type, the warm-up's own names unknown).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PYTHON, PYTHON_EXECUTE, PYTHON_LOGGED_KERNEL, run, temporaryKernelspecs } from "./helpers";

const CLIENT = String.raw`
import json, sys, time

${PYTHON_EXECUTE}
${PYTHON_LOGGED_KERNEL}

with open(sys.argv[1], "w") as log:
    km, kc = start_logged_kernel(log)
    early = [execute(kc, code) for code in ["let epochs: number = 3;", "epochs * 2"]]
    time.sleep(3)
    late = [execute(kc, code) for code in ["epochs + 1", "__tunelabWarmUp1", "let wrong: string = epochs;"]]
    kc.stop_channels()
    km.shutdown_kernel(now=False)
print(json.dumps({"early": early, "late": late}))
`;

test("a kernel answers the cells sent at once, then warms its cell path in idle time, and the notebook is unchanged", async () => {
  const specs = temporaryKernelspecs();
  const dir = mkdtempSync(path.join(tmpdir(), "tunelab-warm-kernel-"));
  try {
    const logPath = path.join(dir, "kernel.log");
    const outcome = await run(PYTHON, ["-c", CLIENT, logPath], { env: specs.env, timeoutMs: 300_000 });
    assert.equal(outcome.code, 0, outcome.stderr);
    type Cell = { status: string; outputs: string[]; errors: string[] };
    const { early, late } = JSON.parse(outcome.stdout.trim().split("\n").pop() as string) as { early: Cell[]; late: Cell[] };
    assert.deepEqual(early, [
      { status: "ok", outputs: [], errors: [] },
      { status: "ok", outputs: ["6"], errors: [] },
    ]);
    assert.deepEqual(late[0], { status: "ok", outputs: ["4"], errors: [] });
    assert.equal(late[1]?.status, "error");
    assert.match(late[1]?.errors[0] ?? "", /Cannot find name '__tunelabWarmUp1'/);
    assert.equal(late[2]?.status, "error");
    assert.match(late[2]?.errors[0] ?? "", /Type 'number' is not assignable to type 'string'/);
    const log = readFileSync(logPath, "utf8");
    assert.match(log, /warmed the cell path: 40 cells compiled in \d+ ms of idle time/, `the kernel's log: ${log}`);
  } finally {
    specs.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

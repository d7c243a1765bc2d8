/**
 * Type checkers made between cells (src/exec/spare-checker.ts) in a real kernel over ZeroMQ: while
 * it waits for the next request the kernel makes the next cell's checker, the cells that take it
 * give their own results (values, type errors, a redeclared name's new type, a completion), and
 * the kernel's log says how many programs took one.
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
    cells = [execute(kc, code, 0.05) for code in json.loads(sys.argv[2])]
    msg_id = kc.complete("pt.", 3)
    while True:
        reply = kc.get_shell_msg(timeout=120)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    cells.append(execute(kc, "pt.x * 2", 0.05))
    kc.stop_channels()
    km.shutdown_kernel(now=False)
print(json.dumps({"cells": cells, "matches": reply["content"]["matches"]}))
`;

const CELLS = [
  "const base = 40;",
  "base + 2",
  "let label: string = base;",
  'const base = "forty";\nbase.length',
  "[1, 2, 3].findLast((x) => x < base.length)",
  "interface P { x: number }\nconst pt: P = { x: 7 };\npt.x",
];

test("a kernel makes each next cell's type checker while idle, and cells that take it give their own results", async () => {
  const specs = temporaryKernelspecs();
  const dir = mkdtempSync(path.join(tmpdir(), "tunelab-spare-kernel-"));
  try {
    const logPath = path.join(dir, "kernel.log");
    const outcome = await run(PYTHON, ["-c", CLIENT, logPath, JSON.stringify(CELLS)], { env: specs.env, timeoutMs: 300_000 });
    assert.equal(outcome.code, 0, outcome.stderr);
    const result = JSON.parse(outcome.stdout.trim().split("\n").pop() as string) as { cells: { status: string; outputs: string[]; errors: string[] }[]; matches: string[] };
    const ok = (value?: string) => ({ status: "ok", outputs: value === undefined ? [] : [value], errors: [] });
    assert.deepEqual(result.cells[0], ok());
    assert.deepEqual(result.cells[1], ok("42"));
    assert.equal(result.cells[2]?.status, "error");
    assert.match(result.cells[2]?.errors[0] ?? "", /Type 'number' is not assignable to type 'string'/);
    assert.deepEqual(result.cells[3], ok("5"));
    assert.deepEqual(result.cells[4], ok("3"));
    assert.deepEqual(result.cells[5], ok("7"));
    assert.ok(result.matches.includes("x"), `completion of pt.: ${result.matches.join(", ")}`);
    assert.deepEqual(result.cells[6], ok("14"));
    const log = readFileSync(logPath, "utf8");
    const line = /(\d+) of the compiler's (\d+) programs took a type checker made between cells/.exec(log);
    assert.ok(line !== null, `the kernel's log: ${log}`);
    // Every cell after the first and the completion: the first cell's program had no checker made ahead of it.
    assert.ok(Number(line[1]) >= CELLS.length, `the kernel's log: ${log}`);
  } finally {
    specs.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

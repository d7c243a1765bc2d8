/**
 * The syntax tree cache in a real kernel over ZeroMQ (src/exec/syntax-tree-cache.ts): a kernel
 * without a pack answers its cells, writes the pack after its first cell while it keeps answering,
 * and the next kernel rebuilds its first program's trees from that pack and checks cells as before.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PYTHON, PYTHON_EXECUTE, run, temporaryKernelspecs } from "./helpers";

const CLIENT = String.raw`
import json, os, sys, time
from jupyter_client import KernelManager

pack_dir = sys.argv[1]
log_path = sys.argv[2]

${PYTHON_EXECUTE}

def packs():
    return [name for name in os.listdir(pack_dir) if name.endswith(".trees")] if os.path.isdir(pack_dir) else []

result = {}
for round in ("first", "second"):
    with open(log_path + "." + round, "w") as log:
        km = KernelManager(kernel_name="tunelab")
        km.start_kernel(stderr=log)
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        cells = [execute(kc, "1 + 1")]
        if round == "first":
            # The pack is written after the first cell, between turns of the event loop: cells are answered meanwhile.
            deadline = time.time() + 120
            while not packs() and time.time() < deadline:
                cells.append(execute(kc, "2 + 2"))
        cells.append(execute(kc, "const xs: number[] = [3, 5]; xs.findLast((x) => x > 3)"))
        cells.append(execute(kc, 'const wrong: string = xs.length;'))
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    result[round] = {"cells": cells, "packs": packs()}
print(json.dumps(result))
`;

test("a kernel without a syntax tree pack writes it after its first cell while answering cells; the next kernel rebuilds its trees from it", async () => {
  const specs = temporaryKernelspecs();
  const packDir = mkdtempSync(path.join(tmpdir(), "tunelab-trees-kernel-"));
  try {
    const logPath = path.join(packDir, "kernel.log");
    const env = { ...specs.env, TUNELAB_CACHE_DIR: packDir };
    const outcome = await run(PYTHON, ["-c", CLIENT, packDir, logPath], { env, timeoutMs: 400_000 });
    assert.equal(outcome.code, 0, outcome.stderr);
    const result = JSON.parse(outcome.stdout.trim().split("\n").pop() as string) as Record<"first" | "second", { cells: { status: string; outputs: string[]; errors: string[] }[]; packs: string[] }>;
    for (const round of ["first", "second"] as const) {
      const cells = result[round].cells;
      assert.deepEqual(cells[0], { status: "ok", outputs: ["2"], errors: [] }, round);
      assert.ok(cells.slice(1, -2).every((cell) => cell.status === "ok" && cell.outputs[0] === "4"), `${round}: cells answered while the pack was written`);
      assert.deepEqual(cells.at(-2), { status: "ok", outputs: ["5"], errors: [] }, round);
      assert.equal(cells.at(-1)?.status, "error", round);
      assert.match(cells.at(-1)?.errors[0] ?? "", /Type 'number' is not assignable to type 'string'/, round);
      assert.equal(result[round].packs.length, 1, `${round}: one pack`);
    }
    const { readFileSync } = await import("node:fs");
    const firstLog = readFileSync(`${logPath}.first`, "utf8");
    const secondLog = readFileSync(`${logPath}.second`, "utf8");
    assert.match(firstLog, /compiler ready in \d+ ms, \d+ ms after launch \(0 syntax trees from the cache\)/);
    const reused = /compiler ready in \d+ ms, \d+ ms after launch \((\d+) syntax trees from the cache, read ahead\)/.exec(secondLog);
    assert.ok(reused !== null && Number(reused[1]) > 100, `the second kernel took the trees from the pack it read before loading the compiler; its log: ${secondLog}`);
  } finally {
    rmSync(packDir, { recursive: true, force: true });
    specs.cleanup();
  }
});

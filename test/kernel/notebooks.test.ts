/**
 * `jupyter nbconvert --to notebook --execute` on the tutorial notebooks through the tunelab
 * kernelspec, with and without `--allow-errors`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { run, temporaryKernelspecs } from "./helpers";

const JUPYTER = "/usr/bin/jupyter";
const NOTEBOOK = path.resolve(__dirname, "..", "..", "..", "notebooks", "00-typescript-basics.ipynb");

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string | string[];
  ename?: string;
}
interface Notebook {
  cells: { cell_type: string; source: string | string[]; outputs?: Output[]; execution_count?: number | null }[];
}

function codeCells(file: string) {
  return (JSON.parse(readFileSync(file, "utf8")) as Notebook).cells.filter((c) => c.cell_type === "code");
}
const text = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join("") : (value ?? ""));

test("nbconvert executes 00-typescript-basics with and without --allow-errors", async () => {
  const spec = temporaryKernelspecs();
  const outDir = mkdtempSync(path.join(tmpdir(), "tunelab-nb-"));
  try {
    for (const extra of [[], ["--allow-errors"]]) {
      const result = await run(JUPYTER, ["nbconvert", "--to", "notebook", "--execute", ...extra, NOTEBOOK, "--output-dir", outDir], { env: spec.env, timeoutMs: 120_000 });
      assert.equal(result.code, 0, `nbconvert ${extra.join(" ")} failed:\n${result.stderr}`);
      const cells = codeCells(path.join(outDir, "00-typescript-basics.ipynb"));
      assert.ok(cells.every((c, i) => c.execution_count === i + 1), "every code cell ran, in order");
      const outputs = cells.flatMap((c) => c.outputs ?? []);
      assert.ok(!outputs.some((o) => o.output_type === "error"), `the tutorial has no errors: ${JSON.stringify(outputs.filter((o) => o.output_type === "error"))}`);
      assert.equal(text(cells[0]?.outputs?.[0]?.data?.["text/plain"] as string), "3");
      assert.match(text(cells[2]?.outputs?.map((o) => text(o.text)).join("")), /trial 2: lr=0.001 loss=0.44/);
      assert.ok(outputs.some((o) => o.output_type === "display_data" && text(o.data?.["text/html"] as string | string[] | undefined).includes("<table>")), "display() rendered HTML");
      assert.ok(outputs.some((o) => o.output_type === "execute_result" && text(o.data?.["text/markdown"] as string | string[] | undefined).includes("best trial")), "Jupyter.display symbol");
      assert.ok(outputs.some((o) => o.output_type === "display_data" && o.data?.["text/markdown"] !== undefined), "tslab.display");
      assert.ok(outputs.some((o) => o.output_type === "stream" && /Wall time/.test(text(o.text))), "%time");
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
    spec.cleanup();
  }
});

test("nbconvert stops at an error cell unless --allow-errors is given", async () => {
  const spec = temporaryKernelspecs();
  const dir = mkdtempSync(path.join(tmpdir(), "tunelab-nb-"));
  try {
    const notebook = JSON.parse(readFileSync(NOTEBOOK, "utf8")) as Notebook;
    const failing = { cell_type: "code", source: "const broken: number = 'text';", metadata: {}, outputs: [], execution_count: null };
    const after = { cell_type: "code", source: "'after the error'", metadata: {}, outputs: [], execution_count: null };
    notebook.cells = [notebook.cells[1] as Notebook["cells"][number], failing, after];
    const input = path.join(dir, "with-error.ipynb");
    writeFileSync(input, JSON.stringify(notebook));
    const strict = await run(JUPYTER, ["nbconvert", "--to", "notebook", "--execute", input, "--output", "strict"], { env: spec.env, cwd: dir, timeoutMs: 120_000 });
    assert.notEqual(strict.code, 0, "nbconvert must fail on an error cell without --allow-errors");
    assert.match(strict.stderr, /not assignable to type 'number'/);
    const lenient = await run(JUPYTER, ["nbconvert", "--to", "notebook", "--execute", "--allow-errors", input, "--output", "lenient"], { env: spec.env, cwd: dir, timeoutMs: 120_000 });
    assert.equal(lenient.code, 0, lenient.stderr);
    const cells = codeCells(path.join(dir, "lenient.ipynb"));
    assert.equal(cells[1]?.outputs?.[0]?.output_type, "error");
    assert.equal(cells[1]?.outputs?.[0]?.ename, "CompileError");
    assert.equal(text(cells[2]?.outputs?.[0]?.data?.["text/plain"] as string), "'after the error'");
  } finally {
    rmSync(dir, { recursive: true, force: true });
    spec.cleanup();
  }
});

/**
 * `jupyter nbconvert --to notebook --execute` on the tutorial notebooks through the tunelab
 * kernelspec, with and without `--allow-errors`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { codeCells, executeNotebook, nbconvert, withNotebookRun, type CodeCell } from "../support/nbconvert";
import { text } from "../support/outputs";

const NOTEBOOK = path.resolve(__dirname, "..", "..", "..", "notebooks", "00-typescript-basics.ipynb");

test("nbconvert executes 00-typescript-basics with and without --allow-errors", async () => {
  await withNotebookRun("tunelab-nb-", async ({ env, dir: outDir }) => {
    for (const extra of [[], ["--allow-errors"]]) {
      const cells = codeCells(await executeNotebook(NOTEBOOK, outDir, { env, args: extra, timeoutMs: 120_000 }));
      assert.ok(cells.every((c, i) => c.execution_count === i + 1), "every code cell ran, in order");
      const outputs = cells.flatMap((c) => c.outputs ?? []);
      assert.ok(!outputs.some((o) => o.output_type === "error"), `the tutorial has no errors: ${JSON.stringify(outputs.filter((o) => o.output_type === "error"))}`);
      assert.equal(text(cells[0]?.outputs?.[0]?.data?.["text/plain"]), "3");
      assert.match(text(cells[2]?.outputs?.map((o) => text(o.text)).join("")), /trial 2: lr=0.001 loss=0.44/);
      assert.ok(outputs.some((o) => o.output_type === "display_data" && text(o.data?.["text/html"]).includes("<table>")), "display() rendered HTML");
      assert.ok(outputs.some((o) => o.output_type === "execute_result" && text(o.data?.["text/markdown"]).includes("best trial")), "Jupyter.display symbol");
      assert.ok(outputs.some((o) => o.output_type === "display_data" && o.data?.["text/markdown"] !== undefined), "tslab.display");
      assert.ok(outputs.some((o) => o.output_type === "stream" && /Wall time/.test(text(o.text))), "%time");
    }
  });
});

test("nbconvert stops at an error cell unless --allow-errors is given", async () => {
  await withNotebookRun("tunelab-nb-", async ({ env, dir }) => {
    const notebook = JSON.parse(readFileSync(NOTEBOOK, "utf8")) as { cells: CodeCell[] };
    const failing = { cell_type: "code", source: "const broken: number = 'text';", metadata: {}, outputs: [], execution_count: null };
    const after = { cell_type: "code", source: "'after the error'", metadata: {}, outputs: [], execution_count: null };
    notebook.cells = [notebook.cells[1] as CodeCell, failing, after];
    const input = path.join(dir, "with-error.ipynb");
    writeFileSync(input, JSON.stringify(notebook));
    const strict = await nbconvert(input, { env, args: ["--output", "strict"], timeoutMs: 120_000 });
    assert.notEqual(strict.code, 0, "nbconvert must fail on an error cell without --allow-errors");
    assert.match(strict.stderr, /not assignable to type 'number'/);
    const lenient = await nbconvert(input, { env, args: ["--allow-errors", "--output", "lenient"], timeoutMs: 120_000 });
    assert.equal(lenient.code, 0, lenient.stderr);
    const cells = codeCells(path.join(dir, "lenient.ipynb"));
    assert.equal(cells[1]?.outputs?.[0]?.output_type, "error");
    assert.equal(cells[1]?.outputs?.[0]?.ename, "CompileError");
    assert.equal(text(cells[2]?.outputs?.[0]?.data?.["text/plain"]), "'after the error'");
  });
});

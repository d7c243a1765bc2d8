/**
 * `tunelab run` end to end: the compiled CLI runs notebooks through a real tunelab kernel over
 * ZeroMQ; the written notebooks are validated with nbformat and their outputs checked.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { CodeCell, Notebook, Output } from "../../src/run/notebook";
import { code, fixtureNotebook, kernelProcessesUnder, nbformatProblems, notebookOf, readJson, ROOT, runCli, scratchDir, text, writeFixture } from "./helpers";

const dirs: string[] = [];
function tempDir(): string {
  const dir = scratchDir();
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function codeCells(notebook: Notebook): CodeCell[] {
  return notebook.cells.filter((cell): cell is CodeCell => cell.cell_type === "code");
}

function streams(cell: CodeCell, name: "stdout" | "stderr"): string {
  return cell.outputs
    .filter((o): o is Extract<Output, { output_type: "stream" }> => o.output_type === "stream" && o.name === name)
    .map((o) => text(o.text))
    .join("");
}

function plain(output: Output | undefined): string {
  assert.ok(output !== undefined && (output.output_type === "display_data" || output.output_type === "execute_result"), `expected a display, got ${JSON.stringify(output)}`);
  return text(output.data["text/plain"]);
}

function assertNoKernelLeft(tmp: string): void {
  assert.deepEqual(kernelProcessesUnder(tmp), [], "the kernel process must not outlive tunelab run");
}

describe("tunelab run", () => {
  test("stops at the first error, injects --param values after the parameters cell, writes valid nbformat", async () => {
    const dir = tempDir();
    const input = writeFixture(dir, "fixture.ipynb", fixtureNotebook());
    const result = await runCli([input, "--param", "rate=0.5", "-p", "label=tuned", "--param", "sizes=[2,3]", "--param", "mode=sgd"], { tmp: dir });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /deliberate failure 5/);
    const output = path.join(dir, "fixture.out.ipynb");
    assert.equal(nbformatProblems(output), "");
    const notebook = readJson(output);

    const injected = notebook.cells[2]!;
    assert.equal(injected.cell_type, "code");
    assert.deepEqual(injected.metadata.tags, ["injected-parameters"]);
    assert.match(text(injected.source), /^const rate: number = 0\.5;$/m);
    assert.match(text(injected.source), /^let label: string = "tuned";$/m);
    assert.match(text(injected.source), /^const sizes: number\[\] = \[2,3\];$/m);
    assert.match(text(injected.source), /^const mode: string = "sgd";$/m, "a wide type, so that `mode === \"adam\"` still type-checks");

    const cells = codeCells(notebook);
    const [parameters, params, printing, total, displays, update, failing, afterError] = cells as [CodeCell, CodeCell, CodeCell, CodeCell, CodeCell, CodeCell, CodeCell, CodeCell];
    assert.deepEqual(
      cells.map((c) => c.execution_count),
      [1, 2, 3, 4, 5, 6, 7, null],
    );
    assert.deepEqual(parameters.outputs, []);
    assert.deepEqual(params.outputs, []);
    assert.equal(streams(printing, "stdout"), "rate 0.5 label tuned sizes [2,3] mode is not adam\nsecond line\n");
    assert.equal(streams(printing, "stderr"), "to stderr\n");
    assert.equal(printing.outputs.length, 2, "consecutive stdout writes merge into one stream output");
    assert.equal(total.outputs[0]?.output_type, "execute_result");
    assert.equal(plain(total.outputs[0]), "5");
    assert.equal((total.outputs[0] as { execution_count: number }).execution_count, 4);
    assert.equal(displays.outputs.length, 2);
    assert.equal(plain(displays.outputs[0]), "done", "update_display_data rewrites the earlier output with that display id");
    assert.equal(text((displays.outputs[0] as { data: Record<string, unknown> }).data["text/html"]), "<i>done</i>");
    assert.equal(plain(displays.outputs[1]), "unrelated");
    assert.equal(plain(update.outputs[0]), "'updated'");
    const error = failing.outputs.find((o) => o.output_type === "error");
    assert.ok(error !== undefined && error.output_type === "error");
    assert.equal(error.ename, "Error");
    assert.equal(error.evalue, "deliberate failure 5");
    assert.deepEqual(afterError.outputs, [], "no cell runs after an error without --allow-errors");
    assertNoKernelLeft(dir);

    // Running the executed notebook again replaces the injected cell instead of adding another.
    const again = await runCli([output, "--param", "rate=2", "--allow-errors", "-o", path.join(dir, "again.ipynb"), "-q"], { tmp: dir });
    assert.equal(again.code, 0, again.stderr);
    const rerun = readJson(path.join(dir, "again.ipynb"));
    const injectedCells = rerun.cells.filter((c) => (c.metadata.tags ?? []).includes("injected-parameters"));
    assert.equal(injectedCells.length, 1);
    assert.equal(text(injectedCells[0]!.source).trim(), "// Parameters injected by tunelab run\nconst rate: number = 2;");
    assert.equal(streams(codeCells(rerun)[2]!, "stdout"), "rate 2 label base sizes [1] mode is adam\nsecond line\n");
  });

  test("--allow-errors runs every cell and exits 0; the defaults apply without --param", async () => {
    const dir = tempDir();
    const input = writeFixture(dir, "fixture.ipynb", fixtureNotebook());
    const output = path.join(dir, "out.ipynb");
    const result = await runCli([input, "--allow-errors", "--output", output], { tmp: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(nbformatProblems(output), "");
    const notebook = readJson(output);
    assert.ok(!notebook.cells.some((c) => (c.metadata.tags ?? []).includes("injected-parameters")));
    const cells = codeCells(notebook);
    assert.deepEqual(
      cells.map((c) => c.execution_count),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.equal(streams(cells[1]!, "stdout"), "rate 0.1 label base sizes [1] mode is adam\nsecond line\n");
    assert.ok(cells[5]!.outputs.some((o) => o.output_type === "error"));
    assert.equal(streams(cells[6]!, "stdout"), "after the error 2\n");
    assert.equal(existsSync(path.join(dir, "fixture.out.ipynb")), false, "--output replaces the default path");
    assertNoKernelLeft(dir);
  });

  test("--param reaches a magic's line through {expression} expansion: %%tune --trials {trials}", async () => {
    const dir = tempDir();
    const input = writeFixture(
      dir,
      "expand.ipynb",
      notebookOf([
        code("const trials = 2;", ["parameters"]),
        code("function square(params: { x: number }): number {\n  return params.x ** 2;\n}"),
        code("%%tune --objective square --trials {trials} --strategy random --seed 1 --no-live --out found\nx: float(-1, 1)"),
        code("found.trials.length"),
      ]),
    );
    const output = path.join(dir, "expand.out.ipynb");
    const result = await runCli([input, "--param", "trials=5", "--output", output], { tmp: dir });
    assert.equal(result.code, 0, result.stderr);
    const cells = codeCells(readJson(output));
    assert.equal(plain(cells[cells.length - 1]!.outputs[0]), "5", "the injected trials=5 replaced the notebook's 2");
    assertNoKernelLeft(dir);
  });

  test("runs notebooks/00-typescript-basics.ipynb", async () => {
    const dir = tempDir();
    const output = path.join(dir, "basics.ipynb");
    const result = await runCli([path.join(ROOT, "notebooks", "00-typescript-basics.ipynb"), "-o", output], { tmp: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(nbformatProblems(output), "");
    const notebook = readJson(output);
    assert.equal((notebook.metadata["language_info"] as { name: string }).name, "typescript", "language_info comes from kernel_info_reply");
    const cells = codeCells(notebook);
    assert.ok(cells.every((c, i) => c.execution_count === i + 1));
    assert.ok(cells.every((c) => !c.outputs.some((o) => o.output_type === "error")));
    assert.equal(plain(cells[0]!.outputs[0]), "3");
    assert.match(plain(cells[1]!.outputs[0]), /id: 1, learningRate: 0\.01, loss: 0\.31/);
    assert.equal(streams(cells[2]!, "stdout"), "trial 0: lr=0.1 loss=0.52\ntrial 1: lr=0.01 loss=0.31\ntrial 2: lr=0.001 loss=0.44\n");
    const table = cells[3]!.outputs[0];
    assert.ok(table !== undefined && table.output_type === "display_data");
    assert.match(text(table.data["text/html"]), /<td>0\.001<\/td><td>0\.44<\/td>/);
    assertNoKernelLeft(dir);
  });

  test("--timeout interrupts a cell that runs too long; the kernel keeps going with --allow-errors", async () => {
    const dir = tempDir();
    // With 1 s the first cell (the compiler's first program takes longer) usually times out too,
    // and its interrupt must not reach the busy loop behind it: that cell runs its full second and
    // fails by its own timeout. The state lives on globalThis: the first cell may not run at all
    // (interrupted before it started), and an interrupted cell does not declare its names.
    const cells = [code("const first = 1;"), code("(globalThis as any).spins = 0;\nwhile (true) {\n  (globalThis as any).spins++;\n}"), code("(globalThis as any).spins > 0")];
    const input = writeFixture(dir, "slow.ipynb", notebookOf(cells));
    const started = Date.now();
    const result = await runCli([input, "--timeout", "1", "--allow-errors", "-q"], { tmp: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(Date.now() - started < 60_000);
    const written = codeCells(readJson(path.join(dir, "slow.out.ipynb")));
    const errors = written[1]!.outputs.filter((o) => o.output_type === "error").map((o) => (o.output_type === "error" ? o.ename : ""));
    assert.deepEqual(errors, ["Interrupted", "CellTimeoutError"], `the busy loop ran until its own timeout: ${JSON.stringify(written[1]!.outputs)}`);
    assert.equal(plain(written[2]!.outputs[0]), "true", "the busy loop ran, and the kernel kept its state after the interrupt");
    assertNoKernelLeft(dir);
  });

  test("--allow-errors exits 0 when a runaway timer of a finished cell made a later cell time out", async () => {
    const dir = tempDir();
    // The timer spins right after its cell ended, before the next cell arrives: that one waits
    // in the queue, no cell runs, until --timeout interrupts.
    const cells = [code("let kept = 41;\nsetTimeout(() => { for (;;) {} }, 0);"), code("kept"), code("kept + 1")];
    const input = writeFixture(dir, "runaway.ipynb", notebookOf(cells));
    const result = await runCli([input, "--timeout", "2", "--allow-errors", "-q"], { tmp: dir });
    assert.equal(result.code, 0, result.stderr);
    const written = codeCells(readJson(path.join(dir, "runaway.out.ipynb")));
    assert.ok(
      written[1]!.outputs.some((o) => o.output_type === "error" && o.ename === "CellTimeoutError"),
      `the cell behind the runaway timer timed out: ${JSON.stringify(written[1]!.outputs)}`,
    );
    assert.equal(plain(written[2]!.outputs[0]), "42", "the kernel kept its state and ran the last cell");
    assertNoKernelLeft(dir);
  });

  test("SIGINT interrupts the running cell, writes what was done, and exits 1", async () => {
    const dir = tempDir();
    const input = writeFixture(
      dir,
      "wait.ipynb",
      notebookOf([code('console.log("first");'), code("await new Promise((resolve) => setTimeout(resolve, 60_000));"), code('console.log("never");')]),
    );
    let signalled = false;
    const started = Date.now();
    const result = await runCli([input], {
      tmp: dir,
      onStderr: (soFar, child) => {
        if (signalled || !soFar.includes("cell 1/3 ok")) return;
        signalled = true;
        setTimeout(() => child.kill("SIGINT"), 300);
      },
    });
    assert.ok(signalled);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(Date.now() - started < 30_000, "the interrupt stopped the 60 s await");
    assert.match(result.stderr, /interrupted/);
    const output = path.join(dir, "wait.out.ipynb");
    assert.equal(nbformatProblems(output), "");
    const cells = codeCells(readJson(output));
    assert.equal(streams(cells[0]!, "stdout"), "first\n");
    assert.ok(cells[1]!.outputs.some((o) => o.output_type === "error"));
    assert.equal(cells[2]!.execution_count, null);
    assertNoKernelLeft(dir);
  });

  test("input() is answered from --input, and fails clearly without it", async () => {
    const dir = tempDir();
    const input = writeFixture(dir, "ask.ipynb", notebookOf([code('const answer = await input("name? ");\nconsole.log("hello " + answer);'), code('"done"')]));
    const answered = await runCli([input, "--input", "Ada", "-q"], { tmp: dir });
    assert.equal(answered.code, 0, answered.stderr);
    assert.equal(streams(codeCells(readJson(path.join(dir, "ask.out.ipynb")))[0]!, "stdout"), "hello Ada\n");

    const unanswered = await runCli([input, "-q"], { tmp: dir });
    assert.equal(unanswered.code, 1);
    const cells = codeCells(readJson(path.join(dir, "ask.out.ipynb")));
    const error = cells[0]!.outputs.find((o) => o.output_type === "error" && o.ename === "StdinNotAvailableError");
    assert.ok(error !== undefined && error.output_type === "error", JSON.stringify(cells[0]!.outputs));
    assert.match(error.evalue, /"name\? ".*--input/);
    assert.equal(cells[1]!.execution_count, null);
    assertNoKernelLeft(dir);
  });

  test("a kernel that dies in a cell fails that cell clearly and stops the run", async () => {
    const dir = tempDir();
    const input = writeFixture(dir, "dies.ipynb", notebookOf([code('console.log("before");'), code('process.kill(process.pid, "SIGKILL");'), code('"never"')]));
    const result = await runCli([input, "--allow-errors", "-q"], { tmp: dir });
    assert.equal(result.code, 1, result.stderr);
    const cells = codeCells(readJson(path.join(dir, "dies.out.ipynb")));
    assert.equal(streams(cells[0]!, "stdout"), "before\n");
    const error = cells[1]!.outputs.find((o) => o.output_type === "error");
    assert.ok(error !== undefined && error.output_type === "error");
    assert.equal(error.ename, "DeadKernelError");
    assert.equal(cells[2]!.execution_count, null);
    assertNoKernelLeft(dir);
  });

  test("a JavaScript notebook runs in the JavaScript kernel", async () => {
    const dir = tempDir();
    const input = writeFixture(dir, "plain.ipynb", notebookOf([code("const x = 2;\nx * 21"), code("typeof require")], "javascript"));
    const result = await runCli([input, "-q"], { tmp: dir });
    assert.equal(result.code, 0, result.stderr);
    const notebook = readJson(path.join(dir, "plain.out.ipynb"));
    assert.equal((notebook.metadata["language_info"] as { name: string }).name, "javascript");
    assert.equal(plain(codeCells(notebook)[0]!.outputs[0]), "42");
    // --param: the injected cell is JavaScript too (it was `const x: number = 5;`, a compile error there).
    const withParameters = writeFixture(dir, "params.ipynb", notebookOf([code("const x = 2;", ["parameters"]), code("x * 21")], "javascript"));
    const injected = await runCli([withParameters, "--param", "x=5", "-q"], { tmp: dir });
    assert.equal(injected.code, 0, injected.stderr);
    assert.equal(plain(codeCells(readJson(path.join(dir, "params.out.ipynb")))[2]!.outputs[0]), "105");
    assertNoKernelLeft(dir);
  });

  test("bad usage and files that are not notebooks exit 2 with a clear message", async () => {
    const dir = tempDir();
    const cases: Array<{ args: string[]; message: RegExp }> = [];
    cases.push({ args: [], message: /expected a notebook file/ });
    cases.push({ args: [path.join(dir, "missing.ipynb")], message: /notebook not found: .*missing\.ipynb/ });
    writeFileSync(path.join(dir, "text.ipynb"), "hello");
    cases.push({ args: [path.join(dir, "text.ipynb")], message: /is not a notebook: expected nbformat 4 JSON/ });
    writeFileSync(path.join(dir, "v3.ipynb"), JSON.stringify({ nbformat: 3, worksheets: [] }));
    cases.push({ args: [path.join(dir, "v3.ipynb")], message: /expected "nbformat": 4, got 3/ });
    const python = notebookOf([code("1")]);
    python.metadata = { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } };
    cases.push({ args: [writeFixture(dir, "python.ipynb", python)], message: /unknown kernel language "python"/ });
    const fine = writeFixture(dir, "fine.ipynb", notebookOf([code("1")]));
    cases.push({ args: [fine, "--param", "=3"], message: /--param expects name=value/ });
    cases.push({ args: [fine, "--param", "not-a-name=3"], message: /must be a JavaScript identifier/ });
    cases.push({ args: [fine, "--param", "trials=1e400"], message: /--param trials=1e400: a number beyond the range of a double/ });
    const withDefaults = writeFixture(dir, "defaults.ipynb", notebookOf([code("const lr = 0.01;", ["parameters"]), code("lr * 2")]));
    cases.push({ args: [withDefaults, "--param", "lr=abc"], message: /^tunelab run: --param lr: the parameters cell gives lr a number, but got the text "abc"$/m });
    cases.push({ args: [fine, "--timeout", "soon"], message: /--timeout expects a positive number of seconds/ });
    cases.push({ args: [fine, "--frobnicate"], message: /Unknown option '--frobnicate'/ });
    cases.push({ args: [fine, "--html", path.join(dir, "no", "such", "dir", "x.html")], message: /--html: the folder of .*x\.html does not exist/ });
    for (const { args, message } of cases) {
      const result = await runCli(args, { tmp: dir, timeoutMs: 20_000 });
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(" "));
    }
    const help = await runCli(["--help"], { tmp: dir });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /injected-parameters/);
  });
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { createDefaultRegistry, runCell, alignedCode, MagicRegistry, MagicError, type CodeSegment, type LineMagic, type CellMagic } from "../../src/magic";
import { FakeContext } from "./fake-context";

const isMagicError = (pattern: RegExp) => (error: unknown) => error instanceof MagicError && pattern.test(error.message);

test("a cell without magics is run once, whole, and its value is the cell's value", async () => {
  const context = new FakeContext();
  const cell = "var a = 20\na + 1";
  const outcome = await runCell(cell, { registry: createDefaultRegistry(), context });
  assert.equal(outcome.value, 21);
  assert.deepEqual(outcome.payload, []);
  assert.deepEqual(context.evaluated, [cell]);
});

test("code and line magics run in cell order and share declarations", async () => {
  const context = new FakeContext();
  const registry = new MagicRegistry();
  const order: string[] = [];
  registry.register({
    kind: "line",
    name: "note",
    summary: "records its argument",
    positionals: [{ name: "word", description: "a word", required: true }],
    run: (args, ctx) => {
      order.push(`magic ${String(args["word"])} sees ${String(ctx.lookup("step"))}`);
      return `noted ${String(args["word"])}`;
    },
  });
  const runCode = async (segment: CodeSegment) => {
    order.push(`code at line ${segment.line}`);
    return context.evaluate(segment.code);
  };
  const last = await runCell("var step = 1\n%note first\nstep = 2\n%note second", { registry, context, runCode });
  assert.equal(last.value, "noted second", "a line magic on the last line gives the cell's value");
  assert.deepEqual(order, ["code at line 1", "magic first sees 1", "code at line 3", "magic second sees 2"]);
  const codeLast = await runCell("%note third\nstep * 10", { registry, context, runCode });
  assert.equal(codeLast.value, 20, "code after the magic gives the cell's value");
});

test("alignedCode keeps the cell's line numbers for compiler errors", () => {
  const segment: CodeSegment = { kind: "code", code: "x +\n", start: 20, end: 24, line: 3 };
  assert.equal(alignedCode(segment), "\n\nx +\n");
});

test("an unknown magic names the existing ones and suggests the closest", async () => {
  const context = new FakeContext();
  const registry = createDefaultRegistry();
  await assert.rejects(
    runCell("let a = 1\n%tmie a", { registry, context }),
    isMagicError(/^line 2: unknown line magic %tmie; did you mean %time\? \(line magics: %lsmagic, %magic, %time, %who, %whos; cell magics: %%capture, %%time\)$/),
  );
  assert.deepEqual(context.evaluated, ["let a = 1\n"], "code before the bad magic ran, as in IPython");
  await assert.rejects(runCell("%%tim\nx", { registry, context }), isMagicError(/unknown cell magic %%tim; did you mean %%time\?/));
  await assert.rejects(runCell("%capture out", { registry, context }), isMagicError(/%capture is not a line magic; %%capture is a cell magic/));
});

test("--help on a magic prints its help instead of running it", async () => {
  const context = new FakeContext();
  const outcome = await runCell("%time --help", { registry: createDefaultRegistry(), context });
  assert.equal(outcome.value, undefined);
  assert.deepEqual(context.evaluated, []);
  assert.match(context.stdoutText(), /^Usage: %time \[--help\] <code…>\n/);
});

test("argument errors carry the cell line of the offending word", async () => {
  const registry = new MagicRegistry();
  const tune: CellMagic = {
    kind: "cell",
    name: "tune",
    summary: "tunes",
    options: [{ name: "trials", type: "integer", description: "how many trials" }],
    run: () => "ran",
  };
  registry.register(tune);
  await assert.rejects(
    runCell("%%tune \\\n  --trials 2.5\nbody", { registry, context: new FakeContext() }),
    isMagicError(/^line 2: %%tune: --trials expects an integer, got "2.5"$/),
  );
});

test("a cell magic gets its body, the body line, and parsed arguments", async () => {
  const registry = new MagicRegistry();
  const seen: unknown[] = [];
  registry.register({
    kind: "cell",
    name: "echo",
    summary: "returns its body",
    options: [{ name: "times", short: "n", type: "integer", default: 1, description: "repeat count" }],
    run: (args, body, _context, bodyLine) => {
      seen.push(args, bodyLine);
      return body.repeat(Number(args["times"]));
    },
  });
  const outcome = await runCell("\n%%echo -n 2\nab", { registry, context: new FakeContext() });
  assert.equal(outcome.value, "abab");
  assert.deepEqual(seen, [{ times: 2 }, 3]);
});

test("magics inside a cell magic's body run, with cell line numbers", async () => {
  const context = new FakeContext();
  const registry = createDefaultRegistry();
  const outcome = await runCell("%%time\nvar n = 4\n%time n * 2", { registry, context });
  assert.equal(outcome.value, 8);
  assert.equal(context.stdoutText().match(/Wall time/g)?.length, 2);
  await assert.rejects(runCell("%%time\n\n%nope", { registry, context }), isMagicError(/^line 3: unknown line magic %nope/));
});

test("name? gives a pager payload: the inspector's bundle, else a description of the value", async () => {
  const context = new FakeContext();
  const registry = createDefaultRegistry();
  await context.evaluate("function area(w, h) { return w * h }\nvar box = { size: { w: 2 } }");
  const inspected: string[] = [];
  const inspect = (name: string, level: 0 | 1) => {
    inspected.push(`${name}/${level}`);
    return name === "area" ? { "text/plain": "area(w, h): number" } : undefined;
  };
  const outcome = await runCell("area?\nbox.size??\n%time?", { registry, context, inspect });
  assert.deepEqual(inspected, ["area/0", "box.size/1"]);
  assert.equal(outcome.value, undefined);
  assert.equal(outcome.payload.length, 3);
  assert.deepEqual(outcome.payload[0], { source: "page", data: { "text/plain": "area(w, h): number" }, start: 0 });
  assert.match(String(outcome.payload[1].data["text/plain"]), /Name: box\.size\nType: Object\nValue: \{ w: 2 \}/);
  assert.match(String(outcome.payload[2].data["text/plain"]), /^Usage: %time/);
  await assert.rejects(runCell("nothing?", { registry, context }), isMagicError(/^line 1: nothing\? found nothing: "nothing" is not defined by an earlier cell and is not a magic$/));
});

test("an aborted signal stops the cell before its next segment", async () => {
  const context = new FakeContext();
  const registry = new MagicRegistry();
  const stop: LineMagic = { kind: "line", name: "stop", summary: "aborts", run: () => context.controller.abort(new Error("interrupted")) };
  registry.register(stop);
  await assert.rejects(runCell("var before = 1\n%stop\nvar after = 1", { registry, context }), /interrupted/);
  assert.equal(context.has("after"), false);
});

test("a cell magic in a cell magic's body runs: %%time around %%capture", async () => {
  const context = new FakeContext();
  await runCell("%%time\n%%capture inner\nconsole.log('quiet')", { registry: createDefaultRegistry(), context });
  assert.equal((context.lookup("inner") as { stdout: string }).stdout, "quiet\n");
  assert.match(context.stdoutText(), /^CPU times: .*\nWall time: .*\n$/, "only the timing reached the notebook");
});

test("code a cell magic evaluates other than its body is plain TypeScript, never magics", async () => {
  const registry = createDefaultRegistry();
  registry.register({ kind: "cell", name: "expr", summary: "evaluates its argument", positionals: [{ name: "code", description: "code", raw: true }], run: (args, _body, context) => context.evaluate(String(args["code"])) });
  const context = new FakeContext();
  assert.equal((await runCell("%%expr 6 * 7\n", { registry, context })).value, 42);
  await assert.rejects(runCell("%%expr %lsmagic\n", { registry, context }), { name: "SyntaxError", message: "Unexpected token '%'" });
  assert.equal(context.stdoutText(), "");
});

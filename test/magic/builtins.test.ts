import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CapturedOutput,
  MagicError,
  createDefaultRegistry,
  formatTimingDuration,
  formatMagicList,
  formatTiming,
  measure,
  runCell,
  type OutputSink,
} from "../../src/magic";
import { FakeContext, type Recorded } from "./fake-context";

const TIMING = /^CPU times: user [\d.]+ (?:s|ms|µs|ns), sys: [\d.]+ (?:s|ms|µs|ns), total: [\d.]+ (?:s|ms|µs|ns)\nWall time: [\d.]+ (?:s|ms|µs|ns)\n$/;

function busyWait(milliseconds: number): void {
  const end = Date.now() + milliseconds;
  while (Date.now() < end);
}

test("durations print like IPython: 3 significant digits in s/ms/µs/ns, whole units from a minute", () => {
  assert.equal(formatTimingDuration(0), "0 ns");
  assert.equal(formatTimingDuration(1.5), "1.5 s");
  assert.equal(formatTimingDuration(59.99), "60 s");
  assert.equal(formatTimingDuration(0.0153), "15.3 ms");
  assert.equal(formatTimingDuration(0.123456), "123 ms");
  assert.equal(formatTimingDuration(2.5e-6), "2.5 µs");
  assert.equal(formatTimingDuration(4e-9), "4 ns");
  assert.equal(formatTimingDuration(1e-12), "0.001 ns");
  assert.equal(formatTimingDuration(125), "2min 5s");
  assert.equal(formatTimingDuration(3725.5), "1h 2min 5s");
  assert.equal(formatTimingDuration(86_401), "1d 1s");
  assert.equal(
    formatTiming({ user: 0.012, system: 0.002, wall: 0.0153 }),
    "CPU times: user 12 ms, sys: 2 ms, total: 14 ms\nWall time: 15.3 ms\n",
  );
});

test("measure reports wall time and the process's CPU time of the work", async () => {
  const { value, timing } = await measure(() => {
    busyWait(40);
    return "done";
  });
  assert.equal(value, "done");
  assert.ok(timing.wall >= 0.039 && timing.wall < 2, `wall ${timing.wall}`);
  // On a shared machine a busy loop may get only part of a core, so only require some CPU time.
  assert.ok(timing.user + timing.system > 0, `cpu ${timing.user + timing.system}`);
  const idle = await measure(() => new Promise((resolve) => setTimeout(resolve, 40)));
  assert.ok(idle.timing.wall >= 0.039);
  assert.ok(idle.timing.user + idle.timing.system < idle.timing.wall, "waiting costs less CPU than wall time");
});

test("%time runs the rest of the line, prints the times and returns its value", async () => {
  const context = new FakeContext();
  const outcome = await runCell(`var word = "a b"\n%time word + " c"`, { registry: createDefaultRegistry(), context });
  assert.equal(outcome.value, "a b c");
  assert.deepEqual(context.evaluated, ['var word = "a b"\n', 'word + " c"']);
  assert.match(context.stdoutText(), TIMING);
});

test("%time without code says what is missing", async () => {
  await assert.rejects(
    runCell("%time", { registry: createDefaultRegistry(), context: new FakeContext() }),
    (error: unknown) => error instanceof MagicError && /^line 1: %time: missing argument <code> \(the TypeScript to run/.test(error.message),
  );
});

test("%%time times the body and returns its value; a failing body prints no times", async () => {
  const context = new FakeContext();
  const registry = createDefaultRegistry();
  const outcome = await runCell("%%time\nvar xs = [1, 2, 3]\nxs.length", { registry, context });
  assert.equal(outcome.value, 3);
  assert.match(context.stdoutText(), TIMING);
  const failing = new FakeContext();
  await assert.rejects(runCell("%%time\nthrow new Error('boom')", { registry, context: failing }), /boom/);
  assert.equal(failing.stdoutText(), "");
});

test("%%capture keeps stdout, stderr, displays and nested magics' output, and shows nothing", async () => {
  const context = new FakeContext();
  const outcome = await runCell(
    [
      "%%capture out",
      "console.log('one')",
      "console.error('warn')",
      "display({ 'text/plain': 'plot', 'text/html': '<b>plot</b>' }, { displayId: 'p' })",
      "%time 1 + 1",
      "display({ 'text/plain': 'plot 2' })",
      "updateDisplay('p', { 'text/plain': 'plot v2' })",
      "42",
    ].join("\n"),
    { registry: createDefaultRegistry(), context },
  );
  assert.equal(outcome.value, undefined, "%%capture itself has no result");
  assert.deepEqual(context.outputs, [], "nothing reached the notebook");
  const captured = context.lookup("out");
  assert.ok(captured instanceof CapturedOutput);
  assert.match(captured.stdout, /^one\nCPU times: .*\nWall time: .*\n$/);
  assert.equal(captured.stderr, "warn\n");
  assert.deepEqual(captured.outputs, [
    { data: { "text/plain": "plot v2" }, displayId: "p" },
    { data: { "text/plain": "plot 2" } },
  ]);
});

test("%%capture --no-stdout and --no-display let those through to the notebook", async () => {
  const context = new FakeContext();
  await runCell("%%capture --no-stdout --no-display kept\nconsole.log('shown')\nconsole.error('kept')\ndisplay({ 'text/plain': 'd' })", {
    registry: createDefaultRegistry(),
    context,
  });
  const expected: Recorded[] = [
    { kind: "stdout", text: "shown\n" },
    { kind: "display", bundle: { "text/plain": "d" } },
  ];
  assert.deepEqual(context.outputs, expected);
  const captured = context.lookup("kept") as CapturedOutput;
  assert.equal(captured.stdout, "");
  assert.equal(captured.stderr, "kept\n");
  assert.deepEqual(captured.outputs, []);
});

test("clear_output inside a capture clears what was captured (at once, or before the next output with wait)", () => {
  const capture = new CapturedOutput();
  const nowhere: OutputSink = { stdout: () => assert.fail(), stderr: () => assert.fail(), display: () => assert.fail(), updateDisplay: () => assert.fail(), clearOutput: () => assert.fail() };
  const sink = capture.sink({ stdout: true, stderr: true, display: true }, nowhere);
  sink.stdout("old");
  sink.clearOutput(true);
  assert.equal(capture.stdout, "old");
  sink.stdout("new");
  assert.equal(capture.stdout, "new");
  sink.display({ "text/plain": "x" });
  sink.clearOutput();
  assert.deepEqual([capture.stdout, capture.outputs.length], ["", 0]);
});

test("show() re-emits the capture in order, and the capture renders itself as one bundle", async () => {
  const context = new FakeContext();
  await runCell("%%capture out\nconsole.log('a <b>')\nconsole.error('e')\ndisplay({ 'text/plain': 'p', 'text/html': '<i>p</i>' })", {
    registry: createDefaultRegistry(),
    context,
  });
  const captured = context.lookup("out") as CapturedOutput;
  const replay = new FakeContext();
  captured.show(replay);
  assert.deepEqual(replay.outputs, [
    { kind: "stdout", text: "a <b>\n" },
    { kind: "stderr", text: "e\n" },
    { kind: "display", bundle: { "text/plain": "p", "text/html": "<i>p</i>" }, options: {} },
  ]);
  const render = (captured as unknown as Record<symbol, () => Record<string, unknown>>)[Symbol.for("Jupyter.display")];
  assert.deepEqual(render.call(captured), {
    "text/plain": "a <b>\n\ne\n\np",
    "text/html": '<pre>a &lt;b&gt;\n</pre><pre style="color: #b00">e\n</pre><i>p</i>',
  });
});

test("a failing body still binds what was captured before the error", async () => {
  const context = new FakeContext();
  await assert.rejects(
    runCell("%%capture partial\nconsole.log('before')\nthrow new Error('late')", { registry: createDefaultRegistry(), context }),
    /late/,
  );
  assert.equal((context.lookup("partial") as CapturedOutput).stdout, "before\n");
});

test("%%capture explains a missing name, a bad name, and a kernel that cannot redirect output", async () => {
  const registry = createDefaultRegistry();
  await assert.rejects(runCell("%%capture\nx", { registry, context: new FakeContext() }), /%%capture: missing argument <name> \(the variable to bind/);
  await assert.rejects(runCell("%%capture 9lives\nx", { registry, context: new FakeContext() }), /%%capture: the variable name must be an identifier, got "9lives"/);
  await assert.rejects(
    runCell("%%capture out\nx", { registry, context: new FakeContext({ withoutRedirect: true }) }),
    (error: unknown) => error instanceof MagicError && /needs a kernel whose MagicContext implements redirectOutput/.test(error.message),
  );
});

test("%lsmagic lists line and cell magics with their summaries", async () => {
  const context = new FakeContext();
  const registry = createDefaultRegistry();
  await runCell("%lsmagic", { registry, context });
  assert.equal(context.stdoutText(), formatMagicList(registry));
  assert.match(context.stdoutText(), /^Available line magics:\n  %lsmagic  List the available line and cell magics\.\n  %magic    Show the help of every magic\.\n  %time     Time one run/);
  assert.match(context.stdoutText(), /\n\nAvailable cell magics:\n  %%capture  Run the cell body, keeping/);
  registry.register({ kind: "cell", name: "tune", summary: "Tune hyperparameters.", run: () => undefined });
  assert.match(formatMagicList(registry), /  %%tune     Tune hyperparameters\./);
});

test("%magic prints the help of every magic", async () => {
  const context = new FakeContext();
  await runCell("%magic", { registry: createDefaultRegistry(), context });
  const usages = context.stdoutText().match(/^Usage: \S+/gm);
  assert.deepEqual(usages, ["Usage: %lsmagic", "Usage: %magic", "Usage: %time", "Usage: %who", "Usage: %whos", "Usage: %%capture", "Usage: %%time"]);
});

test("show() without a sink re-emits to the running cell's output the kernel gave", async () => {
  let running: FakeContext | undefined;
  const registry = createDefaultRegistry({ currentOutput: () => running });
  const context = new FakeContext();
  await runCell("%%capture out\nconsole.log('s')\ndisplay({ 'text/html': '<i>h</i>' })", { registry, context });
  running = new FakeContext();
  (context.lookup("out") as CapturedOutput).show();
  assert.deepEqual(running.outputs, [
    { kind: "stdout", text: "s\n" },
    { kind: "display", bundle: { "text/html": "<i>h</i>" }, options: {} },
  ]);
});

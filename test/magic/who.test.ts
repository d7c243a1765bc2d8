/** `%who` and `%whos` on their own (the kernel's names come from the FakeContext's sandbox). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runInNewContext } from "node:vm";
import { createDefaultRegistry, MagicError, runCell, summarizeVariable } from "../../src/magic";
import { loadTensorFlow } from "../../src/tfjs/backend";
import { FakeContext } from "./fake-context";

class Study {
  toString(): string {
    return 'Study "s" (maximize val_acc): 20 trials (20 complete)';
  }
}

test("%who lists the names sorted, optionally of given types; %whos adds each type and a summary", async () => {
  const { tf } = await loadTensorFlow();
  const context = new FakeContext();
  const registry = createDefaultRegistry();
  const run = (cell: string) => runCell(cell, { registry, context });
  const x = tf.zeros([4, 3]);
  context.assign("lr", 0.01);
  context.assign("name", "adam");
  context.assign("rows", [[1, 2], [3, 4], [5, 6]]);
  context.assign("buildModel", function buildModel(p: { units: number }, seed = 1) {
    return p.units + seed;
  });
  context.assign("Study", Study);
  context.assign("study", new Study());
  context.assign("xTensor", x);
  context.assign("options", { epochs: 3, batchSize: 32 });

  await run("%who");
  assert.equal(context.stdoutText(), "Study\tbuildModel\tlr\tname\toptions\trows\tstudy\txTensor\n");
  context.outputs.length = 0;
  await run("%who function Tensor");
  assert.equal(context.stdoutText(), "buildModel\txTensor\n");
  context.outputs.length = 0;
  // A type no variable has: IPython's answer, not "namespace is empty" (the namespace is not).
  await run("%who nonsense");
  assert.equal(context.stdoutText(), "No variables match your requested type (nonsense); the notebook's variables are of types Array, Object, Study, Tensor, class, function, number, string.\n");
  context.outputs.length = 0;
  await run("%whos Map Set");
  assert.match(context.stdoutText(), /^No variables match your requested types \(Map, Set\);/);
  context.outputs.length = 0;

  await run("%whos");
  const lines = context.stdoutText().trimEnd().split("\n");
  assert.match(lines[0]!, /^Variable\s+Type\s+Data\/Info$/);
  assert.match(lines[1]!, /^-+$/);
  const row = (name: string) => lines.find((line) => line.startsWith(`${name} `))?.split(/\s{3,}/);
  assert.deepEqual(row("lr"), ["lr", "number", "0.01"]);
  assert.deepEqual(row("name"), ["name", "string", '"adam"']);
  assert.deepEqual(row("rows"), ["rows", "Array", "3×2"]);
  assert.deepEqual(row("buildModel"), ["buildModel", "function", "buildModel(p, seed = 1)"]);
  assert.deepEqual(row("Study"), ["Study", "class", "class Study"]);
  assert.deepEqual(row("study"), ["study", "Study", 'Study "s" (maximize val_acc): 20 trials (20 complete)']);
  assert.deepEqual(row("xTensor"), ["xTensor", "Tensor", "shape [4, 3] float32"]);
  assert.deepEqual(row("options"), ["options", "Object", "{epochs, batchSize}"]);
  x.dispose();
});

test("an empty namespace says so; long descriptions are cut; a context that cannot list names is an error", async () => {
  const registry = createDefaultRegistry();
  const context = new FakeContext();
  await runCell("%whos", { registry, context });
  assert.equal(context.stdoutText(), "Interactive namespace is empty.\n");
  assert.equal(summarizeVariable("long", "x".repeat(100)).info.length, 60);
  assert.ok(summarizeVariable("long", "x".repeat(100)).info.endsWith("…"));
  const withoutNames = new FakeContext();
  (withoutNames as { names?: unknown }).names = undefined;
  await assert.rejects(runCell("%who", { registry, context: withoutNames }), (error: unknown) => error instanceof MagicError && /%who needs a kernel that can list/.test(error.message));
});

test("%whos gives a Map's and a Set's size and a typed array's length, values from another realm too", () => {
  const fromCell = runInNewContext('({ m: new Map([["a", 1], ["b", 2]]), s: new Set([1, 2, 3]), t: new Float32Array(10) })') as Record<string, unknown>;
  for (const values of [fromCell, { m: new Map([["a", 1], ["b", 2]]), s: new Set([1, 2, 3]), t: new Float32Array(10) }]) {
    assert.deepEqual(summarizeVariable("m", values["m"]), { name: "m", type: "Map", info: "size 2" });
    assert.deepEqual(summarizeVariable("s", values["s"]), { name: "s", type: "Set", info: "size 3" });
    assert.deepEqual(summarizeVariable("t", values["t"]), { name: "t", type: "Float32Array", info: "length 10" });
  }
});

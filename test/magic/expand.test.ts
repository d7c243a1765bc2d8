import { test } from "node:test";
import assert from "node:assert/strict";
import { MagicRegistry, MagicError, runCell, createDefaultRegistry } from "../../src/magic";
import { expandMagicLine, hasExpansion } from "../../src/magic/expand";
import { FakeContext } from "./fake-context";

/** A registry with `%echo` (one raw positional) and `%%opts` (two options), recording what they parsed. */
function recordingRegistry(seen: unknown[]): MagicRegistry {
  const registry = new MagicRegistry();
  registry.register({
    kind: "line",
    name: "echo",
    summary: "records its line",
    positionals: [{ name: "text", description: "the rest of the line", required: true, raw: true }],
    run: (args) => void seen.push(args["text"]),
  });
  registry.register({
    kind: "cell",
    name: "opts",
    summary: "records its options",
    options: [
      { name: "trials", type: "integer", description: "a count" },
      { name: "out", type: "string", description: "a name" },
    ],
    run: (args) => void seen.push({ trials: args["trials"], out: args["out"] }),
  });
  return registry;
}

test("{expression} and $name in a magic line are replaced by values from the notebook's scope", async () => {
  const context = new FakeContext();
  const seen: unknown[] = [];
  const registry = recordingRegistry(seen);
  await runCell("var trials = 25\nvar run = { id: 3 }\nvar name = 'best'", { registry, context });
  await runCell("%%opts --trials {trials * 2} --out study_$run.id\nbody", { registry, context });
  await runCell("%echo $name is {[1, 2]} and {'a' + 'b'}", { registry, context });
  assert.deepEqual(seen, [{ trials: 50, out: "study_3" }, "best is [1,2] and ab"]);
});

test("{{, }} and $$ stand for literal braces and dollars; a lone $ stays", async () => {
  const context = new FakeContext();
  const seen: unknown[] = [];
  await runCell("%echo {{x}} costs $$5, $ 3", { registry: recordingRegistry(seen), context });
  assert.deepEqual(seen, ["{x} costs $5, $ 3"]);
});

test("an expression that fails names the magic, what was written and the error, on the magic's line", async () => {
  const context = new FakeContext();
  const registry = recordingRegistry([]);
  await assert.rejects(
    runCell("var a = 1\n%echo {missing + 1}", { registry, context }),
    (error: unknown) => error instanceof MagicError && error.line === 2 && /%echo: cannot expand \{missing \+ 1\}: .*missing/.test(error.message),
  );
  await assert.rejects(
    runCell("%%opts --trials {trials\nbody", { registry, context }),
    (error: unknown) => error instanceof MagicError && /has no matching "}"/.test(error.message),
  );
});

test("a bad option after an expansion is reported on the line where it was written", async () => {
  const context = new FakeContext();
  const registry = recordingRegistry([]);
  await runCell("var n = 'many'", { registry, context });
  await assert.rejects(
    runCell("%%opts --out x \\\n  --trials {n}\nbody", { registry, context }),
    (error: unknown) => error instanceof MagicError && error.line === 2 && /--trials/.test(error.message),
  );
});

test("a value whose spaces or quotes split the line is named in the error, with the quoting that keeps it one argument", async () => {
  const context = new FakeContext();
  const seen: unknown[] = [];
  const registry = recordingRegistry(seen);
  await runCell("var name = 'my study'\nvar quoted = 'a\"b'", { registry, context });
  await assert.rejects(runCell("%%opts --trials 2 --out {name}\nbody", { registry, context }), (error: unknown) => {
    assert.ok(error instanceof MagicError);
    assert.equal(error.line, 1);
    assert.match(error.message, /unexpected argument "study".*after expansion: \{name\} gave "my study"; "\{name\}" keeps it one argument/);
    return true;
  });
  await assert.rejects(
    runCell("%%opts --out $quoted\nbody", { registry, context }),
    (error: unknown) => error instanceof MagicError && /unterminated " quote.*\$quoted gave "a\\"b"; '\$quoted' keeps it one argument/.test(error.message),
  );
  // The advice works; values without spaces or quotes add nothing to other errors.
  await runCell("%%opts --trials 2 --out \"{name}\"\nbody", { registry, context });
  await runCell("%%opts --out '$quoted'\nbody", { registry, context });
  assert.deepEqual(seen, [{ trials: 2, out: "my study" }, { trials: undefined, out: 'a"b' }]);
  await runCell("var n = 'many'", { registry, context });
  await assert.rejects(
    runCell("%%opts --trials {n}\nbody", { registry, context }),
    (error: unknown) => error instanceof MagicError && /--trials/.test(error.message) && !error.message.includes("after expansion"),
  );
});

test("%time opts out: its line is code, braces and all", async () => {
  const context = new FakeContext();
  const outcome = await runCell("%time ({ a: 1 }).a", { registry: createDefaultRegistry(), context });
  assert.equal(outcome.value, 1);
});

test("expandMagicLine maps every offset of the expanded text back to the written one", async () => {
  const evaluate = async (expression: string) => (expression === "(n)" ? 12345 : "?");
  const expanded = await expandMagicLine("a {n} b", evaluate, "%x", () => 1);
  assert.equal(expanded.text, "a 12345 b");
  assert.deepEqual(expanded.sourceOffset, [0, 1, 2, 2, 2, 2, 2, 5, 6, 7]);
  assert.equal(hasExpansion("--trials 20 --seed 7"), false);
  assert.equal(hasExpansion("cost $5"), false);
});

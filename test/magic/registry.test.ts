import { test } from "node:test";
import assert from "node:assert/strict";
import { MagicRegistry } from "../../src/magic/registry";
import { closestName, editDistance } from "../../src/magic/suggest";
import { MagicError, type CellMagic, type LineMagic } from "../../src/magic/types";

const line = (name: string): LineMagic => ({ kind: "line", name, summary: `${name} summary`, run: () => name });
const cell = (name: string): CellMagic => ({ kind: "cell", name, summary: `${name} summary`, run: () => name });

test("line and cell magics are registered, found and listed by name", () => {
  const registry = new MagicRegistry().register(line("who")).register(line("alias")).register(cell("time")).register(line("time"));
  assert.equal(registry.line("time").kind, "line");
  assert.equal(registry.cell("time").kind, "cell");
  assert.equal(registry.findLine("nope"), undefined);
  assert.equal(registry.findCell("who"), undefined);
  assert.deepEqual(registry.list().map((magic) => `${magic.kind}:${magic.name}`), ["line:alias", "line:time", "line:who", "cell:time"]);
  assert.deepEqual(registry.list("cell").map((magic) => magic.name), ["time"]);
});

test("duplicates and bad names are refused; replace=true replaces", () => {
  const registry = new MagicRegistry().register(line("a"));
  assert.throws(() => registry.register(line("a")), /%a is already registered \(pass replace=true to replace it\)/);
  const replacement = line("a");
  registry.register(replacement, true);
  assert.equal(registry.line("a"), replacement);
  assert.throws(() => registry.register(line("1x")), /invalid magic name "1x"/);
  assert.throws(() => registry.register(cell("a-b")), /invalid magic name "a-b"/);
});

test("an unknown magic is a MagicError listing the magics and suggesting the closest", () => {
  const registry = new MagicRegistry().register(line("time")).register(line("lsmagic")).register(cell("capture"));
  assert.throws(
    () => registry.line("lsmagc", 3),
    (error: unknown) =>
      error instanceof MagicError &&
      error.line === 3 &&
      error.message === "line 3: unknown line magic %lsmagc; did you mean %lsmagic? (line magics: %lsmagic, %time; cell magics: %%capture)",
  );
  assert.throws(() => registry.cell("zzz"), (error: unknown) => error instanceof MagicError && error.message === "unknown cell magic %%zzz (line magics: %lsmagic, %time; cell magics: %%capture)");
  assert.throws(() => registry.cell("time"), /%%time is not a cell magic; %time is a line magic: write it on a line of its own/);
  assert.throws(() => new MagicRegistry().line("x"), /unknown line magic %x \(line magics: none; cell magics: none\)/);
});

test("edit distance counts swaps as one edit, and suggestions need to be close", () => {
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("tmie", "time"), 1);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(closestName("trails", ["trials", "timeout", "seed"]), "trials");
  assert.equal(closestName("STRATEGY", ["strategy"]), "strategy");
  assert.equal(closestName("xyz", ["trials", "seed"]), undefined);
  assert.equal(closestName("a", []), undefined);
});

/**
 * Kernel bugs the idiom corpus (test/kernel/idioms/) found, through the real cell compiler:
 * a top-level `for await`, namespaces two cells later, and JavaScript variables holding object
 * literals written to in later cells.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { newEngine, valueOf } from "./engine-helpers";
import { carryDeclarations, objectNamespacesAsValues } from "../../src/exec/declarations";

for (const language of ["typescript", "javascript"] as const) {
  test(`${language}: a top-level for await runs (it failed with "Unexpected reserved word")`, async () => {
    const engine = newEngine(language);
    valueOf(await engine.run("let total = 0;"));
    valueOf(await engine.run("for await (const v of [Promise.resolve(2), 3]) total += v;"));
    assert.equal(valueOf(await engine.run("total")), 5);
    valueOf(await engine.run("async function* twice() { yield 1; yield 2; }\nconst seen = [];\nfor await (const v of twice()) seen.push(v * 10);"));
    assert.deepEqual(valueOf(await engine.run("seen")), [10, 20]);
  });
}

test("typescript: a namespace is still declared two cells later (tslab dropped it)", async () => {
  const engine = newEngine("typescript");
  valueOf(await engine.run("namespace Geo { export const pi = 3; export function twice(x: number): number { return 2 * x; } }"));
  assert.equal(valueOf(await engine.run("Geo.pi")), 3);
  assert.equal(valueOf(await engine.run("Geo.twice(Geo.pi)")), 6);
  const wrongType = await engine.run("const s: string = Geo.pi;");
  assert.equal(wrongType.status, "error", "the namespace keeps its member types");
  valueOf(await engine.run("const Geo = { pi: 'redeclared' };"));
  assert.equal(valueOf(await engine.run("Geo.pi.toUpperCase()")), "REDECLARED", "a later declaration of the name replaces the namespace");
});

test("javascript: later cells write to an object literal's members and use its accessors", async () => {
  const engine = newEngine("javascript");
  valueOf(await engine.run("let config = { model: { units: 8 }, tags: null };\nconst box = { get value() { return 1; }, set value(v) { config.tags = v; } };"));
  valueOf(await engine.run("config.tags ||= ['a'];\nconfig.model.units *= 2;"));
  assert.deepEqual(valueOf(await engine.run("[config.tags, config.model.units, box.value]")), [["a"], 16, 1]);
  valueOf(await engine.run("box.value = 'set';"));
  assert.equal(valueOf(await engine.run("config.tags")), "set");
});

test("objectNamespacesAsValues declares a lone namespace as any and leaves function-namespace merges", () => {
  const declarations = "export namespace config {\n    const tags: any;\n}\nexport function f(): void;\nexport namespace f {\n    let x: number;\n}\nexport let n: number;\n";
  assert.equal(objectNamespacesAsValues(declarations), "export let config: any;\nexport function f(): void;\nexport namespace f {\n    let x: number;\n}\nexport let n: number;\n");
  assert.equal(objectNamespacesAsValues("export let n: number;\n"), "export let n: number;\n");
});

test("carryDeclarations puts back namespaces and require imports the next cell did not declare", () => {
  const previous = 'import fs = require("fs");\ndeclare namespace Geo {\n    const pi = 3;\n}\ndeclare namespace Old {\n    const x = 1;\n}\nexport let n: number;\n';
  const next = "export let n: number;\nexport let Old: string;\n";
  const carried = carryDeclarations(previous, next);
  assert.match(carried, /import fs = require\("fs"\);/);
  assert.match(carried, /declare namespace Geo \{\n {4}const pi = 3;\n\}/);
  assert.doesNotMatch(carried, /namespace Old/, "a name the next cell declares again is the next cell's");
  assert.ok(carried.endsWith(next));
});

for (const language of ["typescript", "javascript"] as const) {
  test(`${language}: what a failed cell declared and set before it failed stays usable; what it never set does not`, async () => {
    const engine = newEngine(language);
    valueOf(await engine.run("const a = 1;"));
    const failed = await engine.run(
      "function thrower(n) { if (n > 2) throw new RangeError('too big: ' + n); return thrower(n + 1); }\nconst a = 'replaced';\nconst z = thrower(0);\nclass Never {}",
    );
    assert.equal(failed.status, "error");
    assert.equal((failed as { ename: string }).ename, "RangeError");
    assert.deepEqual(valueOf(await engine.run("[typeof thrower, a]")), ["function", "replaced"]);
    assert.equal((await engine.run("z")).status, "error", "z was never set: it is not declared for later cells");
    assert.equal((await engine.run("new Never()")).status, "error", "the class statement was not reached");
    valueOf(await engine.run("const z = 5;"));
    assert.equal(valueOf(await engine.run("z + 1")), 6);
  });
}

test("typescript: after a failed cell, a name it never set keeps the type an earlier cell gave it", async () => {
  const engine = newEngine("typescript");
  valueOf(await engine.run("let n = 1;\ninterface Shape { w: number }"));
  assert.equal((await engine.run("throw new Error('first');\nlet n = 'text';\ntype Alias = Shape;")).status, "error");
  const wrongType = await engine.run("const s: string = n;");
  assert.equal(wrongType.status, "error", "n is still declared a number");
  assert.equal(valueOf(await engine.run("const shape: Alias = { w: 2 }; shape.w")), 2, "type aliases of the failed cell are carried");
});

test("errors raised by cell code have stacks that end at the cell (no kernel frames)", async () => {
  const engine = newEngine("typescript");
  const stack = valueOf(await engine.run("function inner(): Error { return new Error('here'); }\ninner().stack")) as string;
  assert.match(stack, /^Error: here\n {4}at inner \(cell-\d+\.js:\d+:\d+\)/);
  assert.doesNotMatch(stack, /node:vm|tunelab-await-step|[\\/]src[\\/]exec[\\/]/, stack);
  const awaited = valueOf(await engine.run("await Promise.resolve();\nnew Error('after await').stack")) as string;
  assert.doesNotMatch(awaited, /node:vm|tunelab-await-step|[\\/]src[\\/]exec[\\/]/, awaited);
  const library = valueOf(await engine.run("let caught = ''; try { JSON.parse('{'); } catch (e) { caught = (e as Error).stack ?? ''; } caught")) as string;
  assert.match(library, /^SyntaxError: /);
  assert.match(library, /at JSON\.parse/, "frames before the cell's are kept");
});

test("typescript: `declare global` in a cell adds to the globals for the later cells, as in one file (it was refused: \"Cannot export 'global'\")", async () => {
  const engine = newEngine("typescript");
  valueOf(await engine.run("declare global { var hits: number; interface Array<T> { label?: string } }\nglobalThis.hits = 1;"));
  assert.equal(valueOf(await engine.run("hits += 1;\nhits")), 2, "a later cell reads and writes the global, not a shared binding");
  assert.equal(valueOf(await engine.run("const tagged = [1];\ntagged.label = 'ones';\ntagged.label")), "ones");
  const wrongType = await engine.run("const h: string = hits;");
  assert.equal(wrongType.status, "error", "the global keeps its type two cells later");
  // Run again, the block is not repeated in the declarations; another block adds to the first.
  valueOf(await engine.run("declare global { var hits: number; interface Array<T> { label?: string } }\nglobalThis.hits = 10;"));
  valueOf(await engine.run("declare global { var misses: number }\nglobalThis.misses = 3;"));
  assert.equal(valueOf(await engine.run("hits + misses")), 13);
  assert.equal(engine["prevDecl"].split("var hits").length - 1, 1);
});

test("typescript: a cell's `declare module` and `declare global` blocks, run again or edited, replace the names they declared before (both would merge in one program: a const declared twice is an error)", async () => {
  const engine = newEngine("typescript");
  const augment = (type: string) => `import * as fs from "fs";\ndeclare module "fs" { export const extra: ${type}; export const kept: boolean; }`;
  valueOf(await engine.run(augment("number")));
  valueOf(await engine.run("const n: number = fs.extra;"));
  valueOf(await engine.run(augment("number")));
  valueOf(await engine.run('declare module "fs" { export const extra: string; }'));
  valueOf(await engine.run("const s: string = fs.extra;\nconst b: boolean = fs.kept;"));
  assert.equal((await engine.run("const wrong: number = fs.extra;")).status, "error", "the edited block's type holds");
  valueOf(await engine.run("declare global { interface Array<T> { label?: number } }"));
  valueOf(await engine.run("declare global { interface Array<T> { label?: string } }"));
  assert.equal(valueOf(await engine.run("const xs = [1];\nxs.label = 'edited';\nxs.label")), "edited");
  assert.equal(engine["prevDecl"].split("label?").length - 1, 1, engine["prevDecl"]);
});

test("javascript: a global a cell assigns (`globalThis.x = …`) is known to later cells with its type, which a later assignment replaces (it was \"Cannot find name\")", async () => {
  const engine = newEngine("javascript");
  valueOf(await engine.run("class Unit { size = 2; }\nglobalThis.runs = 1;\nglobalThis.unit = new Unit();\nglobalThis.anonymous = new (class { z = 3; })();"));
  assert.equal(valueOf(await engine.run("runs + unit.size + anonymous.z")), 6);
  assert.equal((await engine.run("unit.missing.length")).status, "error", "the global keeps its class type");
  valueOf(await engine.run("globalThis.runs = 'now text';"));
  assert.equal(valueOf(await engine.run("runs.toUpperCase()")), "NOW TEXT");
  valueOf(await engine.run("let plain = { a: 1 };"));
  assert.equal(valueOf(await engine.run("plain.a + runs.length")), 9);
  assert.equal(engine["prevDecl"].split("var runs").length - 1, 1, engine["prevDecl"]);
});

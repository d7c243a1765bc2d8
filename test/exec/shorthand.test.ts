/** Shorthand properties that name earlier cells' declarations, through the real cell compiler. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { newEngine, valueOf } from "./engine-helpers";
import { expandShorthand } from "../../src/exec/shorthand";


for (const language of ["typescript", "javascript"] as const) {
  test(`${language}: { a }, { f, K } and ({ a }) => a see an earlier cell's let, function and class`, async () => {
    const engine = newEngine(language);
    valueOf(await engine.run("let a = 1;\nfunction f() { return 2; }\nclass K { static k = 3; }"));
    assert.equal(valueOf(await engine.run("JSON.stringify({ a })")), '{"a":1}');
    assert.equal(valueOf(await engine.run("`${JSON.stringify({ a, b: a + 1 })}`")), '{"a":1,"b":2}');
    assert.equal(valueOf(await engine.run("const o = { f, K };\no.f() + o.K.k")), 5);
    assert.equal(valueOf(await engine.run("(({ a }) => a * 10)({ a })")), 10);
    valueOf(await engine.run("a = 7;"));
    assert.equal(valueOf(await engine.run("[{ a }].map(({ a }) => a)[0]")), 7, "the current value, after a later assignment");
    valueOf(await engine.run("let c = 0, d = 0;\n({ c, d = 4 } = { c: 9 });"));
    assert.equal(valueOf(await engine.run("c + d")), 13, "destructuring assignment targets with a default");
  });
}

test("a compile error after a shorthand keeps the column the user wrote", async () => {
  const engine = newEngine("typescript");
  valueOf(await engine.run("let a = 1;"));
  const outcome = await engine.run("const o = { a }; const s: string = 5;");
  assert.equal(outcome.status, "error");
  assert.match((outcome as { evalue: string }).evalue, /^1:24 - /, "column of `s` as written, not shifted by the inserted ': a'");
});

test("expandShorthand inserts ': name' after each shorthand name and maps columns back", () => {
  const expansion = expandShorthand("f({ a, b }, `${{ c }}`)", "typescript");
  assert.equal(expansion.code, "f({ a: a, b: b }, `${{ c: c }}`)");
  assert.equal(expansion.toSource(0, 0), 0);
  assert.equal(expansion.toSource(0, 10), 7, "the name `b` of `b: b` maps to the written `b`");
  assert.equal(expansion.toSource(0, 12), 8, "inside the inserted text: the end of the written name");
  assert.equal(expansion.toSource(0, 17), 11, "after both insertions on the line");
  assert.equal(expandShorthand("const x = 1;", "typescript").code, "const x = 1;");
  assert.equal(expandShorthand("const { a } = o; ({ a } = o);", "typescript").code, "const { a } = o; ({ a: a } = o);", "binding patterns stay");
});

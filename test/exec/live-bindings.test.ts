/** Cells as one program: later assignments seen by earlier functions, and declarations carried whole (the real cell compiler). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { newEngine, valueOf } from "./engine-helpers";
import { liveTopLevelBindings } from "../../src/exec/live-bindings";


for (const language of ["typescript", "javascript"] as const) {
  test(`${language}: a later cell's assignment is what earlier functions, callbacks and classes see`, async () => {
    const engine = newEngine(language);
    valueOf(await engine.run("let n = 1;\nvar epochs = 10;\nfunction g() { return n; }\nconst build = () => ({ epochs });\nclass C { v = n; get w() { return n * 2; } }"));
    valueOf(await engine.run("n = 5;\nepochs = 30;"));
    assert.equal(valueOf(await engine.run("g()")), 5);
    assert.equal(valueOf(await engine.run("build().epochs")), 30);
    assert.equal(valueOf(await engine.run("new C().v + new C().w")), 15);
  });

  test(`${language}: writes inside the declaring cell's functions reach later cells and the cell itself`, async () => {
    const engine = newEngine(language);
    assert.equal(valueOf(await engine.run("let count = 0;\nfunction inc() { count++; }\ninc(); inc();\ncount")), 2);
    valueOf(await engine.run("inc();"));
    assert.equal(valueOf(await engine.run("count")), 3);
  });

  test(`${language}: inner declarations keep shadowing, loops and blocks keep their own variables`, async () => {
    const engine = newEngine(language);
    valueOf(await engine.run("let x = 1;\nfunction own(x) { return x; }\nfunction inner() { let x = 7; return x; }\nlet total = 0;\nfor (let x = 0; x < 3; x++) total += x;\n{ const x = 100; total += x; }"));
    valueOf(await engine.run("x = 2;"));
    assert.equal(valueOf(await engine.run("own(9) + inner()")), 16);
    assert.equal(valueOf(await engine.run("total + x")), 105);
  });
}

test("liveTopLevelBindings leaves const, the sync statement and property names alone", () => {
  const output = "let n = 1;\nexports.n = n;\nconst k = 2;\nexports.k = k;\nfunction g() { return { n: n, k: k, m: o.n }; }\nexports.g = g;\n";
  assert.equal(
    liveTopLevelBindings(output),
    "let n = 1;\nexports.n = n;\nconst k = 2;\nexports.k = k;\nfunction g() { return { n: exports.n, k: k, m: o.n }; }\nexports.g = g;\n",
  );
});

test("javascript: a require()d module stays declared for every later cell, redeclared or not", async () => {
  const engine = newEngine("javascript");
  valueOf(await engine.run("const tslab = require('tslab');"));
  valueOf(await engine.run('const fs = require("fs");\nconst tslab = require("tslab");'));
  assert.equal(valueOf(await engine.run("typeof tslab.display.html")), "function");
  assert.equal(valueOf(await engine.run("1 + 1")), 2);
  assert.equal(valueOf(await engine.run("typeof tslab.display.jpeg + typeof fs.readFileSync")), "functionfunction", "two cells later, both are still known");
  valueOf(await engine.run("const fs = 3;"));
  assert.equal(valueOf(await engine.run("fs + 1")), 4, "a redeclaration replaces the carried one");
});

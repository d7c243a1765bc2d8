/**
 * The cell compiler (src/exec/cell-compiler.ts) through real engines: import aliases of an earlier
 * cell's namespace members (tslab's converter compiled `import p = N.x` to a read of a name the
 * cell does not have), one CommonJS emit per cell, redeclaration, errors with their positions,
 * inspection's documentation of the libraries (parsed without their comments), and a package
 * installed between cells (the compiler's file probes and resolutions are not kept from before).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { newEngine, valueOf } from "./engine-helpers";
import * as ts from "@tslab/typescript-for-tslab";
import { CellCompiler, topLevelNames } from "../../src/exec/cell-compiler";
import { CellProgram } from "../../src/exec/cell-program";
import { withoutDocComments } from "../../src/exec/doc-comments";

test("typescript: import p = N.x of an earlier cell's namespace reads its member, for this and later cells", async () => {
  const engine = newEngine("typescript");
  valueOf(await engine.run("namespace N { export const x = 3; export namespace M { export const y = 4; } export interface Shape { side: number } }"));
  assert.equal(valueOf(await engine.run("import p = N.x; import q = N.M; p + q.y")), 7);
  assert.equal(valueOf(await engine.run("p * 2")), 6, "the alias is declared for later cells");
  assert.equal(valueOf(await engine.run("import Shape = N.Shape; const s: Shape = { side: 2 }; s.side")), 2, "an alias of a type only emits nothing");
  const wrong = await engine.run("const t: Shape = { side: 'two' };");
  assert.equal(wrong.status, "error", "the alias keeps the member's type");
});

test("one CommonJS emit: the cell's value, shared bindings of earlier cells, no ES module syntax left", () => {
  const compiler = new CellCompiler(process.cwd(), false);
  const first = compiler.convert("", "let a = 1;\nfunction f() { return a; }");
  assert.deepEqual(first.diagnostics, []);
  const second = compiler.convert(first.declOutput as string, "import * as os from 'node:os';\na = f() + 1;\nos.EOL.length + a");
  assert.deepEqual(second.diagnostics, []);
  const output = second.output as string;
  assert.match(output, /exports\.a = exports\.f\(\) \+ 1/);
  assert.match(output, /exports\.tsLastExpr = os\.EOL\.length \+ exports\.a/);
  assert.match(output, /require\("node:os"\)/);
  assert.doesNotMatch(output, /^\s*(import|export) /m);
  assert.equal(second.lastExpressionVar, "tsLastExpr");
  assert.match(second.declOutput as string, /declare let a: number;/, "earlier declarations stay");
  assert.match(second.declOutput as string, /import \* as os from 'node:os';/);
});

test("a type error names its line and column in the cell; a later cell may declare a name again with a new type", () => {
  const compiler = new CellCompiler(process.cwd(), false);
  const first = compiler.convert("", "let n = 1;");
  const error = compiler.convert(first.declOutput as string, "const ok = 1;\nconst s: string = n;");
  assert.equal(error.output, undefined);
  assert.equal(error.diagnostics[0]?.start.line, 1);
  assert.equal(error.diagnostics[0]?.start.character, 6);
  assert.match(error.diagnostics[0]?.messageText ?? "", /Type 'number' is not assignable to type 'string'/);
  const again = compiler.convert(first.declOutput as string, "let n = 'text';");
  assert.deepEqual(again.diagnostics, []);
  assert.match(again.declOutput as string, /declare let n: string;/);
  assert.doesNotMatch(again.declOutput as string, /n: number/);
});

test("the library types are ES2023's, which Node 20 runs: findLast and findLastIndex type-check and run", async () => {
  const engine = newEngine("typescript");
  assert.deepEqual(valueOf(await engine.run("const arr = [3, 1, 2];\n[arr.findLast((v) => v > 1), arr.findLastIndex((v) => v > 2)]")), [2, 0]);
});

test("topLevelNames: every name a cell declares at its top level, var in loops and blocks included", () => {
  const names = topLevelNames("let a = 1, { b, c: [d] } = o;\nfunction f() { var inner; }\nclass K {}\nenum E { X }\nnamespace N {}\ninterface I {}\ntype T = 1;\nimport x, * as y from 'm';\nimport { z as w } from 'm';\nimport q = N;\nfor (var i = 0; i < 1; i++) { var j; let k; }", "cell.ts");
  assert.deepEqual([...names].sort(), ["E", "I", "K", "N", "T", "a", "b", "d", "f", "i", "j", "q", "w", "x", "y"]);
});

test("withoutDocComments keeps every position and leaves empty comments alone", () => {
  const text = "/** Doc. */\ndeclare const a: 1;\n/**/ declare const b: 2; /*** stars */";
  const lean = withoutDocComments(text);
  assert.equal(lean.length, text.length);
  assert.equal(lean, "/*  Doc. */\ndeclare const a: 1;\n/**/ declare const b: 2; /* * stars */");
});

test("inspection shows the documentation of library declarations parsed without their comments", async () => {
  const engine = newEngine("typescript");
  valueOf(await engine.run("const xs = [1, 2];"));
  assert.match(engine.inspect("Math.max", "Math.max".length) ?? "", /Returns the larger of a set of supplied numeric expressions/);
  assert.match(engine.inspect("xs.map", "xs.map".length) ?? "", /Calls a defined callback function on each element of an array/);
  assert.match(engine.inspect("console.log", "console.log".length) ?? "", /\(method\) Console\.log/);
});

test("inspecting a name no cell declared finds nothing (it is not shown as any); a property of an any value still shows", async () => {
  const engine = newEngine("typescript");
  valueOf(await engine.run("const loose: any = { foo: 1 }; let later;"));
  assert.equal(engine.inspect("nothingHere", 4), undefined);
  assert.equal(engine.inspect("time", 2), undefined, "a magic's name: `time?` then shows the magic's help");
  assert.match(engine.inspect("loose.foo", "loose.foo".length) ?? "", /any/);
  assert.match(engine.inspect("later", 2) ?? "", /let later: any/);
});

test("inspection shows the documentation of a Node API, in both kernels", async () => {
  for (const [language, cell] of [["typescript", "import * as fs from 'node:fs';"], ["javascript", "const fs = require('node:fs');"]] as const) {
    const engine = newEngine(language);
    valueOf(await engine.run(cell));
    const shown = engine.inspect("fs.readFileSync", "fs.readFileSync".length) ?? "";
    assert.match(shown, /function (fs\.)?readFileSync\(path: fs\.PathOrFileDescriptor/, language);
    assert.match(shown, /Returns the contents of the `path`\./, language);
  }
});

test("the libraries and @types parsed without documentation comments give the same syntax trees as on disk", () => {
  const program = new CellProgram(process.cwd(), false).update("", "").program;
  const children = (node: ts.Node): ts.Node[] => {
    const found: ts.Node[] = [];
    ts.forEachChild(node, (child) => void found.push(child));
    return found;
  };
  /** The first node where the two trees differ (kind, span, or a literal's or name's text), or `undefined`. */
  const difference = (lean: ts.Node, full: ts.Node): string | undefined => {
    const text = (node: ts.Node): string | undefined => (ts.isLiteralExpression(node) || ts.isIdentifier(node) || ts.isTemplateLiteralToken(node) ? node.text : undefined);
    if (lean.kind !== full.kind || lean.pos !== full.pos || lean.end !== full.end || text(lean) !== text(full)) return `${ts.SyntaxKind[lean.kind]} at ${lean.pos} vs ${ts.SyntaxKind[full.kind]} at ${full.pos}`;
    const [a, b] = [children(lean), children(full)];
    if (a.length !== b.length) return `${ts.SyntaxKind[lean.kind]} at ${lean.pos} has ${a.length} vs ${b.length} children`;
    for (let i = 0; i < a.length; i++) {
      const found = difference(a[i] as ts.Node, b[i] as ts.Node);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  let lean = 0;
  for (const file of program.getSourceFiles()) {
    const onDisk = ts.sys.readFile(file.fileName);
    if (onDisk === undefined || onDisk === file.text) continue;
    lean++;
    const full = ts.createSourceFile(file.fileName, onDisk, ts.ScriptTarget.ES2022, false);
    assert.equal(difference(file, full), undefined, file.fileName);
  }
  assert.ok(lean > 100, `only ${lean} files were parsed without their documentation comments`);
});

test("a package installed after a cell that could not find it is found by the next cell", () => {
  const root = mkdtempSync(path.join(tmpdir(), "tunelab-probes-"));
  try {
    const compiler = new CellCompiler(root, false);
    const first = compiler.convert("", "const a = 1;");
    assert.deepEqual(first.diagnostics, []);
    const missing = compiler.convert(first.declOutput as string, 'import { answer } from "late-package";\nanswer');
    assert.match(missing.diagnostics[0]?.messageText ?? "", /Cannot find module 'late-package'/);
    const folder = path.join(root, "node_modules", "late-package");
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "package.json"), JSON.stringify({ name: "late-package", version: "1.0.0", types: "index.d.ts" }));
    writeFileSync(path.join(folder, "index.d.ts"), "export declare const answer: 42;\n");
    const found = compiler.convert(first.declOutput as string, 'import { answer } from "late-package";\nconst b: 42 = answer;');
    assert.deepEqual(found.diagnostics, []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

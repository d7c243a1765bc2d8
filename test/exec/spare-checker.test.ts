/**
 * Type checkers made between cells (src/exec/spare-checker.ts): with the compiler loaded as the
 * kernel loads it, programs take the checker made ahead; every cell, completion and inspection
 * gives exactly what a checker of its own gives; and a program whose globals may differ (a cell
 * with `declare global`, a changed local module, a JavaScript cell that sets a global) makes its own.
 */
import "../support/patched-compiler";
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import ts = require("@tslab/typescript-for-tslab");
import { CellCompiler } from "../../src/exec/cell-compiler";
import { carryDeclarations } from "../../src/exec/declarations";
import { applyPatch, SPARE_CHECKER_PATCH } from "../../src/exec/compiler-patch";

/** One step of a session: a cell, a completion or an inspection, or a local module written before it. */
type Step =
  | { readonly cell: string }
  | { readonly complete: string }
  | { readonly inspect: string; readonly at: number }
  | { readonly module: string; readonly text: string; readonly then: string };

/** What each step gave, and whether its program took the checker made ahead. */
async function session(dir: string, javascript: boolean, steps: readonly Step[], idle: boolean): Promise<{ results: unknown[]; served: boolean[] }> {
  const compiler = new CellCompiler(dir, javascript);
  let previous = "";
  let bump = 0;
  const results: unknown[] = [];
  const served: boolean[] = [];
  try {
    for (const step of steps) {
      // The kernel waits for its next request here: the next checker is made then.
      if (idle) await new Promise((resolve) => setImmediate(resolve));
      const before = compiler.checkersMadeAhead.served;
      let code: string;
      if ("module" in step) {
        const file = path.join(dir, step.module);
        writeFileSync(file, step.text);
        // A modification time of its own, so the rewrite is seen even within the file system's resolution.
        bump += 1;
        utimesSync(file, 1_000_000 + bump, 1_000_000 + bump);
        code = step.then;
      } else if ("complete" in step) {
        results.push(compiler.complete(previous, step.complete, step.complete.length));
        served.push(compiler.checkersMadeAhead.served > before);
        continue;
      } else if ("inspect" in step) {
        const info = compiler.inspect(previous, step.inspect, step.at);
        results.push(info === undefined ? undefined : { kind: info.kind, display: ts.displayPartsToString(info.displayParts) });
        served.push(compiler.checkersMadeAhead.served > before);
        continue;
      } else {
        code = step.cell;
      }
      const compiled = compiler.convert(previous, code);
      results.push(compiled);
      served.push(compiler.checkersMadeAhead.served > before);
      if (compiled.diagnostics.length === 0) previous = carryDeclarations(previous, compiled.declOutput ?? previous);
    }
  } finally {
    compiler.close();
  }
  return { results, served };
}

function withTemporaryDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "tunelab-spare-"));
  return run(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const TYPESCRIPT_STEPS: readonly Step[] = [
  { cell: "const a = 1;\nlet b: string = 'x';" },
  { cell: "a + 1" },
  { cell: "const a = 'redeclared';\na.length" },
  { cell: "let wrong: number = a;" },
  { cell: "interface Point { x: number }\nconst p: Point = { x: 2 };\np.x" },
  { complete: "p." },
  { inspect: "Math.max(1, 2)", at: 6 },
  { cell: "function same<T>(x: T): T { return x; }\nsame([1, 2]).findLast((x) => x > 1)" },
  { cell: "enum Color { Red, Green }\nnamespace N { export const v = Color.Green; }\nN.v" },
  { cell: "class K { static s = 1; #hidden = 2; get h() { return this.#hidden; } }\nnew K().h + K.s" },
  { cell: "const { x: renamed, ...rest } = { x: 1, y: 2, z: 3 };\nrenamed + Object.keys(rest).length" },
  { cell: "await Promise.resolve(a)" },
  { cell: "import * as fs from 'fs';\nfs.existsSync('/')" },
  { cell: "undefinedName + 1" },
  { module: "helper.ts", text: "export function helper(n: number): number { return n * 2; }\n", then: "import { helper } from './helper';\nhelper(21)" },
  { cell: "helper(1)" },
  { module: "helper.ts", text: "export function helper(s: string): string { return s + s; }\n", then: "import { helper } from './helper';\nhelper('ab')" },
  { cell: "helper(2)" },
  { cell: "declare global { interface Array<T> { total?: number } }\n[1].total" },
  { cell: "[2].total" },
  { cell: "[3].total ?? 0" },
];

test("the patch applies once to the pinned compiler's source, and never to a source without its text or with it twice", () => {
  const source = readFileSync(require.resolve("@tslab/typescript-for-tslab"), "latin1");
  const patched = applyPatch(source, SPARE_CHECKER_PATCH);
  assert.ok(patched !== undefined, "the compiler's getTypeChecker is not the one the patch changes: update compiler-patch.ts");
  assert.equal(patched.length - source.length, SPARE_CHECKER_PATCH.replace.length - SPARE_CHECKER_PATCH.find.length);
  assert.equal(applyPatch("function f() {}", SPARE_CHECKER_PATCH), undefined);
  assert.equal(applyPatch(SPARE_CHECKER_PATCH.find + SPARE_CHECKER_PATCH.find, SPARE_CHECKER_PATCH), undefined);
});

test("TypeScript cells, completions and inspections give with checkers made between cells exactly what they give with their own", async () => {
  await withTemporaryDir(async (dir) => {
    const own = await session(dir, false, TYPESCRIPT_STEPS, false);
    const ahead = await session(dir, false, TYPESCRIPT_STEPS, true);
    assert.deepEqual(own.served, TYPESCRIPT_STEPS.map(() => false), "without idle turns no checker is made ahead");
    assert.deepEqual(ahead.results, own.results);
    const at = (cell: string) => TYPESCRIPT_STEPS.findIndex((step) => "cell" in step && step.cell === cell);
    const firstImport = TYPESCRIPT_STEPS.findIndex((step) => "module" in step);
    const changedModule = TYPESCRIPT_STEPS.findIndex((step) => "module" in step && step.text.includes("s: string"));
    const augmenting = at("declare global { interface Array<T> { total?: number } }\n[1].total");
    // Every program after the first takes the checker made ahead, except: one with a file the last
    // program lacked (the first import of the module), or with another version of it (the changed
    // module); and from the cell with `declare global` on, whose declarations then hold it too.
    const expected = TYPESCRIPT_STEPS.map((_, i) => i > 0 && i !== firstImport && i !== changedModule && i < augmenting);
    assert.deepEqual(ahead.served, expected);
    // The results are the cells' own: the redeclared name's new type, the type error, the changed module.
    const errorsOf = (i: number) => (own.results[i] as { diagnostics: { messageText: string }[] }).diagnostics.map((d) => d.messageText);
    assert.match(errorsOf(at("let wrong: number = a;")).join(), /Type 'string' is not assignable to type 'number'/);
    assert.deepEqual(errorsOf(at("helper(2)")).length, 1, "the changed module's new signature is checked");
    for (const cell of ["[2].total", "[3].total ?? 0"]) assert.deepEqual(errorsOf(at(cell)), [], `${cell}: the earlier cell's declare global holds`);
  });
});

test("JavaScript cells give with checkers made between cells what they give with their own; a cell that sets a global makes its own", async () => {
  const steps: readonly Step[] = [
    { cell: "let n = 1;\nfunction g() { return n; }" },
    { cell: "g() + 1" },
    { cell: "const m = new Map([[1, 'a']]);\nm.get(1).toUpperCase()" },
    { cell: "globalThis.fromCell = 3;\nn" },
    { cell: "n + 2" },
  ];
  await withTemporaryDir(async (dir) => {
    const own = await session(dir, true, steps, false);
    const ahead = await session(dir, true, steps, true);
    assert.deepEqual(ahead.results, own.results);
    // The cell that sets a global makes its own checker, and so does the next one: a checker made
    // from the program of the cell that set it would hold that global.
    assert.deepEqual(ahead.served, [false, true, true, false, false]);
  });
});

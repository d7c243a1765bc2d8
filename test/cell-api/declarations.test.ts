/**
 * The `tunelab` module and the cell globals: what cells are type-checked against (the virtual
 * packages of src/exec/virtual-packages.ts, re-exporting tsc's declarations for src/cell-api/)
 * agrees with what they get at run time, and cells using the API type-check.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as ts from "@tslab/typescript-for-tslab";
import { Engine, type RunOutcome } from "../../src/exec/engine";
import { tunelabNotebookModule } from "../../src/cell-api/runtime";

/** The names of the values a module exports, as the checker sees them (not types, nor classes exported as types only). */
function valueExports(checker: ts.TypeChecker, moduleSymbol: ts.Symbol): string[] {
  const isValue = (exported: ts.Symbol): boolean => {
    let symbol = exported;
    while (symbol.flags & ts.SymbolFlags.Alias) {
      if (symbol.declarations?.some((d) => ts.isTypeOnlyImportOrExportDeclaration(d)) === true) return false;
      symbol = checker.getImmediateAliasedSymbol(symbol) ?? assert.fail(`${exported.name} does not resolve`);
    }
    return (symbol.flags & ts.SymbolFlags.Value) !== 0;
  };
  return checker.getExportsOfModule(moduleSymbol).filter(isValue).map((symbol) => symbol.name).sort();
}

function ok(outcome: RunOutcome): void {
  assert.equal(outcome.status, "ok", outcome.status === "error" ? outcome.traceback.join("\n") : "");
}

describe("cell declarations", () => {
  const rootDir = mkdtempSync(path.join(tmpdir(), "tunelab-cell-api-"));
  const globals = globalThis as Record<string, unknown>;
  const before_ = new Set(Object.keys(globals));
  let engine: Engine;
  let program: ts.Program;
  let cellFile: ts.SourceFile;

  const startDir = process.cwd();

  before(() => {
    // As in the kernel, which starts in the notebook's directory: tslab's compiler works from the cwd.
    process.chdir(rootDir);
    engine = new Engine("typescript", rootDir); // installs the virtual packages for rootDir
    const cell = path.join(rootDir, "cell.ts");
    const source = 'import * as tunelab from "tunelab";\nexport { tunelab };\n';
    const options: ts.CompilerOptions = { strict: true, target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts"], module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.NodeJs };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    host.readFile = (file) => (path.resolve(file) === cell ? source : readFile(file));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (file) => path.resolve(file) === cell || fileExists(file);
    program = ts.createProgram({ rootNames: [cell], options: { ...options, typeRoots: [path.join(rootDir, "node_modules", "@types")] }, host });
    cellFile = program.getSourceFile(cell) ?? assert.fail("cell.ts not in the program");
  });

  after(() => {
    engine.close();
    process.chdir(startDir);
    rmSync(rootDir, { recursive: true, force: true });
  });

  it("declares every runtime export of the tunelab module, and nothing else", () => {
    const checker = program.getTypeChecker();
    const importDecl = cellFile.statements.find(ts.isImportDeclaration) ?? assert.fail("no import");
    const moduleSymbol = checker.getSymbolAtLocation(importDecl.moduleSpecifier) ?? assert.fail("the tunelab module does not resolve");
    const declared = valueExports(checker, moduleSymbol);
    const runtime = Object.keys(tunelabNotebookModule()).sort();
    assert.deepEqual(declared, runtime);
    for (const name of ["display", "show", "updateDisplay", "clearOutput", "input", "prompt", "html", "markdown", "newDisplay", "registerMagic", "JUPYTER_DISPLAY", "plot", "createStudy"]) {
      assert.ok(declared.includes(name), `${name} is declared`);
    }
  });

  it("declares exactly the globals the engine sets, each with a real (not any) type", () => {
    const added = Object.keys(globals).filter((name) => !before_.has(name) && !name.startsWith("__"));
    const checker = program.getTypeChecker();
    // The generated declarations (scripts/cell-globals.mjs), next to this file's compiled sources.
    const file = path.join(__dirname, "..", "..", "src", "cell-api", "globals.global.d.ts");
    const text = ts.sys.readFile(file) ?? assert.fail(`${file} is missing: run npm run build`);
    const declared: string[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) declared.push(node.name.text);
      ts.forEachChild(node, visit);
    };
    visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true));
    assert.ok(program.getSourceFile(file) !== undefined, "the globals are part of every program, through the @types package");
    assert.deepEqual(declared.sort(), added.sort());
    const module = tunelabNotebookModule();
    for (const name of added) {
      assert.equal(globals[name], module[name], `the global ${name} is the module's ${name}`);
      const symbol = checker.getSymbolsInScope(cellFile, ts.SymbolFlags.Value).find((s) => s.name === name) ?? assert.fail(`${name} is not in scope`);
      const type = checker.getTypeOfSymbolAtLocation(symbol, cellFile);
      assert.equal(type.flags & ts.TypeFlags.Any, 0, `${name} is typed`);
      assert.ok(type.getCallSignatures().length > 0, `${name} is callable`);
    }
    assert.deepEqual(program.getGlobalDiagnostics().map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), []);
  });

  it("type-checks a cell that uses the display API, the globals and registerMagic", async () => {
    ok(
      await engine.run(`
import { clearOutput, display, html, input, JUPYTER_DISPLAY, markdown, newDisplay, prompt, registerMagic, show, updateDisplay } from "tunelab";
import type { DisplayHandle, MagicContext, NotebookMagic } from "tunelab";
function usesTheApi(ctx: MagicContext): Promise<string> {
  const handle: DisplayHandle = show({ "text/plain": "x" }, { displayId: "d", metadata: { a: 1 }, raw: true });
  handle.update(2);
  display(1); updateDisplay(handle.displayId, 3, { b: 2 }); clearOutput(true); html("<b>x</b>"); markdown("*x*");
  newDisplay().png(new Uint8Array([1])); ctx.stdout("x"); ctx.signal.aborted;
  const selfRendering = { [JUPYTER_DISPLAY]: () => ({ "text/html": "<i>y</i>" }) };
  display(selfRendering);
  const magic: NotebookMagic = { kind: "cell", name: "m", summary: "s", run: (args, body, context, line) => body.length + line + context.executionCount + Object.keys(args).length };
  registerMagic(magic);
  registerMagic({ kind: "line", name: "l", summary: "s", options: [{ name: "n", type: "integer", description: "d" }], run: (_args, context) => context.interruptCooperatively() });
  return prompt("a").then((a) => input("b", { password: true }).then((b) => a + b));
}
function usesTheGlobals(): Promise<string> {
  display("x", { displayId: "g" }); updateDisplay("g", "y"); clearOutput();
  return input("name?").then(() => prompt());
}
`),
    );
  });

  it("runs the README's engine examples with every sampler and pruner it names imported from tunelab", async () => {
    const outcome = await engine.run(`
import { CmaEsSampler, createStudy, HyperbandPruner, NSGA2Sampler, TPESampler } from "tunelab";
const front = await createStudy({ directions: ["maximize", "minimize"], sampler: new NSGA2Sampler({ seed: 0 }) });
await front.optimize((trial) => { const x = trial.suggestFloat("x", 0, 1); return [x, x * x]; }, { trials: 6 });
const single = await Promise.all([new TPESampler({ seed: 0 }), new CmaEsSampler({ seed: 0 })].map(async (sampler) => {
  const study = await createStudy({ direction: "minimize", sampler, pruner: new HyperbandPruner({ minResource: 1, maxResource: 9 }) });
  await study.optimize((trial) => (trial.suggestFloat("x", -5, 5) - 2) ** 2, { trials: 4 });
  return study.trials.length;
}));
[front.bestTrials.length > 0, single]
`);
    ok(outcome);
    assert.deepEqual((outcome as { value: unknown }).value, [true, [4, 4]]);
  });

  it("rejects a cell that misuses them (the declarations are not any)", async () => {
    const misuse = async (code: string, message: RegExp) => {
      const outcome = await engine.run(code);
      assert.equal(outcome.status, "error", code);
      if (outcome.status === "error") assert.match(outcome.evalue, message);
    };
    await misuse(`import { html } from "tunelab";\nfunction f() { html(42); }`, /number.*string/);
    await misuse(`import { registerMagic } from "tunelab";\nfunction f() { registerMagic({ kind: "line", name: "l", summary: "s", run: (_a, ctx) => ctx.noSuchMethod() }); }`, /noSuchMethod/);
    await misuse(`function f() { const n: number = input(); }`, /Promise<string>/);
  });

  it("shows the real TSDoc when a global is inspected", () => {
    engine.reset(); // earlier cells imported display from "tunelab"
    assert.match(engine.inspect("display", 3) ?? "", /const display: \(value: unknown, options\?: DisplayCallOptions\) => void\n\nShows `value` in the cell's output/);
  });
});

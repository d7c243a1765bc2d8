/**
 * The syntax tree cache (src/exec/syntax-tree-cache.ts): every library and `@types` file of the
 * kernels' first programs rebuilds into the very tree the parser makes; a program built from the
 * cache checks cells exactly as one built by parsing; trees of changed files are parsed again; a
 * damaged (cut, overwritten, one bit flipped) or unwritable pack costs only time; the kernel's warm-up writes the pack and a new
 * process takes its trees from it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import ts = require("@tslab/typescript-for-tslab");
import { CellProgram } from "../../src/exec/cell-program";
import { SyntaxTreeCache } from "../../src/exec/syntax-tree-cache";
import { decodeTree, encodeTree } from "../../src/exec/syntax-tree-codec";
import { withoutDocComments } from "../../src/exec/doc-comments";

function withTemporaryDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), "tunelab-trees-"));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The first place where `rebuilt` differs from `parsed`: another prototype, other own properties
 * or in another order, another value, or a shared object that is not shared the same way.
 */
function firstDifference(parsed: unknown, rebuilt: unknown, at = "file", pairs = new Map<object, object>()): string | undefined {
  if (typeof parsed !== "object" || parsed === null || typeof rebuilt !== "object" || rebuilt === null) {
    if (typeof parsed === "function" || typeof rebuilt === "function") return parsed === rebuilt ? undefined : `${at}: another function`;
    return Object.is(parsed, rebuilt) ? undefined : `${at}: ${String(parsed)} vs ${String(rebuilt)}`;
  }
  const paired = pairs.get(parsed);
  if (paired !== undefined) return paired === rebuilt ? undefined : `${at}: an object shared in the parsed tree is not shared the same way`;
  pairs.set(parsed, rebuilt);
  if (Object.getPrototypeOf(parsed) !== Object.getPrototypeOf(rebuilt)) return `${at}: another prototype`;
  if (parsed instanceof Map) {
    const a = [...parsed];
    const b = [...(rebuilt as Map<unknown, unknown>)];
    if (a.length !== b.length) return `${at}: ${a.length} vs ${b.length} entries`;
    for (let i = 0; i < a.length; i++) {
      const found = firstDifference(a[i], b[i], `${at}[entry ${i}]`, pairs);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const keys = Object.keys(parsed);
  const otherKeys = Object.keys(rebuilt);
  if (keys.join() !== otherKeys.join()) return `${at}: properties ${keys.join()} vs ${otherKeys.join()}`;
  for (const key of keys) {
    const found = firstDifference((parsed as Record<string, unknown>)[key], (rebuilt as Record<string, unknown>)[key], `${at}.${key}`, pairs);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The options the program passes when it parses a library file (languageVersion and the module indicator setter). */
function parseOptionsOf(program: ts.Program): ts.CreateSourceFileOptions {
  const options = program.getCompilerOptions();
  const setter = (ts as unknown as { getSetExternalModuleIndicator(options: ts.CompilerOptions): (file: ts.SourceFile) => void }).getSetExternalModuleIndicator(options);
  return { languageVersion: options.target ?? ts.ScriptTarget.ES2022, setExternalModuleIndicator: setter };
}

test("every library and @types file of the kernels' first programs rebuilds from its encoding into the tree the parser makes", () => {
  withTemporaryDir((newFolder) => {
    const programs = [new CellProgram(process.cwd(), false, undefined), new CellProgram(process.cwd(), true, undefined), new CellProgram(newFolder, false, undefined)].map((cells) => cells.update("", "").program);
    const checked = new Set<string>();
    let modules = 0;
    for (const program of programs) {
      const options = parseOptionsOf(program);
      for (const file of program.getSourceFiles()) {
        if (!file.fileName.includes("/node_modules/") || checked.has(file.fileName)) continue;
        checked.add(file.fileName);
        const text = withoutDocComments(readFileSync(file.fileName, "utf8"));
        const parsed = ts.createSourceFile(file.fileName, text, options, false);
        const rebuilt = decodeTree(encodeTree(parsed), text, options.setExternalModuleIndicator);
        assert.equal(firstDifference(parsed, rebuilt), undefined, file.fileName);
        assert.equal(rebuilt.text, text);
        const indicator = (parsed as unknown as { externalModuleIndicator?: unknown }).externalModuleIndicator;
        if (typeof indicator === "object" && indicator !== null) {
          modules++;
          assert.ok(rebuilt.statements.includes((rebuilt as unknown as { externalModuleIndicator: ts.Statement }).externalModuleIndicator), `${file.fileName}: the module indicator is one of the rebuilt statements`);
        }
      }
    }
    assert.ok(checked.size > 150, `only ${checked.size} files`);
    assert.ok(modules > 0, "some @types files are modules (their indicator is a statement, an object reached twice)");
  });
});

test("scalars the parser never makes still survive the encoding: -0, NaN, large and fractional numbers", () => {
  const setter = (sourceFile: ts.SourceFile): void => void sourceFile;
  const file = ts.createSourceFile("/x/a.d.ts", "declare const a: 1;\n", { languageVersion: ts.ScriptTarget.ES2022, setExternalModuleIndicator: setter }, false);
  const odd = file as unknown as Record<string, unknown>;
  odd["negativeZero"] = -0;
  odd["notANumber"] = Number.NaN;
  odd["large"] = 2 ** 40;
  odd["fraction"] = 0.1;
  odd["flags32"] = 2 ** 31;
  const rebuilt = decodeTree(encodeTree(file), file.text, setter) as unknown as Record<string, unknown>;
  assert.ok(Object.is(rebuilt["negativeZero"], -0));
  assert.ok(Number.isNaN(rebuilt["notANumber"]));
  assert.equal(rebuilt["large"], 2 ** 40);
  assert.equal(rebuilt["fraction"], 0.1);
  assert.equal(rebuilt["flags32"], 2 ** 31);
  assert.equal(firstDifference(file, rebuilt), undefined);
});

test("a tree holding a function elsewhere or a cycle is refused, so it is parsed instead of cached", () => {
  const file = ts.createSourceFile("/x/a.d.ts", "declare const a: 1;\n", ts.ScriptTarget.ES2022, false);
  (file.statements[0] as unknown as Record<string, unknown>)["callback"] = () => 1;
  assert.throws(() => encodeTree(file), /function/);
  const cyclic = ts.createSourceFile("/x/b.d.ts", "declare const b: 1;\n", ts.ScriptTarget.ES2022, false);
  (cyclic.statements[0] as unknown as Record<string, unknown>)["back"] = cyclic;
  assert.throws(() => encodeTree(cyclic), /cycle/);
});

/** Every message of the cell's program about the cell, with its position. */
function cellDiagnostics(cells: CellProgram, code: string): string[] {
  const files = cells.update("", code);
  return [...files.program.getSyntacticDiagnostics(files.cell), ...files.program.getSemanticDiagnostics(files.cell)].map(
    (d) => `${d.start}:${d.code}:${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
  );
}

const PROBE_CELLS = [
  "const doubled: string[] = [1, 2].map((x) => x * 2);",
  "const last = [1, 2, 3].findLast((x) => x > 1); last.nope();",
  'import * as fs from "fs"; const size: string = fs.statSync(".").size;',
  "const b = Buffer.from('a'); b.nope(); process.stdout.write(1);",
  "new Promise<number>((resolve) => resolve('x')); const m = new Map<string, number>(); m.set(1, 2);",
  'const u = new URL("https://example.com"); u.port = 3; setTimeout(() => 1, "a");',
];

test("a program built from the cache checks cells exactly as one built by parsing, in both kernels", () => {
  withTemporaryDir((dir) => {
    const pack = path.join(dir, "pack.trees");
    for (const javascript of [false, true]) {
      const writer = new SyntaxTreeCache(pack);
      const parsedCells = new CellProgram(process.cwd(), javascript, writer);
      const expected = PROBE_CELLS.map((code) => cellDiagnostics(parsedCells, code));
      writer.save();
      assert.ok(existsSync(pack), "the pack is written");

      const reader = new SyntaxTreeCache(pack);
      const cachedCells = new CellProgram(process.cwd(), javascript, reader);
      const actual = PROBE_CELLS.map((code) => cellDiagnostics(cachedCells, code));
      assert.ok(reader.hits > 150, `only ${reader.hits} trees came from the cache`);
      assert.equal(reader.pending, 0, "nothing was parsed: nothing to add");
      assert.deepEqual(actual, expected);
      assert.ok(expected.every((messages) => messages.length > 0) || javascript, "each probe cell has an error in TypeScript");
    }
  });
});

test("a cached tree is not used once its file changed: the program sees the new declarations", () => {
  withTemporaryDir((dir) => {
    const notebook = path.join(dir, "notebook");
    const types = path.join(notebook, "node_modules", "@types", "greeting");
    mkdirSync(types, { recursive: true });
    writeFileSync(path.join(notebook, "package.json"), "{}\n");
    const declarations = path.join(types, "index.d.ts");
    writeFileSync(declarations, "declare const greeting: string;\n");
    const pack = path.join(dir, "pack.trees");
    const first = new SyntaxTreeCache(pack);
    assert.deepEqual(cellDiagnostics(new CellProgram(notebook, false, first), "const n: number = greeting.length;"), []);
    first.save();

    writeFileSync(declarations, "declare const greeting: number;\n");
    utimesSync(declarations, new Date(), new Date(Date.now() + 5000));
    const second = new SyntaxTreeCache(pack);
    const messages = cellDiagnostics(new CellProgram(notebook, false, second), "const n: number = greeting.length;");
    assert.equal(messages.length, 1, "greeting is a number now");
    assert.match(messages[0] as string, /length/);
    assert.equal(second.pending, 1, "the changed file was parsed, to be kept at the next save");
  });
});

test("a damaged pack is reported, the program is built by parsing, and the next save writes a good one", () => {
  withTemporaryDir((dir) => {
    const pack = path.join(dir, "pack.trees");
    const writer = new SyntaxTreeCache(pack);
    new CellProgram(process.cwd(), false, writer).update("", "");
    writer.save();
    const good = readFileSync(pack);
    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 2)] ^= 0x01; // one bit of one tree: would rebuild a wrong tree unnoticed without the digest
    for (const damaged of [Buffer.from("not a pack"), good.subarray(0, Math.floor(good.length / 2)), Buffer.concat([good.subarray(0, 12), Buffer.alloc(64, 0x7b)]), flipped]) {
      writeFileSync(pack, damaged);
      const script = `
        const { CellProgram } = require(${JSON.stringify(path.resolve(__dirname, "../../src/exec/cell-program.js"))});
        const { SyntaxTreeCache } = require(${JSON.stringify(path.resolve(__dirname, "../../src/exec/syntax-tree-cache.js"))});
        const trees = new SyntaxTreeCache(${JSON.stringify(pack)});
        const files = new CellProgram(${JSON.stringify(process.cwd())}, false, trees).update("", "const s: string = 1;");
        const errors = files.program.getSemanticDiagnostics(files.cell).length;
        trees.save();
        console.log(JSON.stringify({ errors, hits: trees.hits }));`;
      const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 120_000 });
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout.trim()), { errors: 1, hits: 0 });
      assert.match(result.stderr, /syntax tree cache .* could not be read/);
      const reader = new SyntaxTreeCache(pack);
      new CellProgram(process.cwd(), false, reader).update("", "");
      assert.ok(reader.hits > 150, "the pack was written again");
    }
  });
});

test("a pack that cannot be written is reported and changes nothing else", () => {
  withTemporaryDir((dir) => {
    const blocked = path.join(dir, "blocked");
    mkdirSync(blocked);
    chmodSync(blocked, 0o500);
    const script = `
      const { CellProgram } = require(${JSON.stringify(path.resolve(__dirname, "../../src/exec/cell-program.js"))});
      const { SyntaxTreeCache } = require(${JSON.stringify(path.resolve(__dirname, "../../src/exec/syntax-tree-cache.js"))});
      const trees = new SyntaxTreeCache(${JSON.stringify(path.join(blocked, "sub", "pack.trees"))});
      const files = new CellProgram(${JSON.stringify(process.cwd())}, false, trees).update("", "const s: string = 'ok';");
      trees.save();
      console.log(files.program.getSemanticDiagnostics(files.cell).length);`;
    // As root the folder is writable anyway: drop to nobody when we can, else only check it does not throw.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 120_000, cwd: tmpdir(), ...asNobody });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), "0");
    assert.match(result.stderr, /could not write the cache file .*pack\.trees/);
  });
});

test("tunelab warm-up keeps the trees of a new folder's and the current folder's first programs; a new process takes them all from the pack", () => {
  withTemporaryDir((dir) => {
    const cli = path.resolve(__dirname, "../../src/cli.js");
    const env = { ...process.env, TUNELAB_CACHE_DIR: dir };
    const warmUp = spawnSync(process.execPath, [cli, "warm-up"], { encoding: "utf8", timeout: 180_000, env, cwd: process.cwd() });
    assert.equal(warmUp.status, 0, warmUp.stderr);
    assert.match(warmUp.stdout, /Kept the syntax trees of \d+ library and @types files/);
    const script = `
      const { codeCacheDir, loadWithCodeCache, COMPILER_MODULE } = require(${JSON.stringify(path.resolve(__dirname, "../../src/exec/code-cache.js"))});
      loadWithCodeCache(COMPILER_MODULE, codeCacheDir());
      const { Engine } = require(${JSON.stringify(path.resolve(__dirname, "../../src/exec/engine.js"))});
      const { sharedSyntaxTreeCache } = require(${JSON.stringify(path.resolve(__dirname, "../../src/exec/syntax-tree-cache.js"))});
      const engine = new Engine("typescript", process.cwd());
      engine.run("[3, 4].findLast((x) => x > 0)").then((outcome) => {
        console.log(JSON.stringify({ value: outcome.value, hits: sharedSyntaxTreeCache().hits, pending: sharedSyntaxTreeCache().pending }));
        process.exit(0);
      });`;
    const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 120_000, env, cwd: process.cwd() });
    assert.equal(result.status, 0, result.stderr);
    const { value, hits, pending } = JSON.parse(result.stdout.trim()) as { value: number; hits: number; pending: number };
    assert.equal(value, 4);
    assert.ok(hits > 150, `only ${hits} trees from the pack`);
    assert.equal(pending, 0, "no library or @types file was parsed");
  });
});

test("rebuilt trees have the parser's object layouts: in a process that rebuilds before it parses, every syntax node has the same hidden class as its parsed twin and no list is holey", () => {
  withTemporaryDir((dir) => {
    const program = new CellProgram(process.cwd(), false, undefined).update("", "").program;
    const files = program.getSourceFiles().filter((file) => /lib\.es5\.d\.ts$|@types\/node\/(globals|process)\.d\.ts$/.test(file.fileName));
    assert.equal(files.length, 3);
    const options = parseOptionsOf(program);
    const pack = path.join(dir, "trees.json");
    writeFileSync(pack, JSON.stringify(files.map((file) => {
      const text = withoutDocComments(readFileSync(file.fileName, "utf8"));
      const tree = encodeTree(ts.createSourceFile(file.fileName, text, options, false));
      return { fileName: file.fileName, text, bytes: Buffer.from(tree.bytes).toString("base64"), strings: tree.strings, shapes: tree.shapes };
    })));
    // V8 sizes a constructor's objects from its first ones: the child rebuilds first, as a kernel with a pack does.
    const script = `
      const ts = require("@tslab/typescript-for-tslab");
      const { decodeTree } = require(${JSON.stringify(path.resolve(__dirname, "../../src/exec/syntax-tree-codec.js"))});
      const setter = ts.getSetExternalModuleIndicator({});
      const trees = JSON.parse(require("fs").readFileSync(${JSON.stringify(pack)}, "utf8"));
      const rebuilt = trees.map((t) => decodeTree({ bytes: Buffer.from(t.bytes, "base64"), strings: t.strings, shapes: t.shapes }, t.text, setter));
      const parsed = trees.map((t) => ts.createSourceFile(t.fileName, t.text, { languageVersion: ${options.languageVersion}, setExternalModuleIndicator: setter }, false));
      let nodes = 0, otherMaps = 0, holey = 0;
      const walk = (a, b) => {
        if (typeof a !== "object" || a === null) return;
        if (Array.isArray(a)) { if (%HasHoleyElements(b) && !%HasHoleyElements(a)) holey++; }
        // The syntax nodes (not the file object, of which there is one, nor the plain records of its directives).
        else if (!(a instanceof Map) && typeof a.kind === "number" && a.kind !== ts.SyntaxKind.SourceFile) { nodes++; if (!%HaveSameMap(a, b)) otherMaps++; }
        for (const key of Object.keys(a)) walk(a[key], b[key]);
      };
      parsed.forEach((file, i) => walk(file, rebuilt[i]));
      console.log(JSON.stringify({ nodes, otherMaps, holey }));`;
    const result = spawnSync(process.execPath, ["--allow-natives-syntax", "-e", script], { encoding: "utf8", timeout: 120_000, cwd: process.cwd() });
    assert.equal(result.status, 0, result.stderr);
    const { nodes, otherMaps, holey } = JSON.parse(result.stdout.trim()) as { nodes: number; otherMaps: number; holey: number };
    assert.ok(nodes > 10_000, `only ${nodes} nodes`);
    assert.deepEqual({ otherMaps, holey }, { otherMaps: 0, holey: 0 });
  });
});

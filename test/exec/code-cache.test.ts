/**
 * Loading a module with a V8 code cache (src/exec/code-cache.ts): the module works and is the one
 * `require` returns, the cache is written and then used, a damaged cache is rejected and rewritten,
 * a module with non-ASCII characters behaves the same from its ASCII copy, the files read ahead
 * on the thread pool are the ones used, and the kernel's compiler loads through it in a real process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import Module from "node:module";
import { codeCacheDir, loadWithCodeCache } from "../../src/exec/code-cache";

/** A module that requires a sibling by a relative path and reports its own file names. */
function writeModule(dir: string): string {
  writeFileSync(path.join(dir, "dep.js"), "exports.twice = (x) => 2 * x;\n");
  const file = path.join(dir, "main.js");
  writeFileSync(file, 'const dep = require("./dep");\nexports.quadruple = (x) => dep.twice(dep.twice(x));\nexports.where = [__filename, __dirname];\nexports.self = () => module.exports;\n');
  return file;
}

function withTemporaryDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(tmpdir(), "tunelab-code-cache-"));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads `file` with the cache in `cacheDir` in a new process (V8 keeps compiled code per process). */
function loadInNewProcess(file: string, cacheDir: string): { used: boolean; value: number } {
  const script = `
    const { loadWithCodeCache } = require(${JSON.stringify(path.resolve(__dirname, "../../src/exec/code-cache.js"))});
    const loaded = loadWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(cacheDir)});
    const value = require(${JSON.stringify(file)}).quadruple(5);
    loaded.save();
    console.log(JSON.stringify({ used: loaded.cacheUsed, value }));`;
  const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout.trim()) as { used: boolean; value: number };
}

test("a module loaded with a code cache works, is the one require returns, and writes then uses its cache", () => {
  withTemporaryDir((dir) => {
    const file = writeModule(dir);
    const cacheDir = path.join(dir, "cache");
    const first = loadWithCodeCache(file, cacheDir);
    const loaded = require(file) as { quadruple(x: number): number; where: string[]; self(): unknown };
    assert.equal(loaded.quadruple(3), 12);
    assert.deepEqual(loaded.where, [file, dir]);
    assert.equal(loaded.self(), loaded, "module.exports is the object require returns");
    assert.equal(first.cacheUsed, false, "no cache existed");
    assert.equal(readdirSync(dir).includes("cache"), false, "nothing is written before save()");
    first.save();
    const written = readdirSync(cacheDir).sort();
    assert.equal(written.length, 2);
    assert.match(written[0] as string, /^main-[0-9a-f]{16}\.ascii\.js$/);
    assert.match(written[1] as string, /^main-[0-9a-f]{16}\.v8cache$/);
    assert.equal(readFileSync(path.join(cacheDir, written[0] as string), "latin1"), Module.wrap(readFileSync(file, "latin1")), "the copy is the module in CommonJS's wrapper, the text V8 compiles");

    const again = loadWithCodeCache(file, cacheDir);
    assert.equal(again.cacheFile, undefined, "an already loaded module is left as it is");
    assert.equal(require(file), loaded);
    delete require.cache[file];

    assert.deepEqual(loadInNewProcess(file, cacheDir), { used: true, value: 20 }, "a new process uses the cache written before");
  });
});

test("a damaged cache is rejected, the module still loads, and save() rewrites the cache", () => {
  withTemporaryDir((dir) => {
    const file = writeModule(dir);
    const cacheDir = path.join(dir, "cache");
    assert.deepEqual(loadInNewProcess(file, cacheDir), { used: false, value: 20 });
    const cacheFile = path.join(cacheDir, readdirSync(cacheDir).find((name) => name.endsWith(".v8cache")) as string);
    writeFileSync(cacheFile, Buffer.from("not a V8 code cache"));
    assert.deepEqual(loadInNewProcess(file, cacheDir), { used: false, value: 20 }, "V8 rejects the damaged cache");
    assert.notEqual(readFileSync(cacheFile).toString(), "not a V8 code cache", "the damaged cache was rewritten");
    assert.deepEqual(loadInNewProcess(file, cacheDir), { used: true, value: 20 });
  });
});

test("an ASCII copy cut short is not compiled: the module loads from its file, with its cache, and the copy is rewritten", () => {
  withTemporaryDir((dir) => {
    const file = writeModule(dir);
    const cacheDir = path.join(dir, "cache");
    assert.deepEqual(loadInNewProcess(file, cacheDir), { used: false, value: 20 });
    const copyFile = path.join(cacheDir, readdirSync(cacheDir).find((name) => name.endsWith(".ascii.js")) as string);
    const whole = readFileSync(copyFile);
    writeFileSync(copyFile, whole.subarray(0, whole.length - 10));
    assert.deepEqual(loadInNewProcess(file, cacheDir), { used: true, value: 20 }, "the text made again from the file is the one the cache was made for");
    assert.deepEqual(readFileSync(copyFile), whole, "the copy was rewritten");
    assert.deepEqual(loadInNewProcess(file, cacheDir), { used: true, value: 20 });
  });
});

test("a module with non-ASCII characters gives the same values from its ASCII copy, and a new process uses the copy and the cache", () => {
  withTemporaryDir((dir) => {
    const file = path.join(dir, "main.js");
    // A comment’s quote, a string, a template, a regular expression, an astral character and an identifier, all non-ASCII.
    writeFileSync(file, "// It’s here.\nconst café = 'déjà vu';\nexports.quadruple = (x) => 4 * x;\nexports.values = [café, `naïve ${café.length}`, /ü+/.test('xüüx'), '😀'.length, '😀'.codePointAt(0)];\n");
    const expected = ["déjà vu", "naïve 7", true, 2, 0x1f600];
    const cacheDir = path.join(dir, "cache");
    const loaded = loadWithCodeCache(file, cacheDir);
    assert.deepEqual((require(file) as { values: unknown[] }).values, expected);
    delete require.cache[file];
    loaded.save();
    const written = readdirSync(cacheDir).sort();
    assert.equal(written.length, 2);
    assert.match(written[0] as string, /^main-[0-9a-f]{16}\.ascii\.js$/);
    const copy = readFileSync(path.join(cacheDir, written[0] as string));
    assert.ok(copy.every((byte) => byte < 0x80), "the copy is ASCII");
    assert.match(copy.toString("latin1"), /const caf\\u00e9 = 'd\\u00e9j\\u00e0 vu'/);
    assert.deepEqual(loadInNewProcess(file, cacheDir), { used: true, value: 20 }, "the cache was made from the copy's text");
    const values = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(path.resolve(__dirname, "../../src/exec/code-cache.js"))}).loadWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(cacheDir)}); console.log(JSON.stringify(require(${JSON.stringify(file)}).values))`], { encoding: "utf8", timeout: 60_000 });
    assert.deepEqual(JSON.parse(values.stdout), expected, "the same values from the copy");
  });
});

/**
 * In a new process: reads the cache files of `file` ahead, deletes them once read (so only what was
 * read ahead can give the cache and the ASCII copy), then loads `file`; or, with `wait` false,
 * loads it while the reads are under way (it then reads the files itself).
 */
function loadReadAheadInNewProcess(file: string, cacheDir: string, wait: boolean): { used: boolean; values: unknown } {
  const script = `
    const fs = require("node:fs");
    const path = require("node:path");
    const { loadWithCodeCache, prefetchCodeCache } = require(${JSON.stringify(path.resolve(__dirname, "../../src/exec/code-cache.js"))});
    const cacheDir = ${JSON.stringify(cacheDir)};
    const load = () => {
      const loaded = loadWithCodeCache(${JSON.stringify(file)}, cacheDir);
      console.log(JSON.stringify({ used: loaded.cacheUsed, values: require(${JSON.stringify(file)}).values }));
    };
    const reads = prefetchCodeCache(${JSON.stringify(file)}, cacheDir);
    if (${wait}) reads.then(() => { for (const name of fs.readdirSync(cacheDir)) fs.rmSync(path.join(cacheDir, name)); load(); });
    else load();`;
  const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout.trim()) as { used: boolean; values: unknown };
}

test("the cache and the ASCII copy read ahead are what the module loads with; a load before the reads end reads them itself", () => {
  withTemporaryDir((dir) => {
    const file = path.join(dir, "main.js");
    writeFileSync(file, "const café = 'déjà vu';\nexports.quadruple = (x) => 4 * x;\nexports.values = [café, '😀'.length];\n");
    const expected = ["déjà vu", 2];
    const cacheDir = path.join(dir, "cache");
    const first = loadWithCodeCache(file, cacheDir);
    first.save();
    delete require.cache[file];
    assert.equal(readdirSync(cacheDir).length, 2, "the cache and the ASCII copy");
    assert.deepEqual(loadReadAheadInNewProcess(file, cacheDir, false), { used: true, values: expected }, "loaded while the reads are under way");
    assert.deepEqual(loadReadAheadInNewProcess(file, cacheDir, true), { used: true, values: expected }, "loaded from what was read ahead (the files are gone)");
    assert.deepEqual(readdirSync(cacheDir), [], "the files were deleted before the load");
    assert.deepEqual(loadReadAheadInNewProcess(file, cacheDir, true), { used: false, values: expected }, "nothing to read ahead: loaded from the module itself");
  });
});

test("a module that throws while loading is not left in require.cache", () => {
  withTemporaryDir((dir) => {
    const file = path.join(dir, "broken.js");
    writeFileSync(file, 'throw new Error("broken on purpose");\n');
    assert.throws(() => loadWithCodeCache(file, path.join(dir, "cache")), /broken on purpose/);
    assert.equal(require.cache[file], undefined);
  });
});

test("the cache folder: TUNELAB_CACHE_DIR, else node_modules/.cache/tunelab of the installation (never the home folder)", () => {
  assert.equal(codeCacheDir({ TUNELAB_CACHE_DIR: "/x/y", XDG_CACHE_HOME: "/z" }), "/x/y");
  const repository = path.resolve(__dirname, "..", "..", "..");
  assert.equal(codeCacheDir({ XDG_CACHE_HOME: "/z" }), path.join(repository, "node_modules", ".cache", "tunelab"));
  assert.ok(!codeCacheDir({}).startsWith(homedir() + path.sep + ".cache"), "not in ~/.cache");
});

test("the kernel's compiler loads through the cache in a real process, and a second process uses it", () => {
  withTemporaryDir((dir) => {
    const cacheModule = path.resolve(__dirname, "../../src/exec/code-cache.js");
    // What the kernel does: load the compiler, then the engine, run a cell, then write the cache.
    const script = `
      const { loadWithCodeCache } = require(${JSON.stringify(cacheModule)});
      const compiler = loadWithCodeCache("@tslab/typescript-for-tslab", ${JSON.stringify(dir)});
      const { Engine } = require(${JSON.stringify(path.resolve(__dirname, "../../src/exec/engine.js"))});
      const engine = new Engine("typescript");
      engine.run("const n: number = 20; n + 1").then((outcome) => {
        const wrong = engine.run("const s: string = 1;");
        return wrong.then((error) => {
          compiler.save();
          engine.close();
          console.log(JSON.stringify({ used: compiler.cacheUsed, value: outcome.value, error: error.status === "error" ? error.evalue : "none" }));
        });
      });`;
    const runOnce = () => {
      const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 120_000 });
      assert.equal(result.status, 0, result.stderr);
      return JSON.parse(result.stdout.trim().split("\n").pop() as string) as { used: boolean; value: unknown; error: string };
    };
    const first = runOnce();
    assert.deepEqual({ used: first.used, value: first.value }, { used: false, value: 21 });
    assert.match(first.error, /Type 'number' is not assignable to type 'string'/);
    const second = runOnce();
    assert.deepEqual(second, { ...first, used: true });
  });
});

test("tunelab warm-up makes the compiler's cache, which a kernel's first load then uses; a second warm-up leaves it as it is", () => {
  withTemporaryDir((dir) => {
    const cli = path.resolve(__dirname, "../../src/cli.js");
    const warmUp = () => spawnSync(process.execPath, [cli, "warm-up"], { encoding: "utf8", timeout: 120_000, env: { ...process.env, TUNELAB_CACHE_DIR: dir } });
    const first = warmUp();
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`Made the compiler's code cache in ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    const cacheFile = readdirSync(dir).find((name) => name.endsWith(".v8cache"));
    assert.ok(cacheFile !== undefined, `a .v8cache file in ${readdirSync(dir).join(", ")}`);
    const written = readFileSync(path.join(dir, cacheFile));

    // What the kernel does first: load the compiler with the cache.
    const load = `const { loadWithCodeCache } = require(${JSON.stringify(path.resolve(__dirname, "../../src/exec/code-cache.js"))});
      console.log(JSON.stringify({ used: loadWithCodeCache("@tslab/typescript-for-tslab", ${JSON.stringify(dir)}).cacheUsed }));`;
    const kernelLoad = spawnSync(process.execPath, ["-e", load], { encoding: "utf8", timeout: 120_000 });
    assert.equal(kernelLoad.status, 0, kernelLoad.stderr);
    assert.deepEqual(JSON.parse(kernelLoad.stdout.trim()), { used: true });

    const second = warmUp();
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, "");
    assert.deepEqual(readFileSync(path.join(dir, cacheFile)), written);
  });
});

test("tunelab warm-up where the cache cannot be written says so and exits 0 (the first kernel makes the cache)", () => {
  withTemporaryDir((dir) => {
    const blocked = path.join(dir, "not-a-folder");
    writeFileSync(blocked, "a file where the cache folder should be");
    const result = spawnSync(process.execPath, [path.resolve(__dirname, "../../src/cli.js"), "warm-up"], { encoding: "utf8", timeout: 120_000, env: { ...process.env, TUNELAB_CACHE_DIR: blocked } });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /the compiler's code cache was not made \(.*could not be written\); the first kernel will make it/);
  });
});

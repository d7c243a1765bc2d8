/**
 * package.json tells the truth: every package the sources import is declared (a runtime one in
 * dependencies, not only as a dev dependency or through another package), and tslab, whose
 * `dist/` internals the engine imports, is pinned to one exact version.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinModules } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as ts from "@tslab/typescript-for-tslab";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
const runtime = new Set([...Object.keys(manifest["dependencies"] ?? {}), ...Object.keys(manifest["optionalDependencies"] ?? {})]);
const development = new Set(Object.keys(manifest["devDependencies"] ?? {}));

/** Packages imported by the TypeScript files under `dir` (import, export from, require, import()), by file. */
function importsUnder(dir: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const file = path.join(current, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
        const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
        for (const { fileName } of importedFiles) {
          if (fileName.startsWith(".") || fileName.startsWith("node:") || builtinModules.includes(fileName)) continue;
          const name = fileName.split("/").slice(0, fileName.startsWith("@") ? 2 : 1).join("/");
          found.set(name, [...(found.get(name) ?? []), path.relative(ROOT, file)]);
        }
      }
    }
  };
  walk(dir);
  return found;
}

test("every package src/ imports is a declared runtime dependency", () => {
  const undeclared = [...importsUnder(path.join(ROOT, "src"))].filter(([name]) => !runtime.has(name));
  assert.deepEqual(undeclared, []);
});

test("every package the tests and benchmarks import is declared", () => {
  const imports = new Map([...importsUnder(path.join(ROOT, "test")), ...importsUnder(path.join(ROOT, "bench"))]);
  const undeclared = [...imports].filter(([name]) => !runtime.has(name) && !development.has(name));
  assert.deepEqual(undeclared, []);
});

test("tslab is pinned to the exact version whose internals are imported", () => {
  const internals = [...importsUnder(path.join(ROOT, "src"))].some(([name, files]) => name === "tslab" && files.length > 0);
  assert.ok(internals, "src/ imports tslab (dist/converter, dist/inspect)");
  assert.match(manifest["dependencies"]?.["tslab"] ?? "", /^\d+\.\d+\.\d+$/, "an exact version, not a range");
  const installed = (JSON.parse(readFileSync(path.join(ROOT, "node_modules", "tslab", "package.json"), "utf8")) as { version: string }).version;
  assert.equal(installed, manifest["dependencies"]?.["tslab"]);
});

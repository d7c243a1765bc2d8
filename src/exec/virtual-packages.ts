/**
 * Type declarations for what the kernel provides to cells, served to tslab's compiler as if they
 * were installed packages under the notebook directory's `node_modules`: the `tunelab` module
 * (`import { display } from "tunelab"`) and an `@types` package declaring the cell globals.
 * Both are one-line re-exports of tsc's declarations for `src/cell-api/` (built with the rest), so
 * cells are checked against the real types. Nothing is written to disk: the compiler's file
 * system (`ts.sys`) is extended in memory.
 */
import * as path from "node:path";
import ts = require("@tslab/typescript-for-tslab");

const norm = (p: string) => p.replace(/\\/g, "/");

/** The `tunelab` module cells import (its compiled `.d.ts` under `dist/`). */
const CELL_MODULE = path.join(__dirname, "..", "cell-api", "index");

/**
 * The cell globals' declarations, generated at build time from `src/cell-api/globals.ts` (each
 * export's own type and TSDoc) by `scripts/cell-globals.mjs` (so under `dist/` only).
 */
const CELL_GLOBALS = path.join(__dirname, "..", "cell-api", "globals.global.d.ts");

/** `import ... from "tunelab"`: everything `src/cell-api/index.ts` exports, with its own types and docs. */
function moduleDeclarations(): string {
  return `export * from ${JSON.stringify(norm(CELL_MODULE))};\n`;
}

/** The cell globals (the generated file's `declare global { ... }`). */
function globalDeclarations(): string {
  return `/// <reference path=${JSON.stringify(norm(CELL_GLOBALS))} />\nexport {};\n`;
}

/** tunelab's own `node_modules`: packages it ships (TensorFlow.js, ...) that a notebook's directory may lack. */
const OWN_MODULES = path.join(__dirname, "..", "..", "..", "node_modules").replace(/\\/g, "/");

let installedFor: string | undefined;

/** Makes the virtual packages visible to compilers created afterwards for `rootDir`. */
export function installVirtualPackages(rootDir: string): void {
  if (installedFor !== undefined) return;
  installedFor = rootDir;
  const modules = norm(path.join(rootDir, "node_modules"));
  const files = new Map<string, string>([
    [`${modules}/tunelab/package.json`, JSON.stringify({ name: "tunelab", version: "0.0.0", types: "index.d.ts" })],
    [`${modules}/tunelab/index.d.ts`, moduleDeclarations()],
    [`${modules}/@types/tunelab__cell-globals/package.json`, JSON.stringify({ name: "@types/tunelab__cell-globals", version: "0.0.0", types: "index.d.ts" })],
    [`${modules}/@types/tunelab__cell-globals/index.d.ts`, globalDeclarations()],
  ]);
  const directories = new Set<string>();
  for (const file of files.keys()) {
    for (let dir = path.posix.dirname(file); dir.startsWith(modules); dir = path.posix.dirname(dir)) directories.add(dir);
  }
  const sys = ts.sys;
  const { fileExists, readFile, directoryExists, getDirectories, realpath } = sys;
  // A package the notebook's node_modules lacks is looked up in tunelab's own (see OWN_MODULES).
  const overlay = (p: string): string | undefined => {
    const file = norm(p);
    return modules !== OWN_MODULES && file.startsWith(`${modules}/`) ? `${OWN_MODULES}${file.slice(modules.length)}` : undefined;
  };
  const onDisk = (p: string): string | undefined => {
    if (fileExists.call(sys, p)) return p;
    const own = overlay(p);
    return own !== undefined && fileExists.call(sys, own) ? own : undefined;
  };
  const dirOnDisk = (p: string): string | undefined => {
    if (directoryExists.call(sys, p)) return p;
    const own = overlay(p);
    return own !== undefined && directoryExists.call(sys, own) ? own : undefined;
  };
  sys.fileExists = (p) => files.has(norm(p)) || onDisk(p) !== undefined;
  sys.readFile = (p, encoding) => {
    const virtual = files.get(norm(p));
    if (virtual !== undefined) return virtual;
    const real = onDisk(p);
    return real === undefined ? undefined : readFile.call(sys, real, encoding);
  };
  sys.directoryExists = (p) => directories.has(norm(p)) || dirOnDisk(p) !== undefined;
  sys.getDirectories = (p) => {
    const real = dirOnDisk(p);
    const found = real === undefined ? [] : getDirectories.call(sys, real);
    const prefix = `${norm(p).replace(/\/$/, "")}/`;
    const virtual = [...directories].filter((d) => d.startsWith(prefix) && !d.slice(prefix.length).includes("/")).map((d) => d.slice(prefix.length));
    return [...new Set([...found, ...virtual])];
  };
  if (realpath !== undefined) {
    sys.realpath = (p) => {
      if (files.has(norm(p)) || directories.has(norm(p))) return p;
      const real = onDisk(p) ?? dirOnDisk(p);
      return realpath.call(sys, real ?? p);
    };
  }
}

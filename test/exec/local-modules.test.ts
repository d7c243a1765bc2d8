/**
 * The notebook's own modules, imported by cells through real engines: TypeScript modules and JSON
 * files in the notebook's folder, in a subfolder and outside it (`../lib/util`, an absolute path),
 * a module importing another, an error inside a module named with its file, and the same in the
 * JavaScript kernel.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Engine, type RunOutcome } from "../../src/exec/engine";
import { valueOf } from "./engine-helpers";

/** A project folder: `notebooks/` (the notebook's folder), `lib/` beside it and `data/config.json`. */
function withProject(run: (project: string, notebooks: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const project = mkdtempSync(path.join(tmpdir(), "tunelab-local-modules-"));
    try {
      const notebooks = path.join(project, "notebooks");
      mkdirSync(path.join(notebooks, "helpers"), { recursive: true });
      mkdirSync(path.join(project, "lib"));
      mkdirSync(path.join(project, "data"));
      writeFileSync(path.join(notebooks, "scale.ts"), "export const scale = (x: number, by: number = 10): number => x * by;\n");
      writeFileSync(path.join(notebooks, "helpers", "names.ts"), 'export function greet(name: string): string { return `hello ${name}`; }\n');
      writeFileSync(path.join(project, "lib", "stats.ts"), 'import { square } from "./square";\nexport function meanSquare(xs: number[]): number { return xs.map(square).reduce((a, b) => a + b, 0) / xs.length; }\n');
      writeFileSync(path.join(project, "lib", "square.ts"), "export const square = (x: number): number => x * x;\n");
      writeFileSync(path.join(project, "lib", "broken.ts"), 'export const broken: number = "not a number";\n');
      writeFileSync(path.join(project, "data", "config.json"), JSON.stringify({ epochs: 3, layers: [16, 8] }));
      writeFileSync(path.join(notebooks, "local.json"), JSON.stringify({ name: "local" }));
      await run(project, notebooks);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  };
}

function errorText(outcome: RunOutcome): string {
  assert.equal(outcome.status, "error", JSON.stringify(outcome));
  return (outcome as { evalue: string }).evalue;
}

test(
  "cells import the notebook's modules and JSON files from its folder, a subfolder, the parent folder and absolute paths",
  withProject(async (project, notebooks) => {
    const engine = new Engine("typescript", notebooks);
    try {
      assert.equal(valueOf(await engine.run('import { scale } from "./scale";\nscale(4)')), 40);
      assert.equal(valueOf(await engine.run('import { greet } from "./helpers/names";\ngreet("ada")')), "hello ada");
      assert.equal(valueOf(await engine.run('import { meanSquare } from "../lib/stats";\nmeanSquare([1, 2, 3])')), 14 / 3, "a module outside the folder, importing its neighbour");
      assert.equal(valueOf(await engine.run('import config from "../data/config.json";\nconfig.layers[0] * config.epochs')), 48);
      assert.equal(valueOf(await engine.run('import local from "./local.json";\nlocal.name')), "local");
      assert.equal(valueOf(await engine.run(`import { square } from ${JSON.stringify(path.join(project, "lib", "square"))};\nsquare(7)`)), 49, "an absolute path");
      // Types come with them: a wrong use is a type error of the cell.
      assert.match(errorText(await engine.run('import { scale as s2 } from "./scale";\nconst text: string = s2(1);')), /Type 'number' is not assignable to type 'string'/);
      assert.match(errorText(await engine.run("const n: string = config.epochs;")), /Type 'number' is not assignable to type 'string'/);
      // An error inside a module outside the folder names that module's file.
      assert.match(errorText(await engine.run('import { broken } from "../lib/broken";\nbroken')), /\.\.\/lib\/broken\.ts.*Type 'string' is not assignable to type 'number'|Type 'string' is not assignable to type 'number'.*\.\.\/lib\/broken\.ts/s);
    } finally {
      engine.close();
    }
  }),
);

test(
  "the JavaScript kernel imports the same modules and JSON files, in and outside the notebook's folder",
  withProject(async (_project, notebooks) => {
    const engine = new Engine("javascript", notebooks);
    try {
      assert.equal(valueOf(await engine.run('const { scale } = require("./scale");\nscale(2, 3)')), 6);
      assert.equal(valueOf(await engine.run('const { meanSquare } = require("../lib/stats");\nmeanSquare([2, 4])')), 10);
      assert.equal(valueOf(await engine.run('const config = require("../data/config.json");\nconfig.epochs')), 3);
    } finally {
      engine.close();
    }
  }),
);

/**
 * Cells are one program (issue #11): every case of the idiom corpus (test/kernel/idioms/, see
 * idioms-corpus.ts) runs cell by cell through a real Jupyter client (idioms_driver.py) in the
 * TypeScript kernel, and the JavaScript cases also in the JavaScript kernel; the cells' stdout
 * (and shown values) must equal what the same code prints as one file run with node, compiled
 * with the project's TypeScript for the TypeScript kernel.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { compileSingleFile, readCorpus, singleFile, type CorpusCase } from "./idioms-corpus";
import { PYTHON, run, temporaryKernelspecs } from "./helpers";

const TYPE_ROOTS = path.resolve(__dirname, "..", "..", "..", "node_modules", "@types");

/** What a case printed in the kernel, as the driver reports it. */
interface KernelRun {
  readonly name: string;
  readonly transcript: string;
  readonly errors: readonly string[];
  readonly outputs: readonly (readonly string[])[];
}

/** Runs the cases' cells through the kernel named `kernel` (a fresh kernel per case). */
async function runInKernel(kernel: string, cases: readonly CorpusCase[], dir: string): Promise<Map<string, KernelRun>> {
  const spec = temporaryKernelspecs();
  try {
    const file = path.join(dir, `${kernel}-cases.json`);
    writeFileSync(file, JSON.stringify(cases.map(({ name, cells }) => ({ name, cells }))));
    const result = await run(PYTHON, ["idioms_driver.py", `tunelab${kernel === "javascript" ? "-js" : ""}`, file], { env: spec.env, timeoutMs: 60_000 * Math.max(1, cases.length) });
    assert.equal(result.code, 0, `idioms_driver.py exited with ${result.code}:\n${result.stderr.slice(-3000)}`);
    const runs = new Map<string, KernelRun>();
    for (const line of result.stdout.split("\n")) if (line.startsWith("{")) runs.set((JSON.parse(line) as KernelRun).name, JSON.parse(line) as KernelRun);
    return runs;
  } finally {
    spec.cleanup();
  }
}

/** What the case prints as one file: node on the JavaScript, or on the TypeScript compiled with the project's compiler. */
async function runAsOneFile(corpusCase: CorpusCase, language: "typescript" | "javascript", dir: string): Promise<string> {
  const caseDir = mkdtempSync(path.join(dir, `${corpusCase.name}-${language}-`));
  const text = singleFile(corpusCase.cells);
  let program: string;
  if (language === "typescript") {
    writeFileSync(path.join(caseDir, "main.mts"), text);
    program = compileSingleFile(caseDir, TYPE_ROOTS);
  } else {
    program = path.join(caseDir, "main.mjs");
    writeFileSync(program, text);
  }
  const result = await run(process.execPath, [program], { env: process.env, cwd: caseDir, timeoutMs: 30_000 });
  assert.equal(result.code, 0, `the single file failed:\n${result.stderr}`);
  return result.stdout;
}

const corpus = readCorpus();

for (const language of ["typescript", "javascript"] as const) {
  const cases = corpus.filter((c) => language === "typescript" || c.language === "javascript");
  test(`idiom corpus in the ${language} kernel prints what the same code prints as one file`, async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), "tunelab-idioms-"));
    try {
      const runs = await runInKernel(language, cases, dir);
      for (const corpusCase of cases) {
        const title = corpusCase.expected === undefined ? corpusCase.name : `${corpusCase.name} (no single-file form: compared with ${corpusCase.name}.expected.txt)`;
        await t.test(title, async () => {
          const kernelRun = runs.get(corpusCase.name);
          assert.ok(kernelRun !== undefined, `no result from the kernel for ${corpusCase.name}`);
          assert.deepEqual(kernelRun.errors, [], `the cells failed in the kernel (outputs per cell: ${JSON.stringify(kernelRun.outputs)}); stdout so far:\n${kernelRun.transcript}`);
          const expected = corpusCase.expected ?? (await runAsOneFile(corpusCase, language, dir));
          assert.equal(kernelRun.transcript, expected);
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/**
 * tslab's example notebooks (test/fixtures/tslab-examples/, Apache-2.0, with tslab's saved
 * outputs) executed through Jupyter (nbconvert's nbclient) with our kernels: each code cell gives
 * the same kinds of output as tslab's did (stream name, or output type with the same MIME types),
 * and the same text where the text is deterministic. The differences we mean are listed as narrow
 * allowances in {@link ALLOWANCES}, each with its reason.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { run, temporaryKernelspecs } from "./helpers";

const JUPYTER = "/usr/bin/jupyter";
const FIXTURES = path.resolve(__dirname, "..", "..", "..", "test", "fixtures", "tslab-examples");

interface Output {
  readonly output_type: string;
  readonly name?: string;
  readonly text?: string | readonly string[];
  readonly data?: Readonly<Record<string, string | readonly string[]>>;
  readonly ename?: string;
  readonly evalue?: string;
  readonly traceback?: readonly string[];
}
interface Cell {
  readonly cell_type: string;
  readonly source: string | readonly string[];
  readonly outputs?: readonly Output[];
}

/** How our output of a cell may differ from tslab's, and why. */
type Allowance =
  /** tslab printed the cell's value to stdout; Jupyter's message for a value is execute_result (text/plain). */
  | "value-as-execute-result"
  /** tslab printed a compile error to stderr; we send Jupyter's `error` output, whose evalue holds the same text. */
  | "error-output"
  /** The text depends on the machine, the clock or the versions: only the kind of output is compared. */
  | "text-not-deterministic"
  /**
   * tslab's TypeScript 4.1 named the type of a string literal initialiser `'"tslab"'` where
   * TypeScript 5 says `'string'`: the source type of "Type … is not assignable" is not compared.
   */
  | "newer-typescript-wording";

/** The allowances per notebook and code cell index (0-based among code cells). */
const ALLOWANCES: Readonly<Record<string, Readonly<Record<number, readonly Allowance[]>>>> = {
  "getting_started.ipynb": {
    0: ["text-not-deterministic"], // versions
    2: ["text-not-deterministic"], // "took … ms"
    4: ["value-as-execute-result", "text-not-deterministic"], // `Slept ${…}[ms]`
    5: ["value-as-execute-result"], // sleep(500): a pending promise
    11: ["value-as-execute-result", "text-not-deterministic"], // await fn(): "Slept … ms"
  },
  "errors.ipynb": {
    0: ["error-output", "newer-typescript-wording"],
    1: ["error-output", "newer-typescript-wording"],
  },
  "getting_started_javascript.ipynb": {
    0: ["text-not-deterministic"],
    2: ["text-not-deterministic"],
    3: ["error-output"],
    5: ["value-as-execute-result", "text-not-deterministic"],
    6: ["value-as-execute-result"],
    12: ["value-as-execute-result", "text-not-deterministic"],
    14: ["value-as-execute-result", "text-not-deterministic"], // os.cpus()[0].model
    15: ["error-output"],
  },
};

const joined = (value: string | readonly string[] | undefined): string => (typeof value === "string" ? value : (value ?? []).join(""));
// eslint-disable-next-line no-control-regex
const withoutColour = (text: string): string => text.replace(/\u001b\[[0-9;]*m/g, "");

/** The kind of an output: `stream:stdout`, `display_data:image/jpeg,text/plain`, `error`. */
function kind(output: Output): string {
  if (output.output_type === "stream") return `stream:${output.name ?? ""}`;
  if (output.output_type === "error") return "error";
  return `${output.output_type}:${Object.keys(output.data ?? {}).sort().join(",")}`;
}

/** The comparable text of an output (stream text, text/plain, text/html, or the error's value). */
function textOf(output: Output): string {
  if (output.output_type === "stream") return withoutColour(joined(output.text));
  if (output.output_type === "error") return output.evalue ?? "";
  const data = output.data ?? {};
  return withoutColour(joined(data["text/html"] ?? data["text/plain"]));
}

/** tslab's outputs of a cell as we are to give them, after the cell's allowances. */
function expectedOutputs(outputs: readonly Output[], allowances: readonly Allowance[]): Output[] {
  return outputs.map((output) => {
    if (allowances.includes("value-as-execute-result") && output.output_type === "stream" && output.name === "stdout") {
      return { output_type: "execute_result", data: { "text/plain": withoutColour(joined(output.text)).replace(/\n$/, "") } };
    }
    if (allowances.includes("error-output") && output.output_type === "stream" && output.name === "stderr") {
      return { output_type: "error", evalue: joined(output.text).replace(/\n$/, "") };
    }
    return output;
  });
}

function codeCells(file: string): Cell[] {
  return (JSON.parse(readFileSync(file, "utf8")) as { cells: Cell[] }).cells.filter((cell) => cell.cell_type === "code");
}

const NOTEBOOKS = [
  { file: "getting_started.ipynb", kernel: "tunelab" },
  { file: "errors.ipynb", kernel: "tunelab" },
  { file: "getting_started_javascript.ipynb", kernel: "tunelab-js" },
] as const;

for (const { file, kernel } of NOTEBOOKS) {
  test(`tslab's ${file} gives the same kinds of output per cell in ${kernel}`, async (t) => {
    const spec = temporaryKernelspecs();
    const dir = mkdtempSync(path.join(tmpdir(), "tunelab-tslab-examples-"));
    try {
      cpSync(FIXTURES, dir, { recursive: true });
      const args = ["nbconvert", "--to", "notebook", "--execute", "--allow-errors", `--ExecutePreprocessor.kernel_name=${kernel}`, "--ExecutePreprocessor.timeout=120", file, "--output", `executed-${file}`];
      const result = await run(JUPYTER, args, { env: spec.env, cwd: dir, timeoutMs: 300_000 });
      assert.equal(result.code, 0, `nbconvert failed:\n${result.stderr.slice(-3000)}`);
      const theirs = codeCells(path.join(FIXTURES, file));
      const ours = codeCells(path.join(dir, `executed-${file}`));
      assert.equal(ours.length, theirs.length);
      for (const [index, cell] of theirs.entries()) {
        const allowances = ALLOWANCES[file]?.[index] ?? [];
        await t.test(`cell ${index}: ${joined(cell.source).split("\n")[0]}${allowances.length > 0 ? ` (allowed: ${allowances.join(", ")})` : ""}`, () => {
          const expected = expectedOutputs(cell.outputs ?? [], allowances);
          const actual = ours[index]?.outputs ?? [];
          assert.deepEqual(actual.map(kind), expected.map(kind), `kinds of output; ours: ${JSON.stringify(actual).slice(0, 2000)}`);
          if (allowances.includes("text-not-deterministic")) return;
          for (const [i, output] of expected.entries()) {
            const ourText = textOf(actual[i] as Output);
            if (output.output_type === "error") {
              const wording = (text: string): string => (allowances.includes("newer-typescript-wording") ? text.replace(/Type '.*' is not assignable/, "Type … is not assignable") : text);
              assert.ok(wording(ourText).includes(wording(textOf(output))), `error text: ours ${JSON.stringify(ourText)}, tslab's ${JSON.stringify(textOf(output))}`);
            }
            else if (kind(output) !== "display_data:image/jpeg") assert.equal(ourText, textOf(output));
          }
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      spec.cleanup();
    }
  });
}

/**
 * The idiom corpus of test/kernel/idioms/: each file is one program split into cells, read here
 * into cells for the kernel and into the one file that the same code is as a program.
 *
 * Format: cells are separated by lines `// %%`; a separator `// %% value` marks a cell whose last
 * expression is shown as the cell's value (the kernel's `text/plain`), which the single-file
 * version prints with `console.log`. `NAME.mjs` files are JavaScript that is also valid
 * TypeScript (run in both kernels); `NAME.mts` files are TypeScript (the TypeScript kernel only).
 * `NAME.expected.txt`, when present, is the literal output for a case with no single-file form (a
 * name declared again in a later cell is an error in one file).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";

/** The corpus directory (the sources, not dist/). */
export const CORPUS_DIR = path.resolve(__dirname, "..", "..", "..", "test", "kernel", "idioms");

/** One cell of a case. */
export interface CorpusCell {
  readonly code: string;
  /** Whether the cell's value (its last expression) is part of the expected output. */
  readonly showValue: boolean;
}

/** One program split into cells. */
export interface CorpusCase {
  readonly name: string;
  readonly language: "typescript" | "javascript";
  readonly cells: readonly CorpusCell[];
  /** The literal expected output, for cases with no single-file form. */
  readonly expected?: string;
}

const SEPARATOR = /^\/\/ %%( value)?[ \t]*$/;

/** Splits a corpus file into its cells. */
export function splitCells(text: string): CorpusCell[] {
  const cells: CorpusCell[] = [];
  let lines: string[] = [];
  let showValue = false;
  const flush = (): void => {
    const code = lines.join("\n").trim();
    if (code !== "") cells.push({ code, showValue });
  };
  for (const line of text.split("\n")) {
    const separator = SEPARATOR.exec(line);
    if (separator === null) {
      lines.push(line);
      continue;
    }
    flush();
    lines = [];
    showValue = separator[1] !== undefined;
  }
  flush();
  return cells;
}

/** Every case of the corpus, by file name. */
export function readCorpus(dir: string = CORPUS_DIR): CorpusCase[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".mjs") || file.endsWith(".mts"))
    .sort()
    .map((file) => {
      const name = file.replace(/\.m[jt]s$/, "");
      const expectedFile = path.join(dir, `${name}.expected.txt`);
      const cells = splitCells(readFileSync(path.join(dir, file), "utf8"));
      const language = file.endsWith(".mjs") ? "javascript" : "typescript";
      return existsSync(expectedFile) ? { name, language, cells, expected: readFileSync(expectedFile, "utf8") } : { name, language, cells };
    });
}

/** The cell with its last expression statement printed by `console.log` (what the kernel shows as its value). */
function printLastExpression(code: string): string {
  const file = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const last = file.statements[file.statements.length - 1];
  if (last === undefined || !ts.isExpressionStatement(last)) throw new Error(`a "// %% value" cell must end with an expression: ${code}`);
  return `${code.slice(0, last.getStart(file))}console.log(${last.expression.getText(file)});${code.slice(last.end)}`;
}

/** The cells of a case as one program's text. */
export function singleFile(cells: readonly CorpusCell[]): string {
  return `${cells.map((cell) => (cell.showValue ? printLastExpression(cell.code) : cell.code)).join("\n")}\n`;
}

/** The compiler options of the single-file TypeScript: the kernel's (tslab's: ES2022, not strict), as an ES module. */
const SINGLE_FILE_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  lib: ["lib.es2022.d.ts"],
  types: ["node"],
  esModuleInterop: true,
  noEmitOnError: true,
  skipLibCheck: true,
};

/**
 * Type-checks and compiles `dir/main.mts` with the project's TypeScript into `dir/main.mjs`;
 * throws the diagnostics when the program is not valid TypeScript.
 */
export function compileSingleFile(dir: string, typeRoots: string): string {
  const input = path.join(dir, "main.mts");
  const program = ts.createProgram([input], { ...SINGLE_FILE_OPTIONS, typeRoots: [typeRoots], outDir: dir });
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0) {
    const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => "\n" };
    throw new Error(`the single-file program does not compile:\n${ts.formatDiagnostics(diagnostics, host)}`);
  }
  return path.join(dir, "main.mjs");
}

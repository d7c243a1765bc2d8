/**
 * Notebook parameters, as papermill has them: `--param name=value` values are injected as a new
 * code cell tagged `injected-parameters`, right after the cell tagged `parameters` (or at the top
 * when none is tagged), replacing a cell injected by an earlier run. The kernel lets a later cell
 * redeclare a `const`/`let`, so the injected cell declares each name again with the keyword and
 * the type annotation the parameters cell used (`const` when it does not declare the name; without
 * an annotation a number, string or boolean gets the wide type, so that `const mode = "sgd"`
 * does not narrow `mode` to the literal `"sgd"` and break later comparisons with `"adam"`); in a
 * JavaScript notebook, without annotations.
 */
// The compiler the kernel runs cells with (tslab's TypeScript), so the parameters cell is read as it runs.
import ts = require("@tslab/typescript-for-tslab");
import { newCellId, tagsOf, joinText, splitLines, type CodeCell, type Notebook } from "./notebook";
import type { KernelLanguage } from "./kernel-client";

/** The tag of the cell holding the defaults. */
export const PARAMETERS_TAG = "parameters";
/** The tag of the cell `tunelab run` writes. */
export const INJECTED_TAG = "injected-parameters";

/** One `--param` value: a name and its JSON value. */
export interface Parameter {
  readonly name: string;
  readonly value: unknown;
}

/** Raised for a `--param` that is not `name=value` with a usable name. */
export class ParameterError extends Error {
  override readonly name = "ParameterError";
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Parses `name=value`: the value is JSON when it parses as JSON (`3`, `true`, `[1,2]`, `"x"`),
 * otherwise the text itself as a string.
 */
export function parseParameter(text: string): Parameter {
  const at = text.indexOf("=");
  if (at <= 0) throw new ParameterError(`--param expects name=value, got ${JSON.stringify(text)}`);
  const name = text.slice(0, at).trim();
  if (!IDENTIFIER.test(name)) {
    throw new ParameterError(`--param name must be a JavaScript identifier (letters, digits, _ and $, not starting with a digit), got ${JSON.stringify(name)}`);
  }
  const raw = text.slice(at + 1);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  if (hasNonFiniteNumber(value)) {
    // JSON.parse reads 1e400 as Infinity, which JSON (and so the injected cell) would write as null.
    throw new ParameterError(`--param ${name}=${raw}: a number beyond the range of a double (it reads as Infinity)`);
  }
  return { name, value };
}

function hasNonFiniteNumber(value: unknown): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (typeof value === "object" && value !== null) return Object.values(value).some(hasNonFiniteNumber);
  return false;
}

/** What {@link injectParameters} did. */
export interface Injection {
  /** Index of the injected cell in `notebook.cells`. */
  readonly index: number;
  /** Names given that the parameters cell does not declare (papermill warns about these too). */
  readonly undeclared: readonly string[];
  /** Whether a cell tagged `parameters` was found. */
  readonly foundParametersCell: boolean;
}

/**
 * Inserts (or replaces) the injected-parameters cell in `notebook`. No parameters: no change.
 * @param language the notebook's kernel language: a JavaScript cell declares without type annotations
 */
export function injectParameters(notebook: Notebook, parameters: readonly Parameter[], language: KernelLanguage = "typescript"): Injection | undefined {
  if (parameters.length === 0) return undefined;
  const previous = notebook.cells.findIndex((cell) => tagsOf(cell).includes(INJECTED_TAG));
  if (previous >= 0) notebook.cells.splice(previous, 1);
  const parametersAt = notebook.cells.findIndex((cell) => cell.cell_type === "code" && tagsOf(cell).includes(PARAMETERS_TAG));
  const defaults = parametersAt >= 0 ? joinText(notebook.cells[parametersAt]!.source) : "";
  const declared = declaredNames(defaults);
  const latest = new Map(parameters.map((p) => [p.name, p.value] as const));
  for (const [name, value] of latest) checkKind(name, value, declared.get(name));
  const lines = ["// Parameters injected by tunelab run", ...[...latest].map(([name, value]) => declaration(name, value, declared.get(name), language === "typescript"))];
  const cell: CodeCell = {
    cell_type: "code",
    metadata: { tags: [INJECTED_TAG] },
    source: splitLines(lines.join("\n")),
    execution_count: null,
    outputs: [],
  };
  if (notebook.nbformat_minor >= 5) cell.id = newCellId();
  const index = parametersAt >= 0 ? parametersAt + 1 : 0;
  notebook.cells.splice(index, 0, cell);
  return { index, undeclared: [...latest.keys()].filter((name) => !declared.has(name)), foundParametersCell: parametersAt >= 0 };
}

/** How the parameters cell declares a name. */
interface Declared {
  readonly keyword: "const" | "let" | "var";
  /** The type annotation, if it has one (`number[]` in `const sizes: number[] = [1];`). */
  readonly type: string | undefined;
  /** The kind of its default when that is a number, string or boolean literal. */
  readonly literalKind: "number" | "string" | "boolean" | undefined;
}

/**
 * Refuses a value of another kind than the parameters cell's unannotated literal default
 * (`--param lr=abc` for `const lr = 0.01`): injected, it would redeclare `lr` as a string and the
 * run would stop at a later cell with a type error far from its cause. An annotated default is
 * left to the type checker, whose error then points at the injected cell itself.
 */
function checkKind(name: string, value: unknown, declared: Declared | undefined): void {
  if (declared === undefined || declared.type !== undefined || declared.literalKind === undefined) return;
  if (typeof value === declared.literalKind) return;
  const given = typeof value === "string" ? `the text ${JSON.stringify(value)}` : `${JSON.stringify(value)}`;
  throw new ParameterError(`--param ${name}: the parameters cell gives ${name} a ${declared.literalKind}, but got ${given}`);
}

/** The kind of a number, string or boolean literal (`-1` included), else undefined. */
function literalKindOf(node: ts.Expression): Declared["literalKind"] {
  if (ts.isNumericLiteral(node) || (ts.isPrefixUnaryExpression(node) && ts.isNumericLiteral(node.operand))) return "number";
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return "string";
  if (node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword) return "boolean";
  return undefined;
}

/**
 * The top-level `const|let|var name[: Type] = …` declarations of a parameters cell, read with the
 * TypeScript parser: every name of `let a = 1, b = 2`, types over several lines, `export`ed ones.
 * Destructuring patterns and declarations without a value are not parameters.
 */
function declaredNames(code: string): Map<string, Declared> {
  const source = ts.createSourceFile("parameters.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found = new Map<string, Declared>();
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const { flags, declarations } = statement.declarationList;
    const keyword = flags & ts.NodeFlags.Const ? "const" : flags & ts.NodeFlags.Let ? "let" : "var";
    for (const declaration of declarations) {
      if (!ts.isIdentifier(declaration.name) || declaration.initializer === undefined) continue;
      found.set(declaration.name.text, { keyword, type: declaration.type?.getText(source), literalKind: literalKindOf(declaration.initializer) });
    }
  }
  return found;
}

/** `const name: Type = value;` for one parameter (`const name = value;` without `typed`: JavaScript). */
function declaration(name: string, value: unknown, declared: Declared | undefined, typed: boolean): string {
  const type = typed ? declared?.type ?? wideType(value) : undefined;
  return `${declared?.keyword ?? "const"} ${name}${type === undefined ? "" : `: ${type}`} = ${literal(value)};`;
}

/** `number`, `string` or `boolean` for such values; undefined where inference is already wide. */
function wideType(value: unknown): string | undefined {
  return typeof value === "number" || typeof value === "string" || typeof value === "boolean" ? typeof value : undefined;
}

/** A TypeScript literal for a JSON value (JSON is valid TypeScript; undefined has no JSON). */
function literal(value: unknown): string {
  return value === undefined ? "undefined" : JSON.stringify(value);
}

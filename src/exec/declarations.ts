/**
 * The declarations carried from cell to cell (tslab's `declOutput`, the `.d.ts` of everything
 * earlier cells declared), kept whole.
 *
 * In the JavaScript kernel, tslab declares `const fs = require("fs")` as `import fs = require("fs");`
 * (with `/// <reference types="node" />` for Node's modules), but the next cell's declarations
 * drop such lines (with the TypeScript that tslab ships), so the cell after next failed with
 * "Cannot find name 'fs'" although `fs` still held its module; tslab's own example notebook
 * `getting_started_javascript.ipynb` failed there. tslab drops namespace declarations the same
 * way (a `namespace Geo` of one cell was gone two cells later). {@link carryDeclarations} puts back
 * what a later cell did not declare again.
 *
 * In the JavaScript kernel, the compiler declares a variable holding an object literal
 * (`let config = { tags: null }`) as a namespace of `const` members, and one with getters or
 * setters as an empty namespace, which is no value at all: `config.tags = [...]` or `box.value`
 * then failed to compile. {@link objectNamespacesAsValues} declares such a variable as `any`.
 */
import ts = require("@tslab/typescript-for-tslab");

/** `declare global { … }` or `declare module "m" { … }`: additions to the globals or to a module, which name nothing. */
export function isAugmentation(node: ts.Node): boolean {
  return ts.isModuleDeclaration(node) && ((node.flags & ts.NodeFlags.GlobalAugmentation) !== 0 || ts.isStringLiteral(node.name));
}

/** The names top-level statements of a declaration file declare. */
function declaredNames(statements: readonly ts.Statement[]): Set<string> {
  const names = new Set<string>();
  const addBinding = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (ts.isBindingElement(element)) addBinding(element.name);
  };
  for (const statement of statements) {
    if (ts.isVariableStatement(statement)) for (const declaration of statement.declarationList.declarations) addBinding(declaration.name);
    else if (isAugmentation(statement)) continue;
    else if (ts.isImportEqualsDeclaration(statement) || ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isModuleDeclaration(statement)) {
      if (statement.name !== undefined && ts.isIdentifier(statement.name)) names.add(statement.name.text);
    } else if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name !== undefined) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings !== undefined && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      if (bindings !== undefined && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.add(element.name.text);
    }
  }
  return names;
}

/** A declaration that tslab does not carry to the next cell's declarations itself. */
type DroppedDeclaration = ts.ImportEqualsDeclaration | ts.ModuleDeclaration;

function isDroppedByTslab(statement: ts.Statement): statement is DroppedDeclaration {
  return ts.isImportEqualsDeclaration(statement) || (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name) && !isAugmentation(statement));
}

/**
 * `next` plus the `import x = require("…")` and namespace declarations of `previous` whose names
 * `next` does not declare (and the `/// <reference types>` lines they need). Other declarations
 * are tslab's to keep.
 */
export function carryDeclarations(previous: string, next: string): string {
  // Most cells: nothing of that form, or every such line still there (no parse then).
  const dropped = previous.match(/^(?:import [\w$]+ = require\(|(?:export |declare )*namespace ).*$/gm);
  if (dropped === null || dropped.every((line) => next.includes(line))) return next;
  const before = ts.createSourceFile("previous.d.ts", previous, ts.ScriptTarget.Latest, true);
  const after = ts.createSourceFile("next.d.ts", next, ts.ScriptTarget.Latest, true);
  const declared = declaredNames(after.statements);
  const carried = before.statements
    .filter((statement): statement is DroppedDeclaration => isDroppedByTslab(statement) && !declared.has((statement.name as ts.Identifier).text))
    .map((statement) => statement.getText(before));
  if (carried.length === 0) return next;
  const references = before.typeReferenceDirectives
    .map((directive) => `/// <reference types="${directive.fileName}" />`)
    .filter((line) => !next.includes(line));
  return `${[...references, ...carried].join("\n")}\n${next}`;
}

/** Whether a declaration has a value at run time (not an interface or a type alias). */
function declaresValue(statement: ts.Statement): boolean {
  return !ts.isInterfaceDeclaration(statement) && !ts.isTypeAliasDeclaration(statement);
}

/**
 * The declarations after a cell that failed while it ran: what the cell declared and had set
 * before it failed (its functions, hoisted; the variables and classes its code reached) is
 * carried, as in one script, and so are its interfaces and type aliases; a declaration whose
 * value was never set is left out, and the earlier cells' declaration of that name (if any) stays.
 *
 * @param previous the declarations before the cell
 * @param next the cell's declarations (`previous` with the cell's added or replacing them)
 * @param isSet whether the notebook's binding of a name holds a value now
 */
export function declarationsAfterFailure(previous: string, next: string, isSet: (name: string) => boolean): string {
  const before = ts.createSourceFile("previous.d.ts", previous, ts.ScriptTarget.Latest, true);
  const after = ts.createSourceFile("next.d.ts", next, ts.ScriptTarget.Latest, true);
  const earlier = new Set(before.statements.map((statement) => statement.getText(before)));
  const kept: string[] = [];
  const unset = new Set<string>();
  for (const statement of after.statements) {
    const text = statement.getText(after);
    const names = declaredNames([statement]);
    if (earlier.has(text) || !declaresValue(statement) || [...names].every(isSet)) kept.push(text);
    else for (const name of names) unset.add(name);
  }
  if (unset.size === 0) return carryDeclarations(previous, next);
  const declaredAfter = declaredNames(ts.createSourceFile("kept.d.ts", kept.join("\n"), ts.ScriptTarget.Latest).statements);
  const restored = before.statements
    .filter((statement) => [...declaredNames([statement])].some((name) => unset.has(name) && !declaredAfter.has(name)))
    .map((statement) => statement.getText(before))
    .filter((text) => !kept.includes(text));
  const references = after.typeReferenceDirectives.map((directive) => `/// <reference types="${directive.fileName}" />`);
  return carryDeclarations(previous, `${[...references, ...restored, ...kept].join("\n")}\n`);
}

/**
 * A JavaScript cell's declarations with each namespace that is the only declaration of its name
 * (a variable holding an object literal: JavaScript has no namespaces) declared as `any` instead.
 */
export function objectNamespacesAsValues(declarations: string): string {
  if (!/^(?:export |declare )*namespace /m.test(declarations)) return declarations;
  const file = ts.createSourceFile("cell.d.ts", declarations, ts.ScriptTarget.Latest, true);
  const count = new Map<string, number>();
  for (const statement of file.statements) {
    if (isAugmentation(statement)) continue;
    const name = (statement as { name?: ts.Node }).name;
    if (name !== undefined && ts.isIdentifier(name)) count.set(name.text, (count.get(name.text) ?? 0) + 1);
  }
  let rewritten = declarations;
  for (const statement of [...file.statements].reverse()) {
    if (!ts.isModuleDeclaration(statement) || isAugmentation(statement) || !ts.isIdentifier(statement.name) || count.get(statement.name.text) !== 1) continue;
    const exported = statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword) === true;
    const replacement = `${exported ? "export" : "declare"} let ${statement.name.text}: any;`;
    rewritten = `${rewritten.slice(0, statement.getStart(file))}${replacement}${rewritten.slice(statement.end)}`;
  }
  return rewritten;
}

/**
 * The globals a JavaScript cell made by assignment (`globalThis.x = …`), which the compiler knows in
 * that cell only, declared for the next cells (`declare global { var x: T }`, with the type the
 * checker gives it, or `any` when that type has no name outside the cell).
 */
export function assignedGlobals(checker: ts.TypeChecker, cell: ts.SourceFile): string {
  // The binder records them as the exports of a `globalThis` symbol of the file.
  const augmentations = (cell as unknown as { jsGlobalAugmentations?: ts.SymbolTable }).jsGlobalAugmentations;
  const assigned = augmentations?.get("globalThis" as ts.__String)?.exports;
  if (assigned === undefined || assigned.size === 0) return "";
  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
  const lines: string[] = [];
  assigned.forEach((symbol, name) => {
    const node = checker.typeToTypeNode(checker.getTypeOfSymbol(symbol), cell, ts.NodeBuilderFlags.NoTruncation);
    const type = node === undefined ? "any" : printer.printNode(ts.EmitHint.Unspecified, node, cell);
    lines.push(`    var ${name as string}: ${type};`);
  });
  return `declare global {\n${lines.join("\n")}\n}\n`;
}

/**
 * Which of the earlier cells' declarations stay after a cell: all of them, except those whose
 * name the cell declares again (a value replaces a value, a type a type; a class or enum, which
 * is both, goes when either is replaced, and stays as an `any` value when only its type is).
 * This is tslab's rule (`remainingDecls` of its converter), applied without changing the compiler's
 * tree: the kept statements are printed, the ones the cell replaced in part rebuilt. Additions to
 * the globals and to modules (`declare global { … }`, `declare module "m" { … }`) all stay: their
 * declarations of names a cell's own blocks declare again for the same target were taken out
 * before the cell was checked ({@link withoutReplacedAugmentations}), so a re-run or edited cell
 * replaces its block.
 */
import ts = require("@tslab/typescript-for-tslab");
import { isAugmentation } from "./declarations";

/** What a cell's own declaration of a name leaves of an earlier one. */
interface Keep {
  readonly value: boolean;
  readonly type: boolean;
}

function keepOf(checker: ts.TypeChecker, own: ts.Symbol | undefined): Keep {
  if (own === undefined) return { value: true, type: true };
  const symbol = own.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(own) : own;
  return { value: (symbol.flags & ts.SymbolFlags.Value) === 0, type: (symbol.flags & ts.SymbolFlags.Type) === 0 };
}

/** The top-level statement of `file` that holds `node`. */
function topLevel(node: ts.Node, file: ts.SourceFile): ts.Statement {
  let current = node;
  while (current.parent !== file) current = current.parent;
  return current as ts.Statement;
}

/**
 * The text of the earlier declarations (`declarations`, a file of the cell's program) that stay
 * after `cell` (see the module comment).
 */
export function keptDeclarations(checker: ts.TypeChecker, cell: ts.SourceFile, declarations: ts.SourceFile): string {
  const earlier = (declarations as unknown as { locals?: ts.SymbolTable }).locals;
  const own = (cell as unknown as { locals?: ts.SymbolTable }).locals;
  if (earlier === undefined) return "";
  const kept = new Map<ts.Statement, Set<string>>();
  const keep = (statement: ts.Statement, name: string): void => {
    const names = kept.get(statement) ?? new Set<string>();
    names.add(name);
    kept.set(statement, names);
  };
  const valueNames = new Set<string>();
  const anyValues = new Set<string>();
  earlier.forEach((symbol, key) => {
    const name = key as string;
    const { value, type } = keepOf(checker, own?.get(key));
    if (!value && !type) return;
    for (const declaration of symbol.declarations ?? []) {
      const statement = topLevel(declaration, declarations);
      if (ts.isVariableStatement(statement)) {
        if (value) {
          keep(statement, name);
          anyValues.delete(name);
          valueNames.add(name);
        }
      } else if (ts.isTypeAliasDeclaration(statement) || ts.isInterfaceDeclaration(statement)) {
        if (type) keep(statement, name);
      } else if (ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) {
        if (type) {
          if (value) keep(statement, name);
        } else if (!valueNames.has(name)) {
          anyValues.add(name);
        }
      } else if (ts.isImportDeclaration(statement)) {
        keepImport(checker, symbol, statement, name, { value, type }, valueNames, anyValues, keep);
      } else if (ts.isFunctionDeclaration(statement)) {
        if (value) keep(statement, name);
      }
    }
  });
  const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
  const factory = ts.factory;
  let text = "";
  let augmentations = "";
  for (const statement of declarations.statements) {
    if (isAugmentation(statement)) {
      augmentations += `${printer.printNode(ts.EmitHint.Unspecified, statement, declarations)}\n`;
      continue;
    }
    const names = kept.get(statement);
    if (names === undefined) continue;
    let printed: ts.Statement = statement;
    if (ts.isVariableStatement(statement)) {
      const list = statement.declarationList;
      const declarationsKept = list.declarations.filter((d) => ts.isIdentifier(d.name) && names.has(d.name.text));
      printed = factory.updateVariableStatement(statement, statement.modifiers, factory.updateVariableDeclarationList(list, declarationsKept));
    } else if (ts.isImportDeclaration(statement)) {
      printed = importWithNames(statement, names);
    }
    text += `${printer.printNode(ts.EmitHint.Unspecified, printed, declarations)}\n`;
  }
  for (const name of anyValues) text += `let ${name}: any;\n`;
  return text + augmentations;
}

/** tslab's rule for an import of an earlier cell whose name the cell declared again in part. */
function keepImport(
  checker: ts.TypeChecker,
  symbol: ts.Symbol,
  statement: ts.ImportDeclaration,
  name: string,
  { value, type }: Keep,
  valueNames: Set<string>,
  anyValues: Set<string>,
  keep: (statement: ts.Statement, name: string) => void,
): void {
  if (type && value) return keep(statement, name);
  const aliased = checker.getAliasedSymbol(symbol);
  if (!value) {
    // Only the type stays: unless the import was a value, now replaced.
    if ((aliased.flags & ts.SymbolFlags.Value) === 0) keep(statement, name);
    return;
  }
  if (aliased.flags & ts.SymbolFlags.Type) {
    // Its type is replaced; its value stays as `any`.
    if (aliased.flags & ts.SymbolFlags.Value && !valueNames.has(aliased.name)) anyValues.add(aliased.name);
    return;
  }
  keep(statement, name);
}

/** `statement` importing only `names`. */
function importWithNames(statement: ts.ImportDeclaration, names: ReadonlySet<string>): ts.ImportDeclaration {
  const factory = ts.factory;
  const clause = statement.importClause;
  if (clause === undefined) return statement;
  const name = clause.name !== undefined && names.has(clause.name.text) ? clause.name : undefined;
  let bindings = clause.namedBindings;
  if (bindings !== undefined && ts.isNamespaceImport(bindings)) {
    if (!names.has(bindings.name.text)) bindings = undefined;
  } else if (bindings !== undefined) {
    const elements = bindings.elements.filter((element) => names.has(element.name.text));
    bindings = elements.length > 0 ? factory.updateNamedImports(bindings, elements) : undefined;
  }
  return factory.updateImportDeclaration(statement, statement.modifiers, factory.updateImportClause(clause, clause.isTypeOnly, name, bindings), statement.moduleSpecifier, statement.assertClause);
}

/** What an augmentation adds to: `global`, or the module's name in quotes. */
function augmentationTarget(statement: ts.ModuleDeclaration): string {
  return ts.isStringLiteral(statement.name) ? JSON.stringify(statement.name.text) : "global";
}

/** The names a statement inside an augmentation block declares. */
function statementNames(statement: ts.Statement): string[] {
  if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.flatMap((d) => (ts.isIdentifier(d.name) ? [d.name.text] : []));
  if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isModuleDeclaration(statement)) {
    return statement.name !== undefined && ts.isIdentifier(statement.name) ? [statement.name.text] : [];
  }
  return [];
}

/** The names the augmentation blocks of `file` declare, by target, and (JavaScript) the globals it assigns (`globalThis.x = …`). */
function augmentedNames(file: ts.SourceFile, javascript: boolean): Map<string, Set<string>> {
  const names = new Map<string, Set<string>>();
  const add = (target: string, name: string): void => {
    const set = names.get(target) ?? new Set<string>();
    set.add(name);
    names.set(target, set);
  };
  for (const statement of file.statements) {
    if (!ts.isModuleDeclaration(statement) || !isAugmentation(statement) || statement.body === undefined || !ts.isModuleBlock(statement.body)) continue;
    for (const inner of statement.body.statements) for (const name of statementNames(inner)) add(augmentationTarget(statement), name);
  }
  const assignments = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left) && ts.isIdentifier(node.left.expression) && node.left.expression.text === "globalThis") {
      add("global", node.left.name.text);
    }
    ts.forEachChild(node, assignments);
  };
  if (javascript) assignments(file);
  return names;
}

/** Whether `code` may hold `declare global` or `declare module "m"` (a cheap test before parsing). */
const MAY_AUGMENT = /\bdeclare\s+(?:global\b|module\s*["'])/;

/** Whether JavaScript `code` may assign a global (`globalThis.x = …`). */
const MAY_ASSIGN_GLOBAL = /\bglobalThis\s*\.\s*[\w$]+\s*=(?!=)/;

/**
 * The earlier cells' declarations `previous` without the declarations, inside their
 * `declare global` and `declare module "m"` blocks, of the names that the blocks of `cell` declare
 * (or, in JavaScript, the globals it assigns) for the same target: in one program both would
 * merge (a `const` declared twice is an error), but a cell run again, or edited, replaces its
 * block. A block left empty goes.
 */
export function withoutReplacedAugmentations(previous: string, cell: string, javascript: boolean): string {
  if (!MAY_AUGMENT.test(previous) || !(MAY_AUGMENT.test(cell) || (javascript && MAY_ASSIGN_GLOBAL.test(cell)))) return previous;
  const cellFile = ts.createSourceFile(javascript ? "cell.js" : "cell.ts", cell, ts.ScriptTarget.Latest, false, javascript ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const redeclared = augmentedNames(cellFile, javascript);
  if (redeclared.size === 0) return previous;
  const earlier = ts.createSourceFile("previous.d.ts", previous, ts.ScriptTarget.Latest, false);
  const cuts: { readonly pos: number; readonly end: number }[] = [];
  for (const statement of earlier.statements) {
    if (!ts.isModuleDeclaration(statement) || !isAugmentation(statement)) continue;
    const replaced = redeclared.get(augmentationTarget(statement));
    const body = statement.body;
    if (replaced === undefined || body === undefined || !ts.isModuleBlock(body)) continue;
    const gone = body.statements.filter((inner) => statementNames(inner).some((name) => replaced.has(name)));
    if (gone.length === body.statements.length) cuts.push(statement);
    else cuts.push(...gone);
  }
  let text = previous;
  for (const cut of cuts.reverse()) text = text.slice(0, cut.pos) + text.slice(cut.end);
  return text;
}

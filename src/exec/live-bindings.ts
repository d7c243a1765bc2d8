/**
 * Live top-level variables: after tslab converts a cell, every reference the cell makes to its own
 * top-level `let`/`var` variables (in functions, callbacks and later statements alike) reads and
 * writes the notebook's shared binding `exports.x` instead of the cell's local copy.
 *
 * Why: tslab runs each cell as a module. A later cell's `n = 5` writes `exports.n`, but a function
 * declared in the first cell, `function g() { return n; }`, kept reading that cell's local `n`, so
 * `g()` still returned 1: a silent wrong result (change `epochs` in a later cell and the builder
 * defined beside it kept the old value). One `.ts` file, Deno's kernel or V8's REPL mode would
 * return 5.
 *
 * The converted cell declares `let n = 1;` and right after it syncs `exports.n = n;`; tslab keeps
 * that sync on every write it sees (`exports.n = n = 2`). References before the sync stay local
 * (the binding is being created); every later one, and every one inside a function, becomes
 * `exports.n`, unless an inner declaration (parameter, `var`/`let`/`const`, function, class, catch
 * variable) shadows the name there.
 */
import ts = require("@tslab/typescript-for-tslab");

/** A top-level mutable binding of the cell and where its sync statement ends. */
interface TopLevelBinding {
  /** Offset of the end of `exports.x = x;` (references before it are the declaration's own). */
  readonly syncedAt: number;
}

/** Rewrites the references to the cell's top-level `let`/`var` variables to `exports.x` (see the module comment). */
export function liveTopLevelBindings(output: string): string {
  if (!/\b(?:let|var)\b/.test(output)) return output;
  const file = ts.createSourceFile("cell.js", output, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const bindings = topLevelBindings(file);
  if (bindings.size === 0) return output;
  const replacements: { start: number; end: number; text: string }[] = [];
  const scopes: Set<string>[] = [];
  const shadowed = (name: string): boolean => scopes.some((scope) => scope.has(name));
  const visit = (node: ts.Node): void => {
    const scope = declaredIn(node);
    if (scope !== undefined) scopes.push(scope);
    if (ts.isIdentifier(node) && isReference(node)) {
      const binding = bindings.get(node.text);
      if (binding !== undefined && !shadowed(node.text) && (isInsideFunction(node) || node.getStart(file) >= binding.syncedAt)) {
        // A shorthand property `{ x }` keeps its key: `{ x: exports.x }`.
        const text = ts.isShorthandPropertyAssignment(node.parent) ? `${node.text}: exports.${node.text}` : `exports.${node.text}`;
        replacements.push({ start: node.getStart(file), end: node.end, text });
      }
    }
    ts.forEachChild(node, visit);
    if (scope !== undefined) scopes.pop();
  };
  visit(file);
  replacements.push(...redeclarationWrites(file, bindings), ...carriedVars(file, bindings));
  if (replacements.length === 0) return output;
  let rewritten = output;
  for (const { start, end, text } of replacements.sort((a, b) => b.start - a.start)) {
    rewritten = `${rewritten.slice(0, start)}${text}${rewritten.slice(end)}`;
  }
  return rewritten;
}

/**
 * A top-level `var x = v` that declares a synced name again (`var n = 1; var n = 2;`) writes the
 * shared binding too: `var x = exports.x = v` (the compiler's own sync after it would otherwise copy
 * the shared value back, since references after the first sync read `exports.x`).
 */
function redeclarationWrites(file: ts.SourceFile, bindings: ReadonlyMap<string, TopLevelBinding>): { start: number; end: number; text: string }[] {
  const writes: { start: number; end: number; text: string }[] = [];
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const binding = ts.isIdentifier(declaration.name) ? bindings.get(declaration.name.text) : undefined;
      if (binding === undefined || declaration.initializer === undefined || declaration.getStart(file) < binding.syncedAt) continue;
      const at = declaration.initializer.getStart(file);
      writes.push({ start: at, end: at, text: `exports.${(declaration.name as ts.Identifier).text} = ` });
    }
  }
  return writes;
}

/**
 * A `var` declared again in a later cell keeps its value until assigned, as in one script
 * (`var n = n * 10` reads the earlier cell's n; `var n;` leaves it as it was): the compiler's
 * prologue `exports.n = … = void 0;` leaves the cell's `var` names out, and the cell's local n
 * starts as the shared one (`n = exports.n;` after the prologue; undefined when no earlier cell
 * declared it, as hoisting gives).
 */
function carriedVars(file: ts.SourceFile, bindings: ReadonlyMap<string, TopLevelBinding>): { start: number; end: number; text: string }[] {
  const vars = new Set<string>();
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement) && (statement.declarationList.flags & ts.NodeFlags.BlockScoped) === 0) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && bindings.has(declaration.name.text)) vars.add(declaration.name.text);
      }
    }
  }
  if (vars.size === 0) return [];
  const edits: { start: number; end: number; text: string }[] = [];
  let prologueEnd = 0;
  for (const statement of file.statements) {
    const reset = resetNames(statement);
    if (reset === undefined) continue;
    const kept = reset.filter((name) => !vars.has(name));
    const text = kept.length === 0 ? "" : `${kept.map((name) => `exports.${name}`).join(" = ")} = void 0;`;
    edits.push({ start: statement.getStart(file), end: statement.end, text });
    prologueEnd = statement.end;
  }
  const carried = [...vars].map((name) => `${name} = exports.${name};`).join(" ");
  edits.push({ start: prologueEnd, end: prologueEnd, text: prologueEnd === 0 ? `${carried}\n` : ` ${carried}` });
  return edits;
}

/** The names of a prologue statement `exports.a = exports.b = … = void 0;`, else undefined. */
function resetNames(statement: ts.Statement): string[] | undefined {
  if (!ts.isExpressionStatement(statement)) return undefined;
  const names: string[] = [];
  let expression: ts.Expression = statement.expression;
  while (ts.isBinaryExpression(expression) && expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const { left } = expression;
    if (!ts.isPropertyAccessExpression(left) || !ts.isIdentifier(left.expression) || left.expression.text !== "exports") return undefined;
    names.push(left.name.text);
    expression = expression.right;
  }
  return names.length > 0 && ts.isVoidExpression(expression) ? names : undefined;
}

/** The cell's top-level `let`/`var` names that tslab syncs to `exports`, with the end of their sync. */
function topLevelBindings(file: ts.SourceFile): Map<string, TopLevelBinding> {
  const declared = new Set<string>();
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement) && (statement.declarationList.flags & ts.NodeFlags.Const) === 0) {
      for (const declaration of statement.declarationList.declarations) bindingNames(declaration.name, declared);
    }
  }
  const bindings = new Map<string, TopLevelBinding>();
  for (const statement of file.statements) {
    // `exports.x = x;`
    if (!ts.isExpressionStatement(statement) || !ts.isBinaryExpression(statement.expression)) continue;
    const { left, right, operatorToken } = statement.expression;
    if (operatorToken.kind !== ts.SyntaxKind.EqualsToken || !ts.isIdentifier(right) || !ts.isPropertyAccessExpression(left)) continue;
    if (!ts.isIdentifier(left.expression) || left.expression.text !== "exports" || left.name.text !== right.text) continue;
    if (declared.has(right.text) && !bindings.has(right.text)) bindings.set(right.text, { syncedAt: statement.end });
  }
  return bindings;
}

/** Adds the identifiers a binding name declares (`x`, `{ a, b: [c] }`, `...rest`). */
function bindingNames(name: ts.BindingName, into: Set<string>): void {
  if (ts.isIdentifier(name)) {
    into.add(name.text);
    return;
  }
  for (const element of name.elements) {
    if (ts.isBindingElement(element)) bindingNames(element.name, into);
  }
}

/** The names a scope-making node declares for its inside, or undefined when it makes no scope. */
function declaredIn(node: ts.Node): Set<string> | undefined {
  const names = new Set<string>();
  if (ts.isFunctionLike(node)) {
    for (const parameter of node.parameters) bindingNames(parameter.name, names);
    if ((ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node)) && node.name !== undefined) names.add(node.name.text);
    names.add("arguments");
    const body = (node as { body?: ts.Node }).body;
    if (body !== undefined) hoistedVars(body, names);
    return names;
  }
  if (ts.isClassLike(node)) {
    if (ts.isClassExpression(node) && node.name !== undefined) names.add(node.name.text);
    return names;
  }
  if (ts.isBlock(node) || ts.isCaseBlock(node) || ts.isModuleBlock(node)) {
    const statements = ts.isCaseBlock(node) ? node.clauses.flatMap((clause) => [...clause.statements]) : [...node.statements];
    for (const statement of statements) lexicalNames(statement, names);
    return names;
  }
  if (ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node)) {
    const initializer = node.initializer;
    if (initializer !== undefined && ts.isVariableDeclarationList(initializer)) {
      for (const declaration of initializer.declarations) bindingNames(declaration.name, names);
    }
    return names;
  }
  if (ts.isCatchClause(node)) {
    if (node.variableDeclaration !== undefined) bindingNames(node.variableDeclaration.name, names);
    return names;
  }
  return undefined;
}

/** `let`/`const`/`class`/`function` declared directly in a block's statement list. */
function lexicalNames(statement: ts.Statement, into: Set<string>): void {
  if (ts.isVariableStatement(statement)) {
    for (const declaration of statement.declarationList.declarations) bindingNames(declaration.name, into);
  } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name !== undefined) {
    into.add(statement.name.text);
  }
}

/** Every `var` of a function body (hoisted to the function), not crossing into nested functions; and its direct declarations. */
function hoistedVars(body: ts.Node, into: Set<string>): void {
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isVariableDeclarationList(node) && (node.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0) {
      for (const declaration of node.declarations) bindingNames(declaration.name, into);
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  if (ts.isBlock(body)) for (const statement of body.statements) lexicalNames(statement, into);
}

/** Whether the node lies inside a function or class body (code that may run after later cells). */
function isInsideFunction(node: ts.Node): boolean {
  for (let parent = node.parent; parent !== undefined; parent = parent.parent) {
    if (ts.isFunctionLike(parent) || ts.isClassLike(parent)) return true;
  }
  return false;
}

/**
 * Whether an identifier reads or writes a variable (not a property name, a declaration's own name,
 * a label or a part of a qualified name; a shorthand property is a reference).
 */
export function isReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (parent === undefined) return false;
  if (ts.isQualifiedName(parent) || ts.isJsxAttribute(parent) || ts.isNamespaceExport(parent)) return false;
  if ((ts.isEnumMember(parent) || ts.isModuleDeclaration(parent) || ts.isEnumDeclaration(parent) || ts.isInterfaceDeclaration(parent) || ts.isTypeAliasDeclaration(parent) || ts.isTypeParameterDeclaration(parent) || ts.isImportEqualsDeclaration(parent) || ts.isPropertySignature(parent) || ts.isMethodSignature(parent)) && parent.name === node) return false;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent) || ts.isGetAccessor(parent) || ts.isSetAccessor(parent)) && parent.name === node) return false;
  if (ts.isBindingElement(parent) && (parent.name === node || parent.propertyName === node)) return false;
  if (ts.isVariableDeclaration(parent) && parent.name === node) return false;
  if (ts.isParameter(parent) && parent.name === node) return false;
  if ((ts.isFunctionDeclaration(parent) || ts.isFunctionExpression(parent) || ts.isClassDeclaration(parent) || ts.isClassExpression(parent)) && parent.name === node) return false;
  if (ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) return false;
  if (ts.isImportSpecifier(parent) || ts.isImportClause(parent) || ts.isNamespaceImport(parent) || ts.isExportSpecifier(parent)) return false;
  if (ts.isMetaProperty(parent)) return false;
  return true;
}

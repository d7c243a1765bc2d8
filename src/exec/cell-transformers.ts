/**
 * The transformations of a cell in its one emit (CommonJS JavaScript and declarations), on the
 * checked syntax tree before TypeScript's own transforms, so the checker knows every name:
 *
 * - a reference to a name an earlier cell declared (in `__prev__.d.ts`) reads `exports.x`, the
 *   notebook's shared binding (type positions are left alone: they are erased);
 * - `import p = N.x` of an earlier cell's namespace becomes `var p = exports.N.x` (TypeScript would
 *   emit `N.x`, a name this cell does not have), or nothing when `N.x` has no value;
 * - the last expression statement becomes `export const tsLastExpr = …`, the cell's value;
 * - the declarations lose the `export { … }` list that made every local an export.
 *
 * These are tslab's rewrites (in its converter they ran on ES module output that a second
 * compiler pass then turned into CommonJS), plus the import alias, which tslab miscompiled.
 */
import ts = require("@tslab/typescript-for-tslab");
import { isAugmentation } from "./declarations";
import { isReference } from "./live-bindings";

/** The name the cell's value is stored under: `tsLastExpr`, or `tsLastExprN` when the cell has that name. */
export function lastExpressionName(locals: ReadonlySet<string>): string {
  if (!locals.has("tsLastExpr")) return "tsLastExpr";
  for (let i = 0; ; i += 1) if (!locals.has(`tsLastExpr${i}`)) return `tsLastExpr${i}`;
}

/**
 * The transformers of the cell file `cellFileName` (other files of the emit, local modules the
 * cell imports, are left as they are).
 *
 * @param declarations the earlier cells' declarations file
 * @param valueName the name for the cell's last expression; `onValue` is called when it is used
 */
export function cellTransformers(checker: ts.TypeChecker, cellFileName: string, declarations: ts.SourceFile, valueName: string, onValue: () => void): ts.CustomTransformers {
  // Names an earlier cell added to the globals or to a module (`declare global { var g: T }`) are not shared bindings.
  const declaredEarlier = (node: ts.Node): boolean => checker.getSymbolAtLocation(node)?.declarations?.some((d) => d.getSourceFile() === declarations && !inAugmentation(d)) === true;

  const before = (context: ts.TransformationContext) => (file: ts.SourceFile): ts.SourceFile => {
    if (file.fileName !== cellFileName) return file;
    const factory = context.factory;
    const sharedBinding = (name: string): ts.PropertyAccessExpression => factory.createPropertyAccessExpression(factory.createIdentifier("exports"), name);

    const visit = (node: ts.Node): ts.VisitResult<ts.Node | undefined> => {
      if (ts.isIdentifier(node)) return isReference(node) && declaredEarlier(node) ? sharedBinding(node.text) : node;
      if (ts.isShorthandPropertyAssignment(node) && declaredEarlier(node.name)) {
        return factory.createPropertyAssignment(node.name.text, node.objectAssignmentInitializer === undefined ? sharedBinding(node.name.text) : factory.createBinaryExpression(sharedBinding(node.name.text), ts.SyntaxKind.EqualsToken, ts.visitNode(node.objectAssignmentInitializer, visit, ts.isExpression) as ts.Expression));
      }
      if (ts.isImportEqualsDeclaration(node) && !ts.isExternalModuleReference(node.moduleReference)) return importAlias(node);
      if (isErasedType(node)) return node;
      if (ts.isExpressionWithTypeArguments(node)) return factory.updateExpressionWithTypeArguments(node, ts.visitNode(node.expression, visit, ts.isExpression) as ts.Expression, node.typeArguments);
      return ts.visitEachChild(node, visit, context);
    };

    /** `import p = N.x` of an earlier cell's `N`: `var p = exports.N.x` (nothing when it names no value). */
    const importAlias = (node: ts.ImportEqualsDeclaration): ts.VisitResult<ts.Node | undefined> => {
      const reference = node.moduleReference as ts.EntityName;
      let leftmost: ts.EntityName = reference;
      while (ts.isQualifiedName(leftmost)) leftmost = leftmost.left;
      if (node.isTypeOnly || !declaredEarlier(leftmost)) return node;
      const alias = checker.getSymbolAtLocation(node.name);
      if (alias === undefined || (checker.getAliasedSymbol(alias).flags & ts.SymbolFlags.Value) === 0) return undefined;
      const toExpression = (name: ts.EntityName): ts.Expression => (ts.isIdentifier(name) ? sharedBinding(name.text) : factory.createPropertyAccessExpression(toExpression(name.left), name.right.text));
      const declaration = factory.createVariableDeclaration(node.name.text, undefined, undefined, toExpression(reference));
      return factory.createVariableStatement(node.modifiers?.filter(ts.isModifier), factory.createVariableDeclarationList([declaration]));
    };

    const statements = ts.visitNodes(file.statements, visit, ts.isStatement);
    return factory.updateSourceFile(file, withValueExport(factory, statements, valueName, onValue));
  };

  const afterDeclarations = (context: ts.TransformationContext) => (file: ts.SourceFile | ts.Bundle): ts.SourceFile | ts.Bundle => {
    if (!ts.isSourceFile(file) || file.fileName !== cellFileName) return file;
    return context.factory.updateSourceFile(file, file.statements.filter((statement) => !ts.isExportDeclaration(statement)));
  };

  return { before: [before], afterDeclarations: [afterDeclarations] };
}

/** Whether `node` is declared inside `declare global { … }` or `declare module "m" { … }`. */
function inAugmentation(node: ts.Node): boolean {
  for (let current: ts.Node | undefined = node.parent; current !== undefined; current = current.parent) if (isAugmentation(current)) return true;
  return false;
}

/** Type-only syntax, which the emit erases (its names are not rewritten). */
function isErasedType(node: ts.Node): boolean {
  if (ts.isExpressionWithTypeArguments(node)) return false;
  if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isTypeParameterDeclaration(node)) return true;
  if (ts.isHeritageClause(node)) return node.token === ts.SyntaxKind.ImplementsKeyword;
  const modifiers = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined;
  return modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.DeclareKeyword) === true;
}

/**
 * `expression`, kept from taking the name of the variable it is stored in: `const v = () => 1`
 * names the function `v`, so a cell whose value is an anonymous function or class would show
 * `[Function: tsLastExpr]`; `(0, …)` is not an anonymous function definition, so it stays
 * anonymous, as the same expression printed in one file.
 */
function unnamed(factory: ts.NodeFactory, expression: ts.Expression): ts.Expression {
  let inner = expression;
  // Parentheses and type assertions are gone from the emitted JavaScript: `(() => 1) as F` is named too.
  while (ts.isParenthesizedExpression(inner) || ts.isAsExpression(inner) || ts.isSatisfiesExpression(inner) || ts.isTypeAssertionExpression(inner) || ts.isNonNullExpression(inner)) inner = inner.expression;
  const anonymous = ts.isArrowFunction(inner) || ((ts.isFunctionExpression(inner) || ts.isClassExpression(inner)) && inner.name === undefined);
  return anonymous ? factory.createParenthesizedExpression(factory.createComma(factory.createNumericLiteral(0), expression)) : expression;
}

/** `statements` with the last expression statement (before any `export { … }`) stored as the cell's value. */
function withValueExport(factory: ts.NodeFactory, statements: ts.NodeArray<ts.Statement>, valueName: string, onValue: () => void): ts.Statement[] {
  const result = [...statements];
  for (let i = result.length - 1; i >= 0; i -= 1) {
    const statement = result[i] as ts.Statement;
    if (ts.isExportDeclaration(statement)) continue;
    if (!ts.isExpressionStatement(statement)) break;
    const value = factory.createVariableDeclaration(valueName, undefined, undefined, unnamed(factory, statement.expression));
    result[i] = factory.createVariableStatement([factory.createModifier(ts.SyntaxKind.ExportKeyword)], factory.createVariableDeclarationList([value], ts.NodeFlags.Const));
    onValue();
    break;
  }
  return result;
}

/**
 * Whether a converted cell awaits at its top level, so it must run in an async wrapper. tslab
 * learns it from the compiler's "await is only allowed in async functions" diagnostic, which
 * neither a top-level `for await (…)` nor an `await` of a parenthesised or bracketed operand
 * (`await (async () => …)()`, `await [p]`) raises: such a cell ran in a plain function and failed
 * with "SyntaxError: Unexpected reserved word" or "ReferenceError: await is not defined".
 */
import ts = require("@tslab/typescript-for-tslab");

/**
 * Whether the JavaScript `output` has an `await` or a `for await` loop outside every function.
 * It is read as a module: in a script `await (x)` would be a call of a function named `await`.
 */
export function hasTopLevelAwait(output: string): boolean {
  if (!/\bawait\b/.test(output)) return false;
  const asModule = (file: ts.SourceFile): void => {
    (file as { externalModuleIndicator?: ts.Node | true }).externalModuleIndicator = true;
  };
  const file = ts.createSourceFile("cell.js", output, { languageVersion: ts.ScriptTarget.Latest, setExternalModuleIndicator: asModule }, false, ts.ScriptKind.JS);
  const visit = (node: ts.Node): boolean => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return false;
    if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier !== undefined)) return true;
    return ts.forEachChild(node, visit) === true;
  };
  return visit(file);
}

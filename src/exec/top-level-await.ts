/**
 * Whether a converted cell awaits at its top level, so it must run in an async wrapper. tslab
 * learns it from the compiler's "await is only allowed in async functions" diagnostic, which a
 * top-level `for await (…)` does not raise: such a cell ran in a plain function and failed with
 * "SyntaxError: Unexpected reserved word".
 */
import ts = require("@tslab/typescript-for-tslab");

/** Whether the JavaScript `output` has a `for await` loop outside every function. */
export function hasTopLevelForAwait(output: string): boolean {
  if (!/\bfor\s+await\b/.test(output)) return false;
  const file = ts.createSourceFile("cell.js", output, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const visit = (node: ts.Node): boolean => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return false;
    if (ts.isForOfStatement(node) && node.awaitModifier !== undefined) return true;
    return ts.forEachChild(node, visit) === true;
  };
  return visit(file);
}

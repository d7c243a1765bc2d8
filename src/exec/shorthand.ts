/**
 * Shorthand properties that see earlier cells: `{ a }` written as `{ a: a }` before the cell is
 * compiled. A reference to an earlier cell's declaration `a` becomes `exports.a`; tslab's converter
 * missed the name of a shorthand property, so `console.log({ best, lr })` failed with
 * "ReferenceError: best is not defined" (cell-transformers.ts handles a shorthand too; the
 * expansion keeps the rewrite a plain identifier rewrite). `{ a }` and `{ a: a }` mean the same in every
 * position (object literals, arguments, template expressions, destructuring assignment targets,
 * with or without a default), so the expansion never changes what a cell does; it only adds text,
 * never a line, and {@link ShorthandExpansion.toSource} maps the compiler's columns back.
 */
import ts = require("@tslab/typescript-for-tslab");

/** A cell with its shorthand properties expanded, and the way back to the written columns. */
export interface ShorthandExpansion {
  readonly code: string;
  /** The (0-based) column in the written line of a column in the expanded line. */
  toSource(line: number, character: number): number;
}

/** Where text was inserted: the written line and column, and how many characters. */
interface Insertion {
  readonly line: number;
  readonly character: number;
  readonly length: number;
}

const UNCHANGED = (code: string): ShorthandExpansion => ({ code, toSource: (_line, character) => character });

/**
 * Expands every shorthand property assignment of `code` (`{ a }` → `{ a: a }`, `{ a = 1 }` →
 * `{ a: a = 1 }`).
 */
export function expandShorthand(code: string, language: "typescript" | "javascript"): ShorthandExpansion {
  if (!code.includes("{")) return UNCHANGED(code);
  const file = ts.createSourceFile(
    language === "javascript" ? "cell.js" : "cell.ts",
    code,
    ts.ScriptTarget.Latest,
    false,
    language === "javascript" ? ts.ScriptKind.JS : ts.ScriptKind.TS,
  );
  const names: { readonly offset: number; readonly name: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isShorthandPropertyAssignment(node)) names.push({ offset: node.name.end, name: code.slice(node.name.getStart(file), node.name.end) });
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (names.length === 0) return UNCHANGED(code);
  names.sort((a, b) => a.offset - b.offset);
  let expanded = "";
  let from = 0;
  const insertions: Insertion[] = [];
  for (const { offset, name } of names) {
    const text = `: ${name}`;
    expanded += code.slice(from, offset) + text;
    from = offset;
    const position = file.getLineAndCharacterOfPosition(offset);
    insertions.push({ line: position.line, character: position.character, length: text.length });
  }
  expanded += code.slice(from);
  return {
    code: expanded,
    toSource(line, character) {
      let shift = 0;
      for (const insertion of insertions) {
        if (insertion.line !== line) continue;
        // The insertion sits at `insertion.character + shift` in the expanded line.
        if (character >= insertion.character + shift + insertion.length) shift += insertion.length;
        else if (character > insertion.character + shift) return insertion.character;
      }
      return character - shift;
    },
  };
}

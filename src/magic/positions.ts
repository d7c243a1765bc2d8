/**
 * Position map between a cell (with magics) and the TypeScript text the kernel compiles for
 * completion and inspection.
 *
 * The TypeScript view keeps the cell's length and line structure: every magic header, line magic
 * and help request is replaced by spaces (its newlines kept), and everything else is unchanged.
 * So an offset, line or column means the same in both texts, and errors and completions computed
 * on the view can be reported against the cell as they are. Offsets inside a magic map to
 * `undefined`: there is no TypeScript there (the kernel can offer magic completions instead, see
 * `completeMagic`). Given the registry, the code of a code-taking line magic (`%time f(x)`) stays
 * in the view, so completing and inspecting inside it work. A cell magic's body is kept as it is (for `%%time` it is TypeScript; for
 * other magics completing names in it is still useful).
 */
import { parseCell, type CellRange, type LineMagicCall, type ParsedCell } from "./parse";
import type { MagicRegistry } from "./registry";

/** The TypeScript view of a cell and the maps between the two. */
export interface CodeView {
  /** The cell with magic text blanked out; same length and lines as the cell. */
  readonly code: string;
  /** The ranges of the cell that are magic text (sorted, not overlapping). */
  readonly magicRanges: readonly CellRange[];
  /**
   * Maps an offset in the cell to the same place in {@link CodeView.code}, or `undefined` when
   * it falls on a magic or help line (ends included: a cursor just after `%time x` is in it).
   */
  toCode(cellOffset: number): number | undefined;
  /** Maps an offset in {@link CodeView.code} back to the cell (clamped to the cell). */
  toCell(codeOffset: number): number;
  /** The magic range containing `cellOffset` (ends included), if any. */
  magicAt(cellOffset: number): CellRange | undefined;
}

/** `text` with each range `[start, end)` replaced by spaces, line breaks kept (ranges sorted). */
function blankRanges(text: string, ranges: readonly CellRange[]): string {
  const parts: string[] = [];
  let copied = 0;
  for (const { start, end } of ranges) {
    parts.push(text.slice(copied, start), text.slice(start, end).replace(/[^\r\n]/g, " "));
    copied = end;
  }
  parts.push(text.slice(copied));
  return parts.join("");
}

/**
 * Where the TypeScript of a code-taking line magic starts (`%time f(x)` → the offset of `f`), or
 * `undefined`. That is when the magic's first positional is `raw` and the code follows the name
 * directly on one line, with no options before it.
 */
export function rawCodeStart(call: LineMagicCall, registry: MagicRegistry | undefined): number | undefined {
  const first = registry?.findLine(call.name)?.positionals?.[0];
  if (first?.raw !== true || /\\\r?\n/.test(call.argText)) return undefined;
  const leading = /^[ \t]*/.exec(call.argText)?.[0].length ?? 0;
  const code = call.argText.slice(leading);
  if (code === "" || code.startsWith("-")) return undefined;
  return call.argStart + leading;
}

/**
 * Builds the TypeScript view of a cell.
 *
 * @param cell the cell text, or a cell already parsed with `parseCell`
 * @param registry when given, the code of code-taking line magics (`%time f(x)`) stays in the
 *   view, so completion and inspection work inside it
 * @throws MagicError when `cell` is a string whose magic lines are malformed
 */
export function codeView(cell: string | ParsedCell, registry?: MagicRegistry): CodeView {
  const parsed = typeof cell === "string" ? parseCell(cell) : cell;
  const magicRanges: CellRange[] = [];
  if (parsed.kind === "cell-magic") {
    magicRanges.push({ start: parsed.magic.start, end: parsed.magic.end, line: parsed.magic.line });
  } else {
    for (const segment of parsed.segments) {
      if (segment.kind === "code") continue;
      const codeStart = segment.kind === "line-magic" ? rawCodeStart(segment, registry) : undefined;
      // The magic range ends before the code's first character, so a cursor there is in TypeScript.
      magicRanges.push({ start: segment.start, end: codeStart === undefined ? segment.end : codeStart - 1, line: segment.line });
    }
  }
  const code = blankRanges(parsed.cell, magicRanges);
  const length = parsed.cell.length;
  const magicAt = (offset: number): CellRange | undefined =>
    magicRanges.find((range) => offset >= range.start && offset <= range.end);
  return {
    code,
    magicRanges,
    magicAt,
    toCode: (offset) => (offset < 0 || offset > length || magicAt(offset) !== undefined ? undefined : offset),
    toCell: (offset) => Math.min(Math.max(offset, 0), length),
  };
}

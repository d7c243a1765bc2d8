/** Jupyter counts cursor positions in Unicode code points; JavaScript strings index UTF-16 units. */

/** The UTF-16 index of the `codePoints`-th code point of `text` (clamped to its length). */
export function codePointsToUtf16(text: string, codePoints: number): number {
  let index = 0;
  for (let seen = 0; seen < codePoints && index < text.length; seen++) {
    const code = text.codePointAt(index) as number;
    index += code > 0xffff ? 2 : 1;
  }
  return index;
}

/** The number of code points in `text` before UTF-16 index `index`. */
export function utf16ToCodePoints(text: string, index: number): number {
  return Array.from(text.slice(0, Math.max(0, index))).length;
}

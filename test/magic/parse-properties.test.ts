/**
 * Properties of the parser and position map over many cells composed at random (seeded) from
 * blocks whose classification is known: TypeScript blocks that contain magic-looking text in
 * strings, templates, comments, regexes, brackets and continued expressions, and magic/help lines.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import seedrandom from "seedrandom";
import { codeView, parseCell, type CellSegment } from "../../src/magic";

const CODE_BLOCKS = [
  "const a1 = 1;",
  "let t = `multi\n%time inside\n${a1 % 2}\n?a1`;",
  "/* comment\n%time no\na1?\n*/",
  'const s = "%time a1 ?x";',
  "if (a1 > 0) {\n%time nested\n}",
  "const r = a1\n  % 2;",
  "const q = a1 ?\n  1 : 2;",
  "const re = /%time['\"`]/g;",
  "const m = new Map<string, number>();",
  "const w = a1 +\n%time",
  "call(a1,\n%lsmagic\n)",
  "const o = { k: `${'}'}` };",
];
const MAGIC_BLOCKS: [string, string][] = [
  ["%time a1", "%time"],
  ["%lsmagic", "%lsmagic"],
  ["a1?", "?a1"],
  ["?console.log", "?console.log"],
  ["%time f(1, \\\n  2)", "%time"],
  ["%%capture??", "?capture"],
];

function shapeOf(segments: readonly CellSegment[]): string[] {
  return segments.map((segment) =>
    segment.kind === "code" ? "code" : segment.kind === "line-magic" ? `%${segment.name}` : `?${segment.target}`,
  );
}

test("random cells: segments are classified as composed, in order, and cover the cell", () => {
  const random = seedrandom("tunelab-magic");
  for (let round = 0; round < 400; round++) {
    const blocks: string[] = [];
    const expected: string[] = [];
    const count = 1 + Math.floor(random() * 8);
    for (let index = 0; index < count; index++) {
      if (random() < 0.5) {
        blocks.push(CODE_BLOCKS[Math.floor(random() * CODE_BLOCKS.length)]);
        if (expected[expected.length - 1] !== "code") expected.push("code");
      } else {
        const [text, shape] = MAGIC_BLOCKS[Math.floor(random() * MAGIC_BLOCKS.length)];
        blocks.push(text);
        expected.push(shape);
      }
    }
    const cell = blocks.join(random() < 0.5 ? "\n" : "\n\n");
    const parsed = parseCell(cell);
    assert.equal(parsed.kind, "segments", cell);
    if (parsed.kind !== "segments") continue;
    assert.deepEqual(shapeOf(parsed.segments), expected, cell);

    let previousEnd = 0;
    for (const segment of parsed.segments) {
      assert.ok(segment.start >= previousEnd && segment.end > segment.start && segment.end <= cell.length, cell);
      assert.ok(segment.start === 0 || cell[segment.start - 1] === "\n", "segments start at line starts");
      assert.equal(segment.line, cell.slice(0, segment.start).split("\n").length);
      assert.equal(cell.slice(previousEnd, segment.start).trim(), "", "nothing but blank lines between segments");
      if (segment.kind === "code") assert.equal(segment.code, cell.slice(segment.start, segment.end));
      previousEnd = segment.end;
    }
    assert.equal(cell.slice(previousEnd).trim(), "");

    const view = codeView(parsed);
    assert.equal(view.code.length, cell.length);
    for (let offset = 0; offset < cell.length; offset++) {
      if (cell[offset] === "\n") assert.equal(view.code[offset], "\n");
      else if (view.magicAt(offset) === undefined) assert.equal(view.code[offset], cell[offset]);
      else assert.equal(view.code[offset], " ");
    }
  }
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { codeView } from "../../src/magic/positions";
import { parseCell } from "../../src/magic/parse";
import { completeMagic, createDefaultRegistry } from "../../src/magic";

test("the TypeScript view blanks magic and help lines and keeps length and line breaks", () => {
  const cell = "let total = 1\n%time total + 1\nMath.max?\ntotal.toFi";
  const view = codeView(cell);
  assert.equal(view.code, "let total = 1\n" + " ".repeat(15) + "\n" + " ".repeat(9) + "\ntotal.toFi");
  assert.equal(view.code.length, cell.length);
  assert.deepEqual(view.code.split("\n").map((line) => line.length), cell.split("\n").map((line) => line.length));
});

test("offsets map both ways: identity on code, undefined on magic lines (ends included)", () => {
  const cell = "const a = 1;\n%time a\na.to";
  const view = codeView(cell);
  const magicStart = cell.indexOf("%time");
  const magicEnd = magicStart + "%time a".length;
  for (let offset = 0; offset <= cell.length; offset++) {
    const mapped = view.toCode(offset);
    if (offset >= magicStart && offset <= magicEnd) {
      assert.equal(mapped, undefined, `offset ${offset} is on the magic line`);
      assert.deepEqual(view.magicAt(offset), { start: magicStart, end: magicEnd, line: 2 });
    } else {
      assert.equal(mapped, offset);
      assert.equal(view.toCell(mapped!), offset);
      assert.equal(view.code[offset], cell[offset], "the character under the cursor is the same");
    }
  }
  assert.equal(view.toCode(-1), undefined);
  assert.equal(view.toCode(cell.length + 1), undefined);
  assert.equal(view.toCell(cell.length + 5), cell.length);
  assert.equal(view.toCell(-3), 0);
});

test("a cell magic's header, continuation lines included, is blanked and its body kept", () => {
  const cell = "%%time --x \\\n  --y\nconst z = 1;\nz.";
  const view = codeView(parseCell(cell));
  assert.equal(view.code, " ".repeat(12) + "\n" + " ".repeat(5) + "\nconst z = 1;\nz.");
  const cursor = cell.length; // after `z.`
  assert.equal(view.toCode(cursor), cursor);
  assert.equal(view.toCode(3), undefined);
  assert.equal(view.toCode(cell.indexOf("--y")), undefined);
});

test("a cell without magics is its own view", () => {
  const cell = "const r = a % b;\nconst t = c ? d : e;";
  const view = codeView(cell);
  assert.equal(view.code, cell);
  assert.deepEqual(view.magicRanges, []);
});

test("with the registry, the code of %time stays in the view so it can be completed and inspected", () => {
  const registry = createDefaultRegistry();
  const cell = "let model = 1\n%time model.toFi\n%time -x\n%lsmagic";
  const view = codeView(cell, registry);
  assert.equal(view.code, "let model = 1\n      model.toFi\n" + " ".repeat(8) + "\n" + " ".repeat(8));
  const codeStart = cell.indexOf("model.toFi");
  assert.equal(view.toCode(codeStart), codeStart);
  assert.equal(view.toCode(cell.indexOf("model.toFi") + "model.toFi".length), codeStart + 10);
  assert.equal(view.toCode(codeStart - 1), undefined, "the blank after the name is still the magic");
  assert.equal(view.toCode(cell.indexOf("%time")), undefined);
  assert.equal(completeMagic(cell, codeStart + 3, registry), undefined, "the magic completer steps aside");
  assert.deepEqual(completeMagic(cell, cell.indexOf("%time") + 3, registry)?.matches, ["%time"]);
});

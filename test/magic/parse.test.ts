import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCell, type CellSegment, type ParsedCell } from "../../src/magic/parse";
import { MagicError } from "../../src/magic/types";

function segments(cell: string): readonly CellSegment[] {
  const parsed = parseCell(cell);
  assert.equal(parsed.kind, "segments");
  return (parsed as Extract<ParsedCell, { kind: "segments" }>).segments;
}

/** The kinds of the segments, with magic and help names: ["code", "%time", "?x"]. */
function shape(cell: string): string[] {
  return segments(cell).map((segment) =>
    segment.kind === "code" ? "code" : segment.kind === "line-magic" ? `%${segment.name}` : `?${segment.target}`,
  );
}

test("a cell without magics is a single code segment holding the whole cell", () => {
  const cell = "const a = 1;\nconst b = a + 2;\nb";
  assert.deepEqual(segments(cell), [{ kind: "code", code: cell, start: 0, end: cell.length, line: 1 }]);
});

test("line magics split the cell into code, magic, code in order, with lines and offsets", () => {
  const cell = "let x = 1\n%time x + 1\nx * 2";
  const parts = segments(cell);
  assert.equal(parts.length, 3);
  assert.deepEqual(parts[0], { kind: "code", code: "let x = 1\n", start: 0, end: 10, line: 1 });
  assert.deepEqual(parts[1], { kind: "line-magic", name: "time", argText: " x + 1", argStart: 15, start: 10, end: 21, line: 2 });
  assert.deepEqual(parts[2], { kind: "code", code: "x * 2", start: 22, end: 27, line: 3 });
});

test("modulo is never a magic: a % b, a line starting with % b, %=, and % after an operator", () => {
  assert.deepEqual(shape("const r = a % b"), ["code"]);
  assert.deepEqual(shape("const r = a\n% b"), ["code"]);
  assert.deepEqual(shape("let r = 7\nr %= 2"), ["code"]);
  assert.deepEqual(shape("const r = a +\n%b"), ["code"]);
  assert.deepEqual(shape("const r = (a\n%b)"), ["code"]);
  assert.deepEqual(shape("const r = [a,\n%b]"), ["code"]);
  assert.deepEqual(shape("f(() => {\n%time x\n})"), ["code"]);
  assert.deepEqual(shape("x\n%(y)"), ["code"]);
});

test("magic-looking text inside strings, template literals, comments and regexes stays code", () => {
  assert.deepEqual(shape('const s = "a\\\n%time x"'), ["code"]);
  assert.deepEqual(shape("const t = `line\n%time x\n${a +\n%b}\n%c`"), ["code"]);
  assert.deepEqual(shape("/* note\n%time x\n*/\nconst y = 1"), ["code"]);
  assert.deepEqual(shape("// %time x\nconst y = 1"), ["code"]);
  assert.deepEqual(shape("const re = /[`'\"]/g\n%time y"), ["code", "%time"]);
  assert.deepEqual(shape("const q = a / b / c\n%time y"), ["code", "%time"]);
});

test("a template literal with nested ${} and backticks ends where TypeScript ends it", () => {
  assert.deepEqual(shape("const t = `a ${`b ${c}`} d`\n%time t"), ["code", "%time"]);
  assert.deepEqual(shape("const t = `a ${ {k: 1}.k } d`\n%time t"), ["code", "%time"]);
});

test("statements ending in ++, --, ! or a closing bracket end before a magic line", () => {
  assert.deepEqual(shape("i++\n%time f()"), ["code", "%time"]);
  assert.deepEqual(shape("const v = m.get(k)!\n%time f()"), ["code", "%time"]);
  assert.deepEqual(shape("if (a) { b() }\n%time f()"), ["code", "%time"]);
  assert.deepEqual(shape("const m = new Map<string, number>\n%time f()"), ["code", "%time"]);
  assert.deepEqual(shape("const f = (a: number) =>\n%time"), ["code"]);
  assert.deepEqual(shape("const s = a >>\n%b"), ["code"]);
  assert.deepEqual(shape("const s = a >=\n%b"), ["code"]);
});

test("a magic line continues on the next line after a trailing backslash", () => {
  const parts = segments("%time f(1,\\\n  2)\nnext");
  assert.equal(parts[0].kind, "line-magic");
  assert.equal((parts[0] as { argText: string }).argText, " f(1,\\\n  2)");
  assert.equal(parts[1].kind, "code");
  assert.equal(parts[1].line, 3);
});

test("the cell magic owns the cell after its header, whose arguments may continue with backslashes", () => {
  const cell = "\n%%tune --model buildModel \\\n       --trials 30\nunits: int(16, 256)\n% not a magic here";
  const parsed = parseCell(cell);
  assert.equal(parsed.kind, "cell-magic");
  if (parsed.kind !== "cell-magic") return;
  assert.equal(parsed.magic.name, "tune");
  assert.equal(parsed.magic.argText, " --model buildModel \\\n       --trials 30");
  assert.equal(parsed.magic.line, 2);
  assert.equal(parsed.magic.bodyLine, 4);
  assert.equal(parsed.magic.body, "units: int(16, 256)\n% not a magic here");
  assert.equal(cell.slice(parsed.magic.bodyStart), parsed.magic.body);
});

test("a cell magic with no body has an empty body", () => {
  const parsed = parseCell("%%time");
  assert.ok(parsed.kind === "cell-magic");
  assert.equal(parsed.magic.body, "");
  assert.equal(parsed.magic.argText, "");
});

test("malformed cell magic lines are MagicErrors naming the line", () => {
  assert.throws(() => parseCell("%% time"), (error: unknown) => error instanceof MagicError && /line 1: expected a cell magic name after %%/.test(error.message));
  assert.throws(() => parseCell("let a = 1\n%%time\na"), (error: unknown) => error instanceof MagicError && /line 2: cell magic %%time must be on the cell's first line/.test(error.message));
});

test("help requests: name?, name??, ?name, dotted names and magics", () => {
  const parts = segments("x?\nMath.max??\n?console.log\n%time?\n%%capture??");
  assert.deepEqual(
    parts.map((part) => (part.kind === "help" ? [part.target, part.detailLevel, part.magicKind ?? "-"] : part.kind)),
    [["x", 0, "-"], ["Math.max", 1, "-"], ["console.log", 0, "-"], ["time", 0, "line"], ["capture", 1, "cell"]],
  );
  assert.deepEqual(shape("%%time?"), ["?time"]);
});

test("ternaries, optional chaining and nullish coalescing are not help", () => {
  assert.deepEqual(shape("const v = a ? b : c"), ["code"]);
  assert.deepEqual(shape("a?.b"), ["code"]);
  assert.deepEqual(shape("a?\n  b : c"), ["code"]);
  assert.deepEqual(shape("const v = a\n  ??\n  b"), ["code"]);
  assert.deepEqual(shape("const v = a ??\nb"), ["code"]);
  assert.deepEqual(shape("const v = cond\n? a : b"), ["code"]);
});

test("blank code between magics is dropped, and CRLF line ends work", () => {
  assert.deepEqual(shape("%time a\n\n   \n%time b"), ["%time", "%time"]);
  const parts = segments("let a = 1\r\n%time a\r\na");
  assert.deepEqual(parts.map((part) => part.kind), ["code", "line-magic", "code"]);
});

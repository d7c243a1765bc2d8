/**
 * `%%tune` fed hostile input: huge grids, huge `--workers`, prototype names, odd quoting,
 * unterminated strings, unicode, blank lines, tabs, very long lines, and seeded random mutations
 * of a valid cell. Each is refused with a MagicError naming a line of the cell (or runs), never
 * another error, and the process is fine afterwards: a valid search runs, and memory stays bounded.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MagicError } from "../../../src/magic/types";
import { createRng } from "../../../src/common/random";
import { irisNotebook, type IrisNotebook } from "./iris-notebook";

const MAGIC = "%%tune --objective score --trials 2 --seed 1 --out fuzzed";

/**
 * Runs `cell`; a failure must be a MagicError naming one of the cell's lines (returned, else
 * undefined), or with `allowQuoteError` the argument splitter's quoting error (which names none).
 */
async function outcome(notebook: IrisNotebook, cell: string, allowQuoteError = false): Promise<MagicError | undefined> {
  try {
    await notebook.run(cell);
    return undefined;
  } catch (error) {
    const shown = JSON.stringify(cell.length > 300 ? `${cell.slice(0, 300)}…` : cell);
    assert.ok(error instanceof MagicError, `${shown}: expected a MagicError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    if (allowQuoteError && ARGUMENT_QUOTE.test(error.message)) return error;
    const lines = cell.split("\n").length;
    assert.ok(error.line !== undefined && error.line >= 1 && error.line <= lines, `${shown}: the error names no line of the cell: ${error.message}`);
    assert.match(error.message, /^line \d+: /);
    assert.ok(error.message.length < 2000, `${shown}: a message of ${error.message.length} characters`);
    return error;
  }
}

/** Cells that must fail, with the line each must name and a word of the message. */
const HOSTILE: readonly (readonly [cell: string, line: number, pattern: RegExp])[] = [
  // huge grids and budgets: refused from the axes' sizes, before listing anything
  [`${MAGIC.replace("--trials 2", "--strategy grid")}\nx: int(0, 2000000000)`, 2, /grid/],
  [`${MAGIC.replace("--trials 2", "--strategy grid")}\nx: float(0, 1, step=1e-9)`, 2, /grid/],
  [`${MAGIC.replace("--trials 2", "--strategy grid")}\na: int(0, 999)\nb: int(0, 999)\nc: int(0, 999)`, 2, /grid/],
  [`${MAGIC.replace("--trials 2", "--trials 1e400")}\nx: uniform(0, 1)`, 1, /trials/],
  [`${MAGIC.replace("--trials 2", "--trials -3")}\nx: uniform(0, 1)`, 1, /trials/],
  [`${MAGIC} --workers 1000000000\nx: uniform(0, 1)`, 1, /--workers/],
  [`${MAGIC} --workers 0\nx: uniform(0, 1)`, 1, /--workers/],
  // names every object has, and reserved words
  [`${MAGIC}\nconstructor: uniform(0, 1)`, 2, /constructor/],
  [`${MAGIC}\n__proto__: uniform(0, 1)`, 2, /__proto__/],
  [`${MAGIC}\nx: uniform(0, 1)\n\n\thasOwnProperty: [1, 2]`, 4, /hasOwnProperty/],
  [`${MAGIC}\nx: uniform(0, 1)\nvalueOf: 3`, 3, /valueOf/],
  [`${MAGIC.replace("--out fuzzed", "--out __proto__")}\nx: uniform(0, 1)`, 1, /__proto__/],
  [`${MAGIC.replace("--out fuzzed", "--out constructor")}\nx: uniform(0, 1)`, 1, /constructor/],
  [`${MAGIC.replace("--out fuzzed", "--out class")}\nx: uniform(0, 1)`, 1, /class/],
  [`${MAGIC.replace("score", "constructor")}\nx: uniform(0, 1)`, 1, /constructor/],
  [`${MAGIC.replace("score", "__proto__")}\nx: uniform(0, 1)`, 1, /__proto__/],
  [`${MAGIC.replace("--objective score", "--model buildModel --data __proto__,yTrain")}\nx: uniform(0, 1)`, 1, /__proto__/],
  // quoting in the space (on the magic line: see the next test)
  [`${MAGIC}\nx: choice("a, "b")`, 2, /./],
  [`${MAGIC}\nx: choice("unterminated)`, 2, /./],
  [`${MAGIC}\nx: choice("\\u00zz")`, 2, /./],
  [`${MAGIC}\n"x": uniform(0, 1)`, 2, /./],
  // unicode, tabs, blank lines, stray characters
  [`${MAGIC}\n\n\n\t\nx\t:\tuniform(0, 1)\n\n\ty: choice(1,\t2\n`, 7, /./],
  [`${MAGIC}\nτ-rate: choice("α", "β")`, 2, /expected "name: distribution"/],
  [`${MAGIC}\nx: uniform(0, 1)\n\u{1F600}: [1, 2]`, 3, /./],
  [`${MAGIC}\nx: uniform(0, 1)\ny: uniform(0, 1)\nx: uniform(0, 2)`, 4, /twice/],
  [`${MAGIC}\nx: uniform(1, 0)`, 2, /./],
  [`${MAGIC}\nx: uniform(NaN, 1)`, 2, /./],
  [`${MAGIC}\nx: uniform(0, Infinity)`, 2, /./],
  [`${MAGIC}\nx: float(0, 1e309)`, 2, /./],
  [`${MAGIC}\nx: int(0, 1, step=0)`, 2, /./],
  [`${MAGIC}\nx: loguniform(-1, 1)`, 2, /./],
  [`${MAGIC}\nx: choice()`, 2, /./],
  [`${MAGIC}\nx: []`, 2, /./],
  [`${MAGIC}\nx: uniform(0, 1))`, 2, /./],
  [`${MAGIC}\nx: ${"(".repeat(5000)}`, 2, /./],
  [`${MAGIC}\nx: uniform(0, 1)\ny: choice(${Array.from({ length: 20000 }, (_, i) => i).join(", ")}`, 3, /./],
  [`${MAGIC}\n${"a".repeat(200000)}: uniform(0, 1) oops`, 2, /./],
  [`${MAGIC} ${"--seed 1 ".repeat(5000)}\nx: uniform(0, 1)`, 1, /./],
  [`${MAGIC} --no-such-option\nx: uniform(0, 1)`, 1, /no-such-option/],
];

test("hostile %%tune cells fail with a MagicError naming the line, and a valid search runs afterwards", async () => {
  const notebook = await irisNotebook();
  for (const [cell, line, pattern] of HOSTILE) {
    const error = await outcome(notebook, cell);
    assert.ok(error !== undefined, `${JSON.stringify(cell.slice(0, 200))} should fail`);
    assert.equal(error.line, line, `${JSON.stringify(cell.slice(0, 200))}: ${error.message.slice(0, 300)}`);
    assert.match(error.message, pattern);
  }
  assert.equal(notebook.context.has("fuzzed"), false, "nothing was bound");
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "x"), false, "no prototype was written to");
  await notebook.run(`${MAGIC}\nx: uniform(-1, 1)`);
  assert.equal((notebook.context.lookup("fuzzed") as { trials: unknown[] }).trials.length, 2);
});

/** The magic line's own quoting errors name the magic's line, the magic and the quote. */
const ARGUMENT_QUOTE = /^line 1: %%tune: unterminated ["'] quote in the arguments/;

test("an unterminated quote on the magic line is a MagicError saying which quote", async () => {
  const notebook = await irisNotebook();
  for (const cell of [`${MAGIC} --name "unterminated\nx: uniform(0, 1)`, `${MAGIC} --name 'unterminated\nx: uniform(0, 1)`]) {
    await assert.rejects(notebook.run(cell), (error: unknown) => error instanceof MagicError && ARGUMENT_QUOTE.test(error.message));
  }
  await notebook.run(`${MAGIC} --name "quoted name"\nx: uniform(0, 1)`);
  assert.equal((notebook.context.lookup("fuzzed") as { name: string }).name, "quoted name");
});

test("odd spacing, tabs, blank lines, comments and unicode strings that are valid run as written", async () => {
  const notebook = await irisNotebook();
  await notebook.run(`${MAGIC}\n\n  \tx :\t uniform( -1 ,1 )   # comment\n\n// another\nrate_2: choice("α", "β\\"", "\u{1F600}")\n\t\n`);
  const study = notebook.context.lookup("fuzzed") as { trials: { params: Record<string, unknown> }[] };
  assert.deepEqual(Object.keys(study.trials[0]!.params).sort(), ["rate_2", "x"]);
  // names are JavaScript identifiers, unicode ones included (params.größe reads them), in conditions too
  await notebook.run(`${MAGIC}\ngröße: int(1, 3)\nτ_rate: choice("α", "β") if größe >= 2\n学习率: loguniform(1e-3, 1e-1)`);
  const unicode = notebook.context.lookup("fuzzed") as { trials: { params: Record<string, unknown> }[] };
  assert.ok(unicode.trials.every((t) => typeof t.params["größe"] === "number" && typeof t.params["学习率"] === "number"), JSON.stringify(unicode.trials.map((t) => t.params)));
  assert.ok(unicode.trials.every((t) => ((t.params["größe"] as number) >= 2) === ("τ_rate" in t.params)));
  assert.ok(study.trials.every((t) => ["α", 'β"', "\u{1F600}"].includes(t.params["rate_2"] as string)), JSON.stringify(study.trials.map((t) => t.params)));
});

/** One random edit of `text` after its leading `%%` (it stays a cell magic): a character deleted, text repeated, or a hostile piece inserted. */
function mutate(text: string, random: () => number): string {
  const pieces = ["(", ")", "[", "]", ",", "=", '"', "'", "\\", ":", "\n", "\t", " ", "#", "//", "-", "e", "1e999", "__proto__", "constructor", "log", "step=", "\u0000", "\u2028", "é", "\u{1F600}", "--", "--workers 99999", "--strategy grid", "int(0, 1e15)"];
  const at = 2 + Math.floor(random() * (text.length - 1));
  const choice = random();
  if (choice < 0.3) return text.slice(0, at) + text.slice(at + 1);
  if (choice < 0.4) return text.slice(0, at) + text.slice(at, at + 5).repeat(3) + text.slice(at + 5);
  return text.slice(0, at) + pieces[Math.floor(random() * pieces.length)]! + text.slice(at);
}

test("400 seeded random mutations of a valid cell: each runs or fails with a MagicError naming a line", async () => {
  const notebook = await irisNotebook();
  const rng = createRng(12, "tune-fuzz");
  const random = (): number => rng.next();
  const valid = `${MAGIC} --strategy random\nunits: int(4, 16, log)\nlr: loguniform(1e-3, 1e-1)\nact: choice("relu", "tanh")\nbatch: [16, 32]\nx: float(-1, 1, step=0.5)\nfixed: 3`;
  let failed = 0;
  for (let i = 0; i < 400; i++) {
    let cell = valid;
    const edits = 1 + Math.floor(random() * 4);
    for (let e = 0; e < edits; e++) cell = mutate(cell, random);
    if ((await outcome(notebook, cell, true)) !== undefined) failed++;
  }
  assert.ok(failed > 100, `most mutations are refused (${failed} of 400)`);
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  assert.ok(heapMb < 1024, `the heap stays bounded (${heapMb.toFixed(0)} MB)`);
  await notebook.run(`${MAGIC}\nx: uniform(-1, 1)`);
});

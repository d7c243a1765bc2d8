/**
 * Seeded fuzzing of what users and clients type: `%%tune` cells built from hostile pieces (nested
 * and cyclic conditions, duplicate names, repeated options, `--` junk, unbalanced brackets, huge
 * numbers, NaN/Infinity, empty names, unicode, very long lines), line magics (`%tune_plot`,
 * `%who`, `%whos`, `%lsmagic`, unknown ones) with random arguments, and the kernel's request
 * decoding with random JSON. A fixed number of inputs each, no time limits: every input succeeds
 * or fails clearly (a MagicError naming a line of the cell; an error result for a request) and
 * never with another exception.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { MagicError } from "../../src/magic/types";
import { createRng } from "../../src/common/random";
import { decodeRequest, isRequestType, type RequestType } from "../../src/kernel/requests";
import { irisNotebook, type IrisNotebook } from "../magic/tune/iris-notebook";

/** A seeded source of choices. */
class Chooser {
  private readonly rng;
  constructor(name: string) {
    this.rng = createRng(2026, "hostile", name);
  }
  number(): number {
    return this.rng.next();
  }
  int(below: number): number {
    return Math.floor(this.rng.next() * below);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.rng.next() < p;
  }
}

const NAMES = ["x", "lr", "units", "act", "a", "b", "", "__proto__", "constructor", "τ", "x y", "1x", "if", "choice", "x".repeat(3000), "\u{1F600}", "a-b"];
const NUMBERS = ["0", "1", "-1", "0.5", "1e-3", "1e309", "-1e309", "NaN", "Infinity", "-Infinity", "1e400", "9".repeat(400), "0x10", "1_000", "", "--1", "1.2.3", "2e", "."];
const STRINGS = ['"relu"', "'tanh'", '"unterminated', '""', '"\\u00zz"', '"\u{1F600}"', '"a, b"', "relu"];

function distribution(c: Chooser, depth = 0): string {
  const n = () => c.pick(NUMBERS);
  const options = [
    () => `uniform(${n()}, ${n()})`,
    () => `loguniform(${n()}, ${n()})`,
    () => `int(${n()}, ${n()}${c.chance(0.5) ? ", log" : ""}${c.chance(0.3) ? `, step=${n()}` : ""})`,
    () => `float(${n()}, ${n()}${c.chance(0.3) ? `, step=${n()}` : ""})`,
    () => `choice(${Array.from({ length: c.int(5) }, () => (c.chance(0.5) ? c.pick(STRINGS) : n())).join(", ")})`,
    () => `[${Array.from({ length: c.int(5) }, () => n()).join(", ")}]`,
    () => n(),
    () => c.pick(STRINGS),
    () => `hypergradient(${n()})`,
    () => `${c.pick(["uniform", "int", "choice", "nosuch"])}${"(".repeat(1 + c.int(4))}${n()}${")".repeat(c.int(4))}`,
    () => (depth < 3 ? `choice(${distribution(c, depth + 1)}, ${distribution(c, depth + 1)})` : n()),
    () => `${c.pick(["uniform", "int"])}(0, 1) mutable`,
  ];
  return c.pick(options)();
}

function condition(c: Chooser, names: readonly string[]): string {
  const op = c.pick(["==", "!=", "<", ">", "<=", ">=", "in", "=", "===", ""]);
  const value = c.chance(0.5) ? c.pick(NUMBERS) : c.pick(STRINGS);
  const one = `${c.pick(names)} ${op} ${op === "in" ? `[${value}, ${c.pick(NUMBERS)}]` : value}`;
  const joined = c.chance(0.3) ? `${one} ${c.pick(["and", "or", "&&", "if"])} ${c.pick(names)} == ${c.pick(NUMBERS)}` : one;
  return ` if ${c.chance(0.2) ? `(${joined}` : joined}`;
}

/** A `%%tune` cell: a magic line with random (repeated, junk) options and a body of hostile lines. */
function tuneCell(c: Chooser): string {
  const words = ["--objective score", "--trials 1", "--seed 1", "--out fuzzed"];
  const extras = [
    "--trials 1",
    "--trials 0",
    "--trials NaN",
    "--trials 1e400",
    "--seed -1",
    "--seed 1e309",
    "--strategy grid",
    "--strategy nosuch",
    "--strategy",
    "--",
    "-- --",
    "--=",
    "---trials 2",
    "--trials=2",
    "--workers 2",
    "--timeout Infinity",
    "--direction sideways",
    "--out",
    "--out ''",
    '--name "a b"',
    "--metric val_acc",
    "--pruner median",
    "--objective score",
    "--out fuzzed2",
    "'--trials'",
    "\u{1F600}",
    "-x",
    "{undefinedName}",
    "$nothing",
    "\\",
  ];
  for (let i = c.int(5); i > 0; i--) words.push(c.pick(extras));
  if (c.chance(0.2)) words.push(c.pick(extras).repeat(200));
  const names = NAMES.slice(0, 4 + c.int(NAMES.length - 4));
  const lines: string[] = [];
  for (let i = 1 + c.int(6); i > 0; i--) {
    const name = c.pick(names);
    const kind = c.int(10);
    if (kind === 0) lines.push("");
    else if (kind === 1) lines.push(`# ${c.pick(STRINGS)}`);
    else if (kind === 2) lines.push(`${name} ${distribution(c)}`); // no colon
    else lines.push(`${name}: ${distribution(c)}${c.chance(0.35) ? condition(c, names) : ""}${c.chance(0.1) ? " junk" : ""}`);
  }
  // An `if` cycle or self-reference now and then.
  if (c.chance(0.2)) lines.push(`a: [1, 2] if b == 1`, `b: [1, 2] if a == 1`);
  if (c.chance(0.1)) lines.push(`self: [1, 2] if self == 1`);
  return [`%%tune ${words.join(" ")}`, ...lines].join("\n");
}

/** A line magic with random arguments (magics whose line is not code). */
function lineMagicCell(c: Chooser): string {
  const args = ["", "fuzzed", "nosuch", "fuzzed nosuch", "fuzzed history", "fuzzed --all", "--", "-- --", "{1/0}", "$x", "'", '"', "\u{1F600}", "fuzzed ".repeat(500), "__proto__", "constructor", "fuzzed importance history pareto", "--help", "-h"];
  // (`%` not followed by a name, or a name followed by anything but a space, stays TypeScript by
  // the cell grammar: not generated here.)
  const magic = c.pick(["tune_plot", "tune_plot", "tune_plot", "who", "whos", "lsmagic", "nosuch", "tune", "tune_plot?", "who??", "nosuch?"]);
  const line = magic.endsWith("?") ? `%${magic}` : `%${magic} ${c.pick(args)}${c.chance(0.3) ? ` ${c.pick(args)}` : ""}`;
  return c.chance(0.3) ? `1 + 1\n${line}` : line;
}

/** `cell` must run, or fail with a MagicError naming one of its lines. */
async function runsOrFailsClearly(notebook: IrisNotebook, cell: string): Promise<"ran" | "refused"> {
  try {
    await notebook.run(cell);
    return "ran";
  } catch (error) {
    const shown = JSON.stringify(cell.length > 300 ? `${cell.slice(0, 300)}…` : cell);
    assert.ok(error instanceof MagicError, `${shown}: expected a MagicError, got ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`);
    const lines = cell.split("\n").length;
    assert.ok(error.line !== undefined && error.line >= 1 && error.line <= lines, `${shown}: the error names no line of the cell: ${error.message}`);
    assert.match(error.message, /^line \d+: \S/);
    assert.ok(error.message.length < 4000, `${shown}: a message of ${error.message.length} characters`);
    return "refused";
  }
}

test("300 seeded hostile %%tune cells: each runs or fails with a MagicError naming a line", async () => {
  const notebook = await irisNotebook();
  const c = new Chooser("tune");
  const seen = { ran: 0, refused: 0 };
  for (let i = 0; i < 300; i++) seen[await runsOrFailsClearly(notebook, tuneCell(c))]++;
  assert.ok(seen.refused > 150, `most are refused (${JSON.stringify(seen)})`);
  assert.ok(seen.ran > 0, `some run (${JSON.stringify(seen)}): the generator also makes valid cells`);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "x"), false, "no prototype was written to");
  await notebook.run("%%tune --objective score --trials 2 --seed 1 --out after\nx: uniform(-1, 1)");
  assert.equal((notebook.context.lookup("after") as { trials: unknown[] }).trials.length, 2);
});

test("300 seeded line magics with random arguments: each runs or fails with a MagicError naming a line", async () => {
  const notebook = await irisNotebook();
  await notebook.run("%%tune --objective score --trials 2 --seed 1 --out fuzzed\nx: uniform(-1, 1)");
  const c = new Chooser("line magics");
  const seen = { ran: 0, refused: 0 };
  for (let i = 0; i < 300; i++) seen[await runsOrFailsClearly(notebook, lineMagicCell(c))]++;
  assert.ok(seen.ran > 0 && seen.refused > 0, JSON.stringify(seen));
});

/** Every message type the kernel decodes (the type checks each name; the test checks the kernel knows it). */
const REQUEST_TYPES: readonly RequestType[] = [
  "execute_request",
  "complete_request",
  "inspect_request",
  "is_complete_request",
  "history_request",
  "kernel_info_request",
  "comm_info_request",
  "shutdown_request",
  "interrupt_request",
  "input_reply",
  "comm_open",
  "comm_msg",
  "comm_close",
];

/** Random JSON, hostile in shape: wrong types, huge and odd numbers, deep nesting, unicode. */
function randomJson(c: Chooser, depth = 0): unknown {
  const kind = c.int(depth > 4 ? 6 : 9);
  switch (kind) {
    case 0:
      return c.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, -0]);
    case 1:
      return c.pick(["", "x", "1", "\u0000", "\u{1F600}", "a".repeat(10_000), "true", "__proto__"]);
    case 2:
      return c.chance(0.5);
    case 3:
      return null;
    case 4:
      return c.pick(["code", "cursor_pos", "hist_access_type", "restart", "value", "comm_id", "target_name", "detail_level", "n", "pattern"]);
    case 5:
      return Infinity;
    case 6:
    case 7: {
      const keys = ["code", "cursor_pos", "silent", "store_history", "user_expressions", "allow_stdin", "stop_on_error", "detail_level", "hist_access_type", "output", "raw", "session", "start", "stop", "n", "pattern", "unique", "restart", "value", "comm_id", "target_name", "data", "__proto__", "constructor", ""];
      const content: Record<string, unknown> = {};
      for (let i = c.int(8); i > 0; i--) content[c.pick(keys)] = randomJson(c, depth + 1);
      return content;
    }
    default:
      return Array.from({ length: c.int(4) }, () => randomJson(c, depth + 1));
  }
}

test("3000 seeded random request contents: each decodes or gives an error naming the request type", () => {
  assert.ok(REQUEST_TYPES.every((type) => isRequestType(type)));
  const c = new Chooser("requests");
  const outcomes = { ok: 0, error: 0 };
  for (let i = 0; i < 3000; i++) {
    const type = c.pick(REQUEST_TYPES);
    const content = c.chance(0.85) ? randomJson(c, 4 + c.int(2)) : randomJson(c);
    const decoded = decodeRequest(type, content);
    if (decoded.ok) outcomes.ok++;
    else {
      outcomes.error++;
      assert.ok(decoded.error.startsWith(`${type}: `) && decoded.error.length < 2000, decoded.error.slice(0, 300));
    }
  }
  assert.ok(outcomes.ok > 0 && outcomes.error > 0, JSON.stringify(outcomes));
});

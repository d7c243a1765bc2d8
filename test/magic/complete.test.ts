import { test } from "node:test";
import assert from "node:assert/strict";
import { completeMagic, createDefaultRegistry, inspectMagic, magicCompleteness, MagicRegistry, type NotebookNames } from "../../src/magic";

function registry(): MagicRegistry {
  const magics = createDefaultRegistry();
  magics.register({
    kind: "cell",
    name: "tune",
    summary: "tunes",
    options: [
      { name: "strategy", type: "string", choices: ["grid", "random", "bayes"], description: "strategy" },
      { name: "trials", short: "n", type: "integer", description: "trials" },
      { name: "keepBest", type: "boolean", default: true, description: "keep the best model" },
      { name: "objective", type: "string", description: "the function", takes: (value) => typeof value === "function" },
      { name: "data", type: "list", description: "the rows", takes: Array.isArray },
    ],
    run: () => undefined,
    // A body that is not TypeScript: offers the words of the line so far, reversed, from the line's start.
    completeBody: (body, cursor) => {
      const start = body.lastIndexOf("\n", cursor - 1) + 1;
      return { matches: [body.slice(start, cursor).split("").reverse().join("")], start, end: cursor };
    },
  });
  magics.register({
    kind: "line",
    name: "show",
    summary: "shows a study",
    positionals: [
      { name: "study", description: "the study", required: true, takes: (value) => value instanceof Map },
      { name: "figures", description: "figures", rest: true, choices: ["history", "importance"] },
    ],
    options: [{ name: "width", type: "integer", description: "width" }],
    run: () => undefined,
  });
  return magics;
}

/** A notebook's names: two functions, rows, a split holding rows, a "study", a number, a value whose getter throws. */
const NOTEBOOK: NotebookNames = (() => {
  const values: Record<string, unknown> = {
    build: () => 1,
    score: () => 2,
    xs: [[1]],
    split: { xTrain: [[1]], yTrain: [1], seed: 3 },
    study: new Map(),
    count: 3,
    trap: new Proxy({}, { ownKeys: () => { throw new Error("trap"); } }),
    get broken(): unknown {
      throw new Error("getter");
    },
  };
  return { names: () => Object.keys(values), lookup: (name) => values[name] };
})();

/** Completes at the `|` in `text`. */
function complete(text: string, notebook?: NotebookNames) {
  const cursor = text.indexOf("|");
  return completeMagic(text.replace("|", ""), cursor, registry(), notebook);
}

test("magic names complete after % and %% (cell magics only on the first line)", () => {
  assert.deepEqual(complete("%ti|"), { matches: ["%time", "%%time"], cursorStart: 0, cursorEnd: 3 });
  assert.deepEqual(complete("%%|"), { matches: ["%%capture", "%%time", "%%tune"], cursorStart: 0, cursorEnd: 2 });
  assert.deepEqual(complete("let a = 1\n%l|s"), { matches: ["%lsmagic"], cursorStart: 10, cursorEnd: 13 });
  assert.deepEqual(complete("let a = 1\n%t|"), { matches: ["%time"], cursorStart: 10, cursorEnd: 12 });
});

test("options, negated booleans and choices complete on a magic's argument line", () => {
  assert.deepEqual(complete("%%tune --s|"), { matches: ["--strategy"], cursorStart: 7, cursorEnd: 10 });
  assert.deepEqual(complete("%%tune --no|\nx: int(1, 2)"), { matches: ["--no-keep-best"], cursorStart: 7, cursorEnd: 11 });
  assert.deepEqual(complete("%%tune -|"), {
    matches: ["--data", "--help", "--keep-best", "--no-keep-best", "--objective", "--strategy", "--trials", "-n"],
    cursorStart: 7,
    cursorEnd: 8,
  });
  assert.deepEqual(complete("%%tune --strategy r|"), { matches: ["random"], cursorStart: 18, cursorEnd: 19 });
  assert.deepEqual(complete("%%tune --trials 3 \\\n  --strategy=|"), { matches: ["grid", "random", "bayes"], cursorStart: 33, cursorEnd: 33 });
  assert.deepEqual(complete("%%tune --trials |"), { matches: [], cursorStart: 16, cursorEnd: 16 });
});

test("an option or positional naming notebook values offers the names whose values it takes", () => {
  assert.deepEqual(complete("%%tune --objective |", NOTEBOOK), { matches: ["build", "score"], cursorStart: 19, cursorEnd: 19 });
  assert.deepEqual(complete("%%tune --objective=s|", NOTEBOOK), { matches: ["score"], cursorStart: 19, cursorEnd: 20 });
  assert.deepEqual(complete("%%tune --trials 3 \\\n  --objective |", NOTEBOOK), { matches: ["build", "score"], cursorStart: 34, cursorEnd: 34 }, "on a continuation line");
  // A list completes its last item; a dotted item the properties of the value before the dot.
  assert.deepEqual(complete("%%tune --data xs,|", NOTEBOOK), { matches: ["xs"], cursorStart: 17, cursorEnd: 17 });
  assert.deepEqual(complete("%%tune --data split.|", NOTEBOOK), { matches: ["split.xTrain", "split.yTrain"], cursorStart: 14, cursorEnd: 20 });
  assert.deepEqual(complete("%%tune --data broken.|", NOTEBOOK), { matches: [], cursorStart: 14, cursorEnd: 21 });
  assert.deepEqual(complete("%%tune --data trap.|", NOTEBOOK), { matches: [], cursorStart: 14, cursorEnd: 19 });
  // Positionals by place: the study, then figures (choices), options and their values skipped.
  assert.deepEqual(complete("%show |", NOTEBOOK), { matches: ["study"], cursorStart: 6, cursorEnd: 6 });
  assert.deepEqual(complete("%show --width 3 study h|", NOTEBOOK), { matches: ["history"], cursorStart: 22, cursorEnd: 23 });
  assert.deepEqual(complete("%show study history |", NOTEBOOK), { matches: ["history", "importance"], cursorStart: 20, cursorEnd: 20 });
  assert.deepEqual(complete("%%tune --objective |"), { matches: [], cursorStart: 19, cursorEnd: 19 }, "no notebook, no names");
  assert.deepEqual(complete("%%tune --keep-best |", NOTEBOOK), { matches: [], cursorStart: 19, cursorEnd: 19 }, "a boolean takes no value");
});

test("in the body of a cell magic that completes its own body, its completions; in code bodies, none", () => {
  assert.deepEqual(complete("%%tune --trials 3\nx: ab|"), { matches: ["ba :x"], cursorStart: 18, cursorEnd: 23 });
  assert.deepEqual(complete("%%tune --trials 3|\nx: ab"), { matches: [], cursorStart: 16, cursorEnd: 17 }, "the header is the header");
  assert.equal(complete("%%time\nconsole.|"), undefined, "%%time's body is TypeScript");
});

test("inspection on a magic shows its help, on an option the option's description; code is left to TypeScript", () => {
  const magics = registry();
  const inspect = (text: string): string | undefined => inspectMagic(text.replace("|", ""), text.indexOf("|"), magics);
  assert.match(inspect("%%tu|ne --trials 3")!, /^Usage: %%tune .*\n\ntunes/s);
  assert.match(inspect("%show| study")!, /^Usage: %show /);
  assert.equal(inspect("%%tune --str|ategy grid"), "--strategy STRATEGY (grid|random|bayes): strategy");
  assert.equal(inspect("%%tune --keep-best|"), "--keep-best: keep the best model (default: true)");
  assert.match(inspect("%%tune\nx: in|t(1, 2)")!, /^Usage: %%tune/, "a body the magic completes is its grammar");
  assert.equal(inspect("%%time\nconso|le.log(1)"), undefined);
  assert.equal(inspect("%time conso|le.log(1)"), undefined);
  assert.equal(inspect("const a = 1|"), undefined);
});

test("outside magic lines the completer steps aside for TypeScript", () => {
  assert.equal(complete("const a = b %|"), undefined);
  assert.equal(complete("%%time\nconsole.|"), undefined);
  assert.equal(complete("let x = 1\nx.|\n%time x"), undefined);
});

test("completeness: backslash continuations are incomplete, malformed magics invalid, cell magics complete", () => {
  assert.equal(magicCompleteness("%%tune --trials 3 \\"), "incomplete");
  assert.equal(magicCompleteness("%%tune --trials 3 \\\n"), "incomplete");
  assert.equal(magicCompleteness("let a = 1\n%time f(a,\\"), "incomplete");
  // A cell magic ends with a blank line, as IPython's check_complete says (a console reads its body until then).
  assert.equal(magicCompleteness("%%tune --trials 3\nunits: int(1, 4)"), "incomplete");
  assert.equal(magicCompleteness("%%tune --trials 3\nunits: int(1, 4)\n"), "incomplete");
  assert.equal(magicCompleteness("%%tune --trials 3"), "incomplete");
  assert.equal(magicCompleteness("%%tune --trials 3\nunits: int(1, 4)\n\n"), "complete");
  assert.equal(magicCompleteness("%%tune --trials 3\nunits: int(1, 4)\n  "), "complete");
  assert.equal(magicCompleteness("%% tune"), "invalid");
  assert.equal(magicCompleteness("let a = 1\n%time a"), undefined);
  assert.equal(magicCompleteness("let a = (1 +"), undefined);
});

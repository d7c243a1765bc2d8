import { test } from "node:test";
import assert from "node:assert/strict";
import { completeMagic, createDefaultRegistry, magicCompleteness, MagicRegistry } from "../../src/magic";

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
    ],
    run: () => undefined,
  });
  return magics;
}

/** Completes at the `|` in `text`. */
function complete(text: string) {
  const cursor = text.indexOf("|");
  return completeMagic(text.replace("|", ""), cursor, registry());
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
    matches: ["--help", "--keep-best", "--no-keep-best", "--strategy", "--trials", "-n"],
    cursorStart: 7,
    cursorEnd: 8,
  });
  assert.deepEqual(complete("%%tune --strategy r|"), { matches: ["random"], cursorStart: 18, cursorEnd: 19 });
  assert.deepEqual(complete("%%tune --trials 3 \\\n  --strategy=|"), { matches: ["grid", "random", "bayes"], cursorStart: 33, cursorEnd: 33 });
  assert.deepEqual(complete("%%tune --trials |"), { matches: [], cursorStart: 16, cursorEnd: 16 });
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
  assert.equal(magicCompleteness("%%tune --trials 3\nunits: int(1, 4)"), "complete");
  assert.equal(magicCompleteness("%% tune"), "invalid");
  assert.equal(magicCompleteness("let a = 1\n%time a"), undefined);
  assert.equal(magicCompleteness("let a = (1 +"), undefined);
});

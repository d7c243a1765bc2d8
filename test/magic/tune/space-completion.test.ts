import { test } from "node:test";
import assert from "node:assert/strict";
import { completeSpace } from "../../../src/magic/tune/space-completion";

/** Completes at the `|` in a %%tune body. */
function complete(body: string) {
  const cursor = body.indexOf("|");
  return completeSpace(body.replace("|", ""), cursor);
}

test("after a parameter's colon the distribution forms complete", () => {
  assert.deepEqual(complete("lr: log|"), { matches: ["loguniform"], start: 4, end: 7 });
  assert.deepEqual(complete("units: |").matches, ["choice", "fixed", "float", "hypergradient", "int", "loguniform", "uniform"]);
  assert.deepEqual(complete("lr: lo|guniform(1e-4, 1e-1)"), { matches: ["loguniform"], start: 4, end: 14 }, "the whole word is replaced");
});

test("inside int(...) and float(...) their flags complete; after a whole distribution, if and mutable", () => {
  assert.deepEqual(complete("units: int(16, 256, |").matches, ["log", "step"]);
  assert.deepEqual(complete("x: float(0, 1, l|").matches, ["log"]);
  assert.deepEqual(complete('act: choice("relu", |').matches, []);
  assert.deepEqual(complete("units: int(16, 256) |").matches, ["if", "mutable"]);
  assert.deepEqual(complete("units: int(16, 256) m|").matches, ["mutable"]);
});

test("after if, the parameters declared on the lines above", () => {
  const body = "layers: int(1, 3)\n# units: a comment\nact: choice(\"relu\", \"tanh\")\nunits2: int(4, 64) if |";
  assert.deepEqual(complete(body).matches, ["layers", "act"]);
  assert.deepEqual(complete("layers: int(1, 3)\nunits2: int(4, 64, log) if la|").matches, ["layers"]);
});

test("nothing in a parameter's name, in a comment, or after a condition's parameter", () => {
  assert.deepEqual(complete("lay|").matches, []);
  assert.deepEqual(complete("x: uniform(0, 1) # uni|").matches, []);
  assert.deepEqual(complete("x: uniform(0, 1) // uni|").matches, []);
  assert.deepEqual(complete("a: int(1, 2)\nx: uniform(0, 1) if a |").matches, []);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDistribution, parseSearchSpace } from "../../../src/magic/tune/space-grammar";
import { MagicError } from "../../../src/magic/types";

test("the issue's example space parses into the expected distributions", () => {
  const body = [
    "units:      int(16, 256, log)",
    "dropout:    uniform(0.0, 0.6)",
    "lr:         loguniform(1e-4, 1e-1)",
    'activation: choice("relu", "tanh", "elu")',
    "batchSize:  [16, 32, 64]          # a plain list is a grid axis / categorical",
  ].join("\n");
  const { space, lineOf } = parseSearchSpace(body, 3);
  assert.deepEqual(space, {
    units: { kind: "int", low: 16, high: 256, log: true, step: 1 },
    dropout: { kind: "float", low: 0, high: 0.6, log: false },
    lr: { kind: "float", low: 1e-4, high: 0.1, log: true },
    activation: { kind: "categorical", choices: ["relu", "tanh", "elu"] },
    batchSize: { kind: "categorical", choices: [16, 32, 64] },
  });
  assert.deepEqual(lineOf, { units: 3, dropout: 4, lr: 5, activation: 6, batchSize: 7 });
});

test("steps, named log, fixed values, mixed JSON choices and comments", () => {
  const body = `
// a comment line
a: float(0, 1, step=0.25)
b: int(2, 64, log=true)
c: int(0, 100, step=10)   // trailing comment
d: 42
e: "adam"
f: [true, false, null, 'single', "x#y"]
g: fixed(0.5)
`;
  const { space } = parseSearchSpace(body, 1);
  assert.deepEqual(space.a, { kind: "float", low: 0, high: 1, log: false, step: 0.25 });
  assert.deepEqual(space.b, { kind: "int", low: 2, high: 64, log: true, step: 1 });
  assert.deepEqual(space.c, { kind: "int", low: 0, high: 100, log: false, step: 10 });
  assert.deepEqual(space.d, { kind: "fixed", value: 42 });
  assert.deepEqual(space.e, { kind: "fixed", value: "adam" });
  assert.deepEqual(space.g, { kind: "fixed", value: 0.5 });
  assert.equal(space.f?.kind, "categorical");
});

function assertLineError(body: string, firstLine: number, line: number, pattern: RegExp): void {
  assert.throws(
    () => parseSearchSpace(body, firstLine),
    (error: unknown) => {
      assert.ok(error instanceof MagicError, `expected a MagicError, got ${String(error)}`);
      assert.equal(error.line, line);
      assert.match(error.message, new RegExp(`^line ${line}: `));
      assert.match(error.message, pattern);
      return true;
    },
  );
}

test("malformed lines name the line and what was expected", () => {
  assertLineError("units int(16, 256)", 2, 2, /expected "name: distribution"/);
  assertLineError("a: [1, 2]\nunits: int(16)", 5, 6, /needs low and high.*expected int\(low, high/);
  assertLineError("lr: gaussian(0, 1)", 2, 2, /unknown distribution "gaussian".*int, float/);
  assertLineError("lr: uniform(0, 1", 2, 2, /expected "," or "\)" but the line ended/);
  assertLineError("a: [1, 2]\na: [3]", 2, 3, /declared twice \(first on line 2\)/);
  assertLineError("a: choice()", 2, 2, /at least one value/);
  assertLineError("a: int(1, 10, fast)", 2, 2, /unexpected word "fast"/);
  assertLineError("a: 'open", 2, 2, /unterminated string/);
  assertLineError("a: relu", 2, 2, /"relu" is not a distribution/);
  assertLineError("a: [1, 2] extra", 2, 2, /unexpected "extra"/);
  assertLineError("   \n# only comments\n", 4, 4, /search space is empty/);
});

test("distribution rules are checked with the values in the message", () => {
  assert.throws(() => parseDistribution("int(10, 1)", 7), /line 7: .*low.*high.*10.*1/);
  assert.throws(() => parseDistribution("loguniform(0, 1)", 7), /line 7: .*(low|log).*0/);
  assert.throws(() => parseDistribution("float(0, 1, log, step=0.1)", 7), /line 7: .*(step|log)/);
  // {expression} belongs to the %%tune line: in a space line the error says so
  assert.throws(() => parseDistribution("int(4, {maxUnits})", 7), /line 7: unexpected character "\{" in "int\(4, \{maxUnits\}\)"; \{expression\} is replaced by its value on the %%tune line only/);
});

test("names every object inherits are refused as parameters with the line; __proto__ too (it would not be a key)", () => {
  for (const name of ["constructor", "toString", "hasOwnProperty", "valueOf", "__proto__"]) {
    assert.throws(
      () => parseSearchSpace(`lr: loguniform(1e-4, 1e-1)\n${name}: [1, 2]`, 2),
      (error: unknown) => error instanceof MagicError && new RegExp(`^line 3: "${name}" cannot name a parameter`).test(error.message),
      name,
    );
  }
  // A real duplicate is still reported as one, with the first line.
  assert.throws(() => parseSearchSpace("a: [1]\na: [2]", 1), /line 2: parameter "a" is declared twice \(first on line 1\)/);
});

test("hypergradient(initial, ...) marks the learning rate and parses its initial value or range", () => {
  const fixed = parseSearchSpace("units: [32, 64]\nlr: hypergradient(1e-3)", 2);
  assert.deepEqual(fixed.space.lr, { kind: "fixed", value: 1e-3 });
  assert.deepEqual(fixed.hypergradient, { name: "lr" });
  assert.equal(fixed.lineOf.lr, 3);
  const ranged = parseSearchSpace("rate: hypergradient(loguniform(1e-4, 1e-1), rule=additive, beta=1e-7)  # Adam-HD", 1);
  assert.deepEqual(ranged.space.rate, { kind: "float", low: 1e-4, high: 0.1, log: true });
  assert.deepEqual(ranged.hypergradient, { name: "rate", rule: "additive", hyperLearningRate: 1e-7 });
  assert.equal(parseSearchSpace("lr: 1e-3", 1).hypergradient, undefined);
});

test("hypergradient(): bad forms name the line and what was expected", () => {
  const fails = (body: string, line: number, message: RegExp): void => {
    assert.throws(() => parseSearchSpace(body, 1), (error: unknown) => error instanceof MagicError && error.line === line && message.test(error.message));
  };
  fails("lr: hypergradient()", 1, /needs the initial learning rate/);
  fails("a: 1\nlr: hypergradient(-1)", 2, /positive number or a float range above 0/);
  fails('lr: hypergradient(choice("a", "b"))', 1, /positive number or a float range/);
  fails("lr: hypergradient(1e-3, rule=fast)", 1, /rule must be multiplicative or additive/);
  fails("lr: hypergradient(1e-3, beta=0)", 1, /beta must be a positive number/);
  fails("lr: hypergradient(1e-3, momentum=0.9)", 1, /unexpected argument "momentum=0.9"; expected hypergradient\(initial/);
  fails("lr: hypergradient(1e-3)\nlr2: hypergradient(1e-2)", 2, /only one parameter can be hypergradient/);
  fails("lr: hypergradient(loguniform(1, 0.1))", 1, /./);
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSearchSpace, SPACE_GRAMMAR } from "../../../src/magic/tune/space-grammar";
import { MagicError } from "../../../src/magic/types";

/** The MagicError that parsing `body` (starting on line 1) throws. */
function parseError(body: string): MagicError {
  try {
    parseSearchSpace(body, 1);
  } catch (error) {
    assert.ok(error instanceof MagicError, `expected a MagicError, got ${String(error)}`);
    return error;
  }
  assert.fail(`"${body}" should not parse`);
}

test("a condition on an earlier parameter parses with every operator and with in [...]", () => {
  const body = [
    "layers: int(1, 3)",
    "units2: int(16, 256, log) if layers >= 2",
    "units3: int(16, 256, log) if layers > 2   # a comment after the condition",
    'optimizer: choice("sgd", "adam", "rmsprop")',
    'momentum: uniform(0, 0.99) if optimizer == "sgd"',
    "beta1: [0.9, 0.99] if optimizer in ['adam', \"rmsprop\"]",
    'decay: float(0, 0.1) if optimizer != "adam"',
    "small: fixed(1) if layers < 2",
    "big: 5 if layers <= 1",
    "flag: [true, false] if momentum >= 0.5",
    "off: 0 if flag == true",
  ].join("\n");
  const { space, lineOf } = parseSearchSpace(body, 1);
  assert.deepEqual(space["units2"], { kind: "int", low: 16, high: 256, log: true, step: 1, condition: { parent: "layers", operator: ">=", value: 2 } });
  assert.deepEqual(space["units3"]!.condition, { parent: "layers", operator: ">", value: 2 });
  assert.deepEqual(space["momentum"]!.condition, { parent: "optimizer", operator: "==", value: "sgd" });
  assert.deepEqual(space["beta1"], { kind: "categorical", choices: [0.9, 0.99], condition: { parent: "optimizer", operator: "in", values: ["adam", "rmsprop"] } });
  assert.deepEqual(space["decay"]!.condition, { parent: "optimizer", operator: "!=", value: "adam" });
  assert.deepEqual(space["small"], { kind: "fixed", value: 1, condition: { parent: "layers", operator: "<", value: 2 } });
  assert.deepEqual(space["big"]!.condition, { parent: "layers", operator: "<=", value: 1 });
  assert.deepEqual(space["off"]!.condition, { parent: "flag", operator: "==", value: true });
  assert.equal(space["layers"]!.condition, undefined);
  assert.equal(lineOf["beta1"], 6);
});

test("a string value containing the word if is not a condition", () => {
  const { space } = parseSearchSpace('mode: choice("a if b", "c")', 1);
  assert.deepEqual(space["mode"], { kind: "categorical", choices: ["a if b", "c"] });
});

test("errors name the line: an unknown or later parent, a bad operator, a type mismatch", () => {
  const unknown = parseError("layers: int(1, 3)\nunits2: int(16, 256) if depth >= 2");
  assert.equal(unknown.line, 2);
  assert.match(unknown.message, /"depth", which is not a parameter/);

  const later = parseError("units2: int(16, 256) if layers >= 2\nlayers: int(1, 3)");
  assert.equal(later.line, 1);
  assert.match(later.message, /declared after it/);

  const itself = parseError("layers: int(1, 3) if layers >= 2");
  assert.match(itself.message, /declared after it \(or is itself\)/);

  const operator = parseError("layers: int(1, 3)\nunits2: int(16, 256) if layers => 2");
  assert.equal(operator.line, 2);
  assert.match(operator.message, /expected a condition after "if".*==, !=, <, <=, >, >=/);

  const ordered = parseError('act: choice("relu", "tanh")\nalpha: uniform(0, 1) if act >= "relu"');
  assert.equal(ordered.line, 2);
  assert.match(ordered.message, /compares with >=, but "act" takes values that are not all numbers/);

  const foreign = parseError('act: choice("relu", "tanh")\nalpha: uniform(0, 1) if act == "elu"');
  assert.match(foreign.message, /"elu" is not a value "act" can take/);

  const numberVsString = parseError('layers: int(1, 3)\nunits2: int(16, 256) if layers == "two"');
  assert.match(numberVsString.message, /"two" is not a value "layers" can take \(numbers in \[1, 3\]\)/);

  const noList = parseError("layers: int(1, 3)\nunits2: int(16, 256) if layers in 2");
  assert.match(noList.message, /expected "\[" after "in"/);

  const emptyList = parseError("layers: int(1, 3)\nunits2: int(16, 256) if layers in []");
  assert.match(emptyList.message, /needs at least one value/);

  const noValue = parseError("layers: int(1, 3)\nunits2: int(16, 256) if layers >=");
  assert.match(noValue.message, /expected a value after "layers >="/);

  const trailing = parseError("layers: int(1, 3)\nunits2: int(16, 256) if layers >= 2 and layers < 3");
  assert.match(trailing.message, /one test per parameter/);
  const second = parseError("layers: int(1, 3)\nunits2: int(16, 256) if layers >= 2 and");
  assert.match(second.message, /unexpected "and" after the condition/);

  const hypergradient = parseError("layers: int(1, 3)\nlr: hypergradient(0.01) if layers >= 2");
  assert.match(hypergradient.message, /cannot be conditional/);
});

test("--help's grammar documents conditions", () => {
  assert.match(SPACE_GRAMMAR, /if p OP v/);
  assert.match(SPACE_GRAMMAR, /==, !=, <, <=,\s+>, >=/);
});

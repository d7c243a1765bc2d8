import { test } from "node:test";
import assert from "node:assert/strict";
import { describeKind, describeValue } from "../../src/common/describe";
import { messageOf } from "../../src/common/errors";

/** Values user code can throw or return that String() and property reads refuse. */
function hostileValues(): Record<string, unknown> {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const badMessage = new RangeError("hidden");
  Object.defineProperty(badMessage, "message", { get: () => { throw new Error("no message"); } });
  return {
    nullPrototype: Object.create(null),
    throwingToString: { toString: () => { throw new Error("no string"); } },
    badMessage,
    revoked: revoked.proxy,
    trappedPrototype: new Proxy({}, { getPrototypeOf: () => { throw new Error("no prototype"); } }),
  };
}

test("messageOf gives a message for anything thrown, and never throws", () => {
  assert.equal(messageOf(new TypeError("bad")), "bad");
  assert.equal(messageOf(null), "null");
  assert.equal(messageOf(Symbol("s")), "Symbol(s)");
  assert.equal(messageOf(7), "7");
  const hostile = hostileValues();
  assert.equal(messageOf(hostile["nullPrototype"]), "[Object: null prototype] {}");
  assert.equal(messageOf(hostile["throwingToString"]), "{ toString: [Function: toString] }");
  assert.equal(messageOf(hostile["badMessage"]), "RangeError whose message cannot be read");
  for (const [name, value] of Object.entries(hostile)) {
    const message = messageOf(value);
    assert.ok(typeof message === "string" && message.length > 0, `${name}: ${message}`);
  }
});

test("describeValue shows numbers as themselves and anything else by its kind, and never throws", () => {
  assert.equal(describeValue(Number.NaN), "NaN");
  assert.equal(describeValue(-Infinity), "-Infinity");
  assert.equal(describeValue("0.5"), 'string "0.5"');
  const hostile = hostileValues();
  assert.equal(describeValue(hostile["throwingToString"]), "an object");
  assert.equal(describeKind(hostile["trappedPrototype"]), "an object");
  for (const value of Object.values(hostile)) assert.equal(typeof describeValue(value), "string");
});

/** How values read as a cell's result: promises as Node's REPL prints them, without async-hook internals. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { toMimeBundle } from "../../src/exec/display";

test("a pending promise made under async hooks shows as Promise { <pending> }, a settled one with its value", async () => {
  const storage = new AsyncLocalStorage<{ cell: number }>();
  const [pending, settled] = storage.run({ cell: 1 }, () => [new Promise<never>(() => {}), Promise.resolve(42)] as const);
  assert.ok(Object.getOwnPropertySymbols(pending).length > 0, "the promise carries Node's async-hook symbols to hide");
  await settled;
  assert.equal(toMimeBundle(pending)["text/plain"], "Promise { <pending> }");
  assert.equal(toMimeBundle(settled)["text/plain"], "Promise { 42 }");
  assert.equal(toMimeBundle({ job: pending })["text/plain"], "{ job: Promise { <pending> } }");
  assert.equal(toMimeBundle(new Map([["a", 1]]))["text/plain"], "Map(1) { 'a' => 1 }", "no colour codes");
});

test("promises deeper in a value (arrays, objects, class instances, maps) show without async-hook internals too", async () => {
  const storage = new AsyncLocalStorage<{ cell: number }>();
  const settled = storage.run({ cell: 1 }, () => Promise.resolve(7));
  await settled;
  class Job {
    constructor(readonly done: Promise<number>) {}
  }
  assert.equal(toMimeBundle([1, { p: settled }])["text/plain"], "[ 1, { p: Promise { 7 } } ]");
  assert.equal(toMimeBundle(new Job(settled))["text/plain"], "Job { done: Promise { 7 } }");
  assert.equal(toMimeBundle(new Map([["k", { p: settled }]]))["text/plain"], "Map(1) { 'k' => { p: Promise { 7 } } }");
});

test("showing a value runs none of its code: proxies show as their target (revoked ones as such), getters as [Getter]", () => {
  const trap = (): never => {
    throw new Error("trap");
  };
  const traps = { get: trap, getPrototypeOf: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, has: trap };
  assert.equal(toMimeBundle(new Proxy({ a: 1 }, traps))["text/plain"], "{ a: 1 }");
  assert.equal(toMimeBundle(new Proxy([1, 2], traps))["text/plain"], "[ 1, 2 ]");
  assert.equal(toMimeBundle([new Proxy({}, traps)])["text/plain"], "[ {} ]");
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  assert.equal(toMimeBundle(revocable.proxy)["text/plain"], "<Revoked Proxy>");
  assert.equal(toMimeBundle({ get boom(): number { return trap(); }, ok: 1 })["text/plain"], "{ boom: [Getter], ok: 1 }");
  class Tricky extends Map<string, number> {
    override values(): never {
      return trap();
    }
  }
  assert.equal(toMimeBundle(new Tricky([["a", 1]]))["text/plain"], "Tricky(1) [Map] { 'a' => 1 }");
});

test("a value's own display code that throws (a Jupyter.display method) throws out of toMimeBundle, for the kernel to report", () => {
  assert.throws(() => toMimeBundle({ [Symbol.for("Jupyter.display")]: () => { throw new Error("display bug"); } }), /display bug/);
});

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

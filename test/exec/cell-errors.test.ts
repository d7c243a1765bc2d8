/**
 * A cell's error is reported whatever it is, through a real engine: an Error whose `stack`,
 * `message` or `name` getter throws, and thrown values `String` refuses, give an error outcome with
 * a readable message instead of failing the run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { RunOutcome } from "../../src/exec/engine";
import { newEngine } from "./engine-helpers";

function failure(outcome: RunOutcome): { ename: string; evalue: string; traceback: string[] } {
  assert.equal(outcome.status, "error", JSON.stringify(outcome));
  return outcome as unknown as { ename: string; evalue: string; traceback: string[] };
}

test("an Error whose stack, message or name cannot be read, and values String refuses, are reported as the cell's error", async () => {
  const engine = newEngine("typescript");
  const stackThrows = failure(await engine.run('const e1 = new RangeError("boom"); Object.defineProperty(e1, "stack", { get() { throw 1; } }); throw e1;'));
  assert.deepEqual([stackThrows.ename, stackThrows.evalue, stackThrows.traceback[0]], ["RangeError", "boom", "RangeError: boom"]);
  const messageThrows = failure(await engine.run('const e2 = new Error("x"); Object.defineProperty(e2, "message", { get() { throw 2; } }); throw e2;'));
  assert.equal(messageThrows.ename, "Error");
  assert.match(messageThrows.evalue, /message cannot be read/);
  const nameThrows = failure(await engine.run('const e3 = new Error("named"); Object.defineProperty(e3, "name", { get() { throw 3; } }); throw e3;'));
  assert.deepEqual([nameThrows.ename, nameThrows.evalue], ["Error", "named"]);
  const nullProto = failure(await engine.run("throw Object.create(null);"));
  assert.equal(nullProto.ename, "Uncaught");
  assert.ok(nullProto.evalue.length > 0);
  const hostile = failure(await engine.run('throw { toString() { throw new Error("no"); }, [Symbol.for("nodejs.util.inspect.custom")]() { throw new Error("no"); } };'));
  assert.equal(hostile.ename, "Uncaught");
  assert.ok(hostile.evalue.length > 0);
  assert.equal((await engine.run("1 + 1")).status, "ok", "the engine goes on");
});

test("require of a package neither the notebook's folder nor tunelab has fails with the notebook's error, not the kernel's module chain", async () => {
  const engine = newEngine("typescript");
  const missing = failure(await engine.run('require("no-such-package-anywhere")'));
  assert.match(missing.evalue, /^Cannot find module 'no-such-package-anywhere'\nRequire stack:\n- .*cell\.js$/);
  assert.doesNotMatch(missing.evalue, /dist\/src|engine\.js|kernel/);
  assert.equal((await engine.run('typeof require("seedrandom")')).status, "ok", "a package tunelab ships still loads from its copy");
});

/** Shared by the exec tests: real engines (the cell compiler), closed after the file's tests. */
import { after } from "node:test";
import assert from "node:assert/strict";
import { Engine, type Language, type RunOutcome } from "../../src/exec/engine";

const engines: Engine[] = [];
after(() => {
  for (const engine of engines) engine.close();
});

/** A fresh engine for `language`, closed when the test file ends. */
export function newEngine(language: Language): Engine {
  const engine = new Engine(language);
  engines.push(engine);
  return engine;
}

/** The value of a cell that must have succeeded. */
export function valueOf(outcome: RunOutcome): unknown {
  assert.equal(outcome.status, "ok", JSON.stringify(outcome));
  return (outcome as { value: unknown }).value;
}

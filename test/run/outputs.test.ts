/** iopub messages → nbformat outputs, on their own (the end-to-end tests cover them through the kernel). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createMessage, type Content, type Message } from "../../src/kernel/messages";
import { CellOutputs, DisplayRegistry } from "../../src/run/outputs";
import type { Output } from "../../src/run/notebook";

function message(type: string, content: Content): Message {
  return createMessage(type, "session", content);
}

function cell(displays = new DisplayRegistry()): { outputs: Output[]; collect: CellOutputs } {
  const outputs: Output[] = [];
  return { outputs, collect: new CellOutputs(outputs, displays) };
}

describe("CellOutputs", () => {
  test("merges consecutive streams of the same name only", () => {
    const { outputs, collect } = cell();
    for (const [name, text] of [["stdout", "a"], ["stdout", "b\n"], ["stderr", "e"], ["stdout", "c"]] as const) collect.apply(message("stream", { name, text }));
    assert.deepEqual(outputs, [
      { output_type: "stream", name: "stdout", text: "ab\n" },
      { output_type: "stream", name: "stderr", text: "e" },
      { output_type: "stream", name: "stdout", text: "c" },
    ]);
  });

  test("clear_output clears at once, or before the next output when wait is true", () => {
    const { outputs, collect } = cell();
    collect.apply(message("stream", { name: "stdout", text: "old" }));
    collect.apply(message("clear_output", { wait: false }));
    assert.deepEqual(outputs, []);
    collect.apply(message("stream", { name: "stdout", text: "kept until the next output" }));
    collect.apply(message("clear_output", { wait: true }));
    assert.equal(outputs.length, 1);
    collect.apply(message("display_data", { data: { "text/plain": "new" }, metadata: {} }));
    assert.deepEqual(outputs, [{ output_type: "display_data", data: { "text/plain": "new" }, metadata: {} }]);
  });

  test("update_display_data rewrites every output with that display id, in any cell, but not cleared ones", () => {
    const displays = new DisplayRegistry();
    const first = cell(displays);
    const second = cell(displays);
    const shown = (collect: CellOutputs, text: string) =>
      collect.apply(message("display_data", { data: { "text/plain": text }, metadata: {}, transient: { display_id: "p" } }));
    shown(first.collect, "one");
    shown(second.collect, "two");
    second.collect.apply(message("execute_result", { data: { "text/plain": "3" }, metadata: {}, execution_count: 3 }));
    second.collect.apply(message("update_display_data", { data: { "text/plain": "updated" }, metadata: { m: 1 }, transient: { display_id: "p" } }));
    assert.deepEqual(first.outputs, [{ output_type: "display_data", data: { "text/plain": "updated" }, metadata: { m: 1 } }]);
    assert.deepEqual(second.outputs[0], { output_type: "display_data", data: { "text/plain": "updated" }, metadata: { m: 1 } });
    assert.deepEqual(second.outputs[1], { output_type: "execute_result", execution_count: 3, data: { "text/plain": "3" }, metadata: {} });

    const cleared = first.outputs[0];
    first.collect.apply(message("clear_output", { wait: false }));
    second.collect.apply(message("update_display_data", { data: { "text/plain": "again" }, metadata: {}, transient: { display_id: "p" } }));
    assert.deepEqual(cleared, { output_type: "display_data", data: { "text/plain": "updated" }, metadata: { m: 1 } }, "a cleared output is no longer updated");
    assert.deepEqual(second.outputs[0], { output_type: "display_data", data: { "text/plain": "again" }, metadata: {} });
  });

  test("records errors and the idle status; a runner error does not replace the kernel's", () => {
    const { outputs, collect } = cell();
    assert.equal(collect.idle, false);
    collect.apply(message("error", { ename: "Interrupted", evalue: "stop", traceback: ["Interrupted: stop"] }));
    collect.addRunnerError("CellTimeoutError", "too slow");
    collect.apply(message("status", { execution_state: "idle" }));
    assert.equal(collect.idle, true);
    assert.equal(collect.error?.ename, "Interrupted");
    assert.deepEqual(
      outputs.map((o) => (o.output_type === "error" ? o.ename : o.output_type)),
      ["Interrupted", "CellTimeoutError"],
    );
  });
});

/** Typed request decoding: defaults as ipykernel applies them, and clear errors for malformed content. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeRequest, invalidRequestReply, isRequestType, type Decoded } from "../../src/kernel/requests";

function ok<T>(decoded: Decoded<T>): T {
  assert.ok(decoded.ok, decoded.ok ? "" : decoded.error);
  return decoded.request;
}

function error<T>(decoded: Decoded<T>): string {
  assert.ok(!decoded.ok, `expected an error, decoded ${JSON.stringify(decoded)}`);
  return decoded.error;
}

test("execute_request: defaults, silent forces store_history off, user expressions", () => {
  assert.deepEqual(ok(decodeRequest("execute_request", { code: "1" })), {
    code: "1",
    silent: false,
    storeHistory: true,
    userExpressions: {},
    allowStdin: false,
    stopOnError: true,
  });
  const silent = ok(decodeRequest("execute_request", { code: "", silent: true, store_history: true, user_expressions: { a: "x" }, allow_stdin: true, stop_on_error: false }));
  assert.equal(silent.storeHistory, false);
  assert.deepEqual(silent.userExpressions, { a: "x" });
  assert.equal(silent.allowStdin, true);
  assert.equal(silent.stopOnError, false);
  assert.deepEqual(ok(decodeRequest("execute_request", { code: "", user_expressions: null })).userExpressions, {}, "null is absent");
});

test("malformed content is an error naming the field, what it must be and the spec section", () => {
  assert.match(error(decodeRequest("execute_request", {})), /^execute_request: "code" must be a string, got undefined \(see https:\/\/jupyter-client\.readthedocs\.io\/en\/latest\/messaging\.html#execute\)$/);
  assert.match(error(decodeRequest("execute_request", { code: 5 })), /"code" must be a string, got number 5/);
  assert.match(error(decodeRequest("execute_request", { code: "", silent: "yes" })), /"silent" must be true or false, got string "yes"/);
  assert.match(error(decodeRequest("execute_request", { code: "", user_expressions: { x: 1 } })), /"user_expressions\.x" must be a string, got number 1/);
  assert.match(error(decodeRequest("execute_request", { code: "", user_expressions: [] })), /"user_expressions" must be an object, got an array of 0/);
  assert.match(error(decodeRequest("complete_request", { code: "a", cursor_pos: -1 })), /"cursor_pos" must be 0 or more, got -1 \(see .*#completion\)/);
  assert.match(error(decodeRequest("inspect_request", { code: "a", cursor_pos: 1.5 })), /"cursor_pos" must be an integer/);
  assert.match(error(decodeRequest("shutdown_request", { restart: "true" })), /"restart" must be true or false.*#kernel-shutdown/);
  assert.match(error(decodeRequest("comm_open", { target_name: "t" })), /"comm_id" must be a string.*#opening-a-comm/);
  assert.match(error(decodeRequest("input_reply", { value: 3 })), /"value" must be a string/);
  assert.match(error(decodeRequest("kernel_info_request", [])), /^kernel_info_request: the content must be a JSON object, got an array of 0$/);
  assert.match(error(decodeRequest("is_complete_request", null)), /got null/);
});

test("completion and inspection: the cursor defaults to the end of the code, in code points", () => {
  assert.deepEqual(ok(decodeRequest("complete_request", { code: "a😀b" })), { code: "a😀b", cursorPos: 3 });
  assert.deepEqual(ok(decodeRequest("inspect_request", { code: "ab", cursor_pos: 1, detail_level: 1 })), { code: "ab", cursorPos: 1, detailLevel: 1 });
  assert.equal(ok(decodeRequest("inspect_request", { code: "ab", cursor_pos: null })).cursorPos, 2);
});

test("history_request: tail, range and search with ipykernel's defaults", () => {
  assert.deepEqual(ok(decodeRequest("history_request", { hist_access_type: "tail" })), { kind: "tail", n: 10, output: false });
  assert.deepEqual(ok(decodeRequest("history_request", { hist_access_type: "range", output: true })), { kind: "range", session: 0, start: 1, stop: undefined, output: true });
  assert.deepEqual(ok(decodeRequest("history_request", { hist_access_type: "search", unique: true })), { kind: "search", pattern: "*", n: undefined, unique: true, output: false });
  assert.match(error(decodeRequest("history_request", { hist_access_type: "tail", n: "5" })), /"n" must be an integer/);
  assert.match(error(decodeRequest("history_request", {})), /hist_access_type must be "tail", "range" or "search", got undefined/);
});

test("the other messages: comm_info, shutdown, interrupt, input_reply, comms", () => {
  assert.deepEqual(ok(decodeRequest("comm_info_request", {})), { targetName: undefined });
  assert.deepEqual(ok(decodeRequest("shutdown_request", {})), { restart: false });
  assert.deepEqual(ok(decodeRequest("interrupt_request", {})), {});
  assert.deepEqual(ok(decodeRequest("input_reply", { value: "Ada" })), { value: "Ada" });
  assert.deepEqual(ok(decodeRequest("comm_close", { comm_id: "c" })), { commId: "c", data: {} });
  assert.deepEqual(ok(decodeRequest("comm_msg", { comm_id: "c", data: { a: 1 } })), { commId: "c", data: { a: 1 } });
});

test("only own message types are known, and the error reply says what was wrong", () => {
  assert.ok(isRequestType("execute_request"));
  assert.ok(!isRequestType("constructor"), "inherited names are not message types");
  assert.ok(!isRequestType("execute_reply"));
  assert.deepEqual(invalidRequestReply("bad"), { status: "error", ename: "InvalidRequest", evalue: "bad", traceback: ["InvalidRequest: bad"] });
});

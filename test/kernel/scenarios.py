"""End-to-end scenarios for the tunelab kernel through a real jupyter_client.

Usage: /usr/bin/python3 scenarios.py NAME [NAME ...]   (JUPYTER_DATA_DIR must hold the kernelspec)
Prints one JSON line per scenario: {"name", "ok", "error", "seconds"}. The node:test files run this.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from queue import Empty

import zmq
from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session
from jupyter_client.utils import run_sync

TIMEOUT = 30


class Kernel:
    """A kernel started with KernelManager plus helpers that collect messages by parent."""

    def __init__(self, name="tunelab"):
        self.km, self.kc = start_new_kernel(kernel_name=name, startup_timeout=60)
        self.iopub = {}  # parent msg_id -> [messages]

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    def _pump_iopub(self, timeout):
        msg = self.kc.get_iopub_msg(timeout=timeout)
        self.iopub.setdefault(msg["parent_header"].get("msg_id"), []).append(msg)
        return msg

    def reply(self, msg_id, timeout=TIMEOUT, channel="shell"):
        get = self.kc.get_shell_msg if channel == "shell" else run_sync(self.kc.control_channel.get_msg)
        deadline = time.time() + timeout
        while True:
            msg = get(timeout=max(0.01, deadline - time.time()))
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg

    def outputs(self, msg_id, timeout=TIMEOUT):
        """All iopub messages of `msg_id` up to its idle status."""
        deadline = time.time() + timeout
        while True:
            msgs = self.iopub.get(msg_id, [])
            if any(m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" for m in msgs):
                return msgs
            self._pump_iopub(max(0.01, deadline - time.time()))

    def drain(self, seconds):
        """Reads iopub for `seconds` (late output)."""
        end = time.time() + seconds
        while time.time() < end:
            try:
                self._pump_iopub(max(0.01, end - time.time()))
            except Empty:
                pass

    def execute(self, code, timeout=TIMEOUT, **kw):
        msg_id = self.kc.execute(code, **kw)
        reply = self.reply(msg_id, timeout)
        return reply["content"], self.outputs(msg_id, timeout), msg_id

    def value(self, code):
        content, outputs, _ = self.execute(code)
        check(content["status"] == "ok", f"{code!r} failed: {content}")
        results = [m for m in outputs if m["msg_type"] == "execute_result"]
        check(len(results) == 1, f"{code!r}: expected one execute_result, got {types(outputs)}")
        return results[0]["content"]["data"]["text/plain"]


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def types(msgs):
    return [m["msg_type"] for m in msgs]


def streams(msgs, name="stdout"):
    return "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream" and m["content"]["name"] == name)


SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


# ---- execution basics ---------------------------------------------------------------------

@scenario
def message_sequence(k):
    content, outputs, _ = k.execute("const answer: number = 6 * 7;\nanswer")
    check(content["status"] == "ok" and isinstance(content["execution_count"], int), content)
    check(types(outputs) == ["status", "execute_input", "execute_result", "status"], types(outputs))
    check(outputs[0]["content"]["execution_state"] == "busy", outputs[0])
    check(outputs[2]["content"]["data"]["text/plain"] == "42", outputs[2])
    check("\x1b[" not in outputs[2]["content"]["data"]["text/plain"], "ANSI colour in text/plain")
    check(k.value("answer + 1") == "43", "declarations are not carried to the next cell")


@scenario
def user_expressions(k):
    content, _, _ = k.execute("const ue = 20", user_expressions={"doubled": "ue * 2", "broken": "ue.nope()"})
    check(content["user_expressions"]["doubled"] == {"status": "ok", "data": {"text/plain": "40"}, "metadata": {}}, content)
    check(content["user_expressions"]["broken"]["status"] == "error", content)


@scenario
def type_error_has_line_and_column(k):
    content, outputs, _ = k.execute("const ok = 1;\nconst s: string = 5;")
    check(content["status"] == "error", content)
    errors = [m for m in outputs if m["msg_type"] == "error"]
    check(len(errors) == 1, types(outputs))
    check("2:7" in errors[0]["content"]["evalue"] and "not assignable" in errors[0]["content"]["evalue"], errors[0]["content"])
    check(content["ename"] == errors[0]["content"]["ename"] and content["traceback"], content)


@scenario
def runtime_error_fields(k):
    content, outputs, _ = k.execute("function fail(): never { throw new RangeError('out of range'); }\nfail()")
    check(content["status"] == "error" and content["ename"] == "RangeError" and content["evalue"] == "out of range", content)
    check(any("fail" in line for line in content["traceback"]), content["traceback"])


@scenario
def output_bursts_arrive_whole_and_in_order(k):
    content, outputs, _ = k.execute("for (let i = 0; i < 20000; i++) console.log(i);\nconsole.error('done');\n'result'")
    check(content["status"] == "ok", content)
    lines = streams(outputs).splitlines()
    check(lines == [str(i) for i in range(20000)], f"got {len(lines)} lines")
    check(streams(outputs, "stderr") == "done\n", streams(outputs, "stderr"))
    kinds = types(outputs)
    check(len(kinds) < 20, f"output was not coalesced: {len(kinds)} messages")
    check(kinds.index("execute_result") > max(i for i, t in enumerate(kinds) if t == "stream"), kinds)


@scenario
def stray_errors_do_not_end_the_kernel(k):
    _, _, first = k.execute("setTimeout(() => { throw new Error('thrown later'); }, 50); Promise.reject(new Error('never caught')); 'started'")
    time.sleep(0.5)
    check(k.value("'still here'") == "'still here'", "the kernel died on a stray error")
    k.drain(0.2)
    errors = streams(k.iopub.get(first, []), "stderr")
    check("thrown later" in errors and "never caught" in errors, f"stray errors not shown on the cell's stderr: {errors!r}")


@scenario
def process_exit_does_not_end_the_kernel(k):
    k.execute("const keptBeforeExit = 41;")
    content, outputs, _ = k.execute("process.exit(3)")
    check(content["status"] == "error" and content["ename"] == "ProcessExitError" and "process.exit(3)" in content["evalue"], content)
    _, _, later = k.execute("setTimeout(() => process.exit(), 20); 'timer set'")
    time.sleep(0.4)
    check(k.value("keptBeforeExit + 1") == "42", "the kernel lost its state or died after process.exit")
    k.drain(0.2)
    check("ProcessExitError" in streams(k.iopub.get(later, []), "stderr"), "process.exit from a timer not shown on its cell's stderr")


@scenario
def top_level_await_and_rich_values(k):
    check(k.value("await new Promise<number>((r) => setTimeout(() => r(5), 20))") == "5", "top-level await")
    content, outputs, _ = k.execute("({ [Symbol.for('Jupyter.display')]() { return { 'text/html': '<i>me</i>' }; } })")
    result = [m for m in outputs if m["msg_type"] == "execute_result"][0]["content"]["data"]
    check(result.get("text/html") == "<i>me</i>" and "text/plain" in result, result)


@scenario
def display_update_and_clear(k):
    code = (
        "display({ 'text/plain': 'first' }, { displayId: 'progress' });\n"
        "updateDisplay('progress', { 'text/plain': 'second' });\n"
        "import * as tslab from 'tslab';\n"
        "tslab.display.html('<p>tslab</p>');\n"
        "const d = tslab.newDisplay(); d.text('a'); d.text('b');\n"
        "import { show } from 'tunelab';\n"
        "const h = show({ answer: 42 }); h.update('done');\n"
        "clearOutput(true);"
    )
    content, outputs, _ = k.execute(code)
    check(content["status"] == "ok", content)
    kinds = [m for m in outputs if m["msg_type"] in ("display_data", "update_display_data", "clear_output")]
    summary = [(m["msg_type"], m["content"].get("transient", {}).get("display_id"), m["content"].get("data")) for m in kinds]
    check(summary[0] == ("display_data", "progress", {"text/plain": "first"}), summary)
    check(summary[1] == ("update_display_data", "progress", {"text/plain": "second"}), summary)
    check(summary[2][0] == "display_data" and summary[2][2] == {"text/html": "<p>tslab</p>"}, summary)
    check(summary[3][0] == "display_data" and summary[4][0] == "update_display_data" and summary[3][1] == summary[4][1], summary)
    check(summary[5][0] == "display_data" and "42" in summary[5][2]["text/plain"], summary)
    check(summary[6][0] == "update_display_data" and summary[6][1] == summary[5][1], summary)
    check(kinds[-1]["msg_type"] == "clear_output" and kinds[-1]["content"]["wait"] is True, summary)


@scenario
def output_goes_to_the_cell_that_printed(k):
    _, _, first = k.execute("setTimeout(() => console.log('late from first'), 400); 'started'")
    content, outputs, second = k.execute("await new Promise((r) => setTimeout(r, 800)); console.log('from second')")
    check(content["status"] == "ok", content)
    check("late from first" not in streams(outputs), f"late output landed in the second cell: {streams(outputs)!r}")
    check(streams(outputs) == "from second\n", streams(outputs))
    k.drain(0.2)
    check("late from first\n" in streams(k.iopub.get(first, [])), f"late output not attributed to its cell: {types(k.iopub.get(first, []))}")
    content, outputs, _ = k.execute("process.stdout.write('raw write\\n'); console.error('to stderr')")
    check(streams(outputs) == "raw write\n" and streams(outputs, "stderr") == "to stderr\n", outputs)


# ---- interrupts -----------------------------------------------------------------------------

INTERRUPT_CASES = {
    "blocking loop": "while (true) {}",
    "pending await": "await new Promise(() => {})",
    "busy loop after await": "await new Promise((r) => setTimeout(r, 20)); for (;;) {}",
    "busy loop in a timer callback": "setTimeout(() => { while (true) {} }, 0); await new Promise((r) => setTimeout(r, 100000))",
    "await loop that never yields": "let spins = 0; while (true) { spins++; await null; }",
}


def interrupt_case(k, code, how):
    k.execute("globalThis.kept = (globalThis.kept ?? 0) + 1; const survivor = 'alive'")
    msg_id = k.kc.execute(code)
    time.sleep(0.4)
    start = time.time()
    if how == "message":
        k.km.interrupt_kernel()  # interrupt_mode "message": interrupt_request on control
    elif how == "control":
        request = k.kc.session.msg("interrupt_request", {})
        k.kc.control_channel.send(request)
        reply = k.reply(request["header"]["msg_id"], channel="control")
        check(reply["content"]["status"] == "ok", reply)
    else:
        k.km.signal_kernel(signal.SIGINT)
    reply = k.reply(msg_id, timeout=5)
    elapsed = time.time() - start
    check(reply["content"]["status"] == "error" and reply["content"]["ename"] == "Interrupted", reply["content"])
    check(elapsed < 1.0, f"{code!r} stopped after {elapsed:.2f}s (limit 1 s)")
    errors = [m for m in k.outputs(msg_id) if m["msg_type"] == "error"]
    check(len(errors) == 1 and errors[0]["content"]["ename"] == "Interrupted", types(k.outputs(msg_id)))
    start = time.time()
    check(k.value("survivor") == "'alive'", "globals lost after interrupt")
    check(time.time() - start < 1.0, "the next cell did not run at once")


def make_interrupt_scenario(how):
    def run(k):
        for label, code in INTERRUPT_CASES.items():
            if how == "signal" and label == "await loop that never yields":
                # Known limit: an external SIGINT landing between two awaits of a loop that never
                # yields to the event loop waits for a JavaScript handler that cannot run. The
                # kernelspec uses interrupt_mode "message", where this case is covered.
                continue
            try:
                interrupt_case(k, code, how)
            except Exception as e:
                raise AssertionError(f"{label}: {e}") from e
    run.__name__ = f"interrupt_by_{how}"
    return scenario(run)


for _how in ("message", "control", "signal"):
    make_interrupt_scenario(_how)


@scenario
def interrupted_work_does_not_print_into_later_cells(k):
    msg_id = k.kc.execute("setInterval(() => console.log('leak'), 30); let i = 0; while (true) { i++; await null; }")
    time.sleep(0.3)
    k.km.interrupt_kernel()
    reply = k.reply(msg_id, timeout=5)
    check(reply["content"]["ename"] == "Interrupted", reply["content"])
    k.drain(0.1)
    before = len(k.iopub.get(msg_id, []))
    content, outputs, _ = k.execute("await new Promise((r) => setTimeout(r, 300)); 'next'")
    check("leak" not in streams(outputs), f"interrupted cell printed into the next one: {streams(outputs)!r}")
    k.drain(0.2)
    late = [m for m in k.iopub.get(msg_id, [])[before:] if m["msg_type"] == "stream"]
    check(not late, f"interrupted cell kept printing: {late[:2]}")


@scenario
def cooperative_interrupt_of_a_magic(k):
    content, _, _ = k.execute(
        "import { registerMagic } from 'tunelab';\n"
        "registerMagic({ kind: 'line', name: 'patient', summary: 'stops by itself after an interrupt',\n"
        "  async run(_args, ctx) {\n"
        "    ctx.interruptCooperatively();\n"
        "    while (!ctx.signal.aborted) await new Promise((r) => setTimeout(r, 10));\n"
        "    await new Promise((r) => setTimeout(r, 500));\n"
        "    ctx.stdout('finished its bookkeeping\\n');\n"
        "    return 'partial result';\n"
        "  } });\n"
        "registerMagic({ kind: 'line', name: 'stubborn', summary: 'ignores the signal',\n"
        "  async run() { await new Promise(() => {}); } });"
    )
    check(content["status"] == "ok", content)
    msg_id = k.kc.execute("%patient")
    time.sleep(0.3)
    start = time.time()
    k.km.interrupt_kernel()
    reply = k.reply(msg_id, timeout=15)
    elapsed = time.time() - start
    check(reply["content"]["status"] == "ok", f"a cooperative magic finishes normally: {reply['content']}")
    check(0.45 <= elapsed < 5, f"the kernel waited {elapsed:.2f}s (expected the magic's 0.5 s, not the 150 ms grace)")
    outputs = k.outputs(msg_id)
    check("finished its bookkeeping" in streams(outputs), types(outputs))
    check(any(m["msg_type"] == "execute_result" and m["content"]["data"]["text/plain"] == "'partial result'" for m in outputs), types(outputs))
    msg_id = k.kc.execute("%stubborn")
    time.sleep(0.3)
    start = time.time()
    k.km.interrupt_kernel()
    reply = k.reply(msg_id, timeout=5)
    check(reply["content"]["ename"] == "Interrupted" and time.time() - start < 1.0, reply["content"])


# ---- queue semantics ------------------------------------------------------------------------

def queued(k, cells):
    ids = [k.kc.execute(code, stop_on_error=stop) for code, stop in cells]
    return [k.reply(i)["content"] for i in ids]


@scenario
def stop_on_error_aborts_queued_cells(k):
    replies = queued(k, [("await new Promise((r) => setTimeout(r, 200)); throw new Error('x')", True), ("1", True), ("2", True)])
    check([r["status"] for r in replies] == ["error", "aborted", "aborted"], replies)
    check(k.value("3") == "3", "the kernel does not run cells after the aborted queue")


@scenario
def stop_on_error_false_keeps_running(k):
    replies = queued(k, [("await new Promise((r) => setTimeout(r, 200)); throw new Error('x')", False), ("1", True), ("2", True)])
    check([r["status"] for r in replies] == ["error", "ok", "ok"], replies)
    replies = queued(k, [("await new Promise((r) => setTimeout(r, 200)); throw new Error('x')", True), ("'runs'", False), ("2", True)])
    check([r["status"] for r in replies] == ["error", "ok", "aborted"], replies)


# ---- history, comms, stdin, kernel info -------------------------------------------------------

@scenario
def history_tail_range_search(k):
    k.execute("const h1 = 'alpha'")
    k.execute("h1 + '!'")
    k.execute("h1 + '!'")
    msg_id = k.kc.history(hist_access_type="tail", n=3, output=True, raw=True)
    rows = k.reply(msg_id)["content"]["history"]
    check([r[2][0] for r in rows] == ["const h1 = 'alpha'", "h1 + '!'", "h1 + '!'"], rows)
    check(rows[1][2][1] == "'alpha!'", rows)
    session, start = rows[0][0], rows[0][1]
    msg_id = k.kc.history(hist_access_type="range", session=session, start=start, stop=start + 2, output=False, raw=True)
    rows = k.reply(msg_id)["content"]["history"]
    check([r[1] for r in rows] == [start, start + 1], rows)
    msg_id = k.kc.history(hist_access_type="search", pattern="h1 +*", output=False, raw=True)
    check(len(k.reply(msg_id)["content"]["history"]) >= 2, "search")
    msg_id = k.kc.history(hist_access_type="search", pattern="h1 +*", unique=True, output=False, raw=True)
    check(len(k.reply(msg_id)["content"]["history"]) == 1, "unique search")


@scenario
def comms(k):
    request = k.kc.session.msg("comm_info_request", {})
    k.kc.shell_channel.send(request)
    reply = k.reply(request["header"]["msg_id"])
    check(reply["msg_type"] == "comm_info_reply" and reply["content"] == {"status": "ok", "comms": {}}, reply)
    comm_id = uuid.uuid4().hex
    opened = k.kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "no.such.target", "data": {}})
    k.kc.shell_channel.send(opened)
    msgs = k.outputs(opened["header"]["msg_id"])
    closes = [m for m in msgs if m["msg_type"] == "comm_close"]
    check(len(closes) == 1 and closes[0]["content"]["comm_id"] == comm_id, types(msgs))


@scenario
def stdin_input(k):
    msg_id = k.kc.execute("const who = await input('Name? '); `hello ${who}`", allow_stdin=True)
    request = k.kc.get_stdin_msg(timeout=TIMEOUT)
    check(request["msg_type"] == "input_request" and request["content"]["prompt"] == "Name? ", request)
    k.kc.input("Ada")
    reply = k.reply(msg_id)
    check(reply["content"]["status"] == "ok", reply["content"])
    result = [m for m in k.outputs(msg_id) if m["msg_type"] == "execute_result"]
    check(result and result[0]["content"]["data"]["text/plain"] == "'hello Ada'", types(k.outputs(msg_id)))
    content, _, _ = k.execute("await prompt('x')", allow_stdin=False)
    check(content["status"] == "error" and "allow_stdin" in content["evalue"], content)


@scenario
def kernel_info_fields(k):
    msg_id = k.kc.kernel_info()
    content = k.reply(msg_id)["content"]
    info = content["language_info"]
    check(content["implementation"] == "tunelab" and content["protocol_version"] == "5.3", content)
    check(info["name"] == "typescript" and info["mimetype"] == "text/typescript" and info["file_extension"] == ".ts", info)
    check(info["pygments_lexer"] == "typescript" and info["codemirror_mode"]["typescript"] is True, info)
    check(len(content["help_links"]) >= 1 and content["banner"], content)
    request = k.kc.session.msg("kernel_info_request", {})
    k.kc.control_channel.send(request)
    check(k.reply(request["header"]["msg_id"], channel="control")["content"]["implementation"] == "tunelab", "control kernel_info")


@scenario
def completion_and_inspection_in_magic_cells(k):
    k.execute("const tunedModel = { fit: (n: number) => n };")
    code = "%time 1 + 1\ntunedModel.fi"
    msg_id = k.kc.complete(code, len(code))
    content = k.reply(msg_id)["content"]
    check(content["matches"] == ["fit"] and content["cursor_start"] == len(code) - 2, content)
    msg_id = k.kc.complete("%ti", 3)
    check("%time" in k.reply(msg_id)["content"]["matches"], "magic name completion")
    code = "%time 1\nMath.max(1, 2)"
    msg_id = k.kc.inspect(code, len(code) - 8)
    content = k.reply(msg_id)["content"]
    check(content["found"] and "max" in content["data"]["text/plain"], content)
    msg_id = k.kc.is_complete("let = ;")
    check(k.reply(msg_id)["content"]["status"] == "invalid", "let = ; must be invalid")


@scenario
def magics(k):
    content, outputs, _ = k.execute("%time 6 * 7")
    check(content["status"] == "ok", content)
    check(any(m["msg_type"] == "execute_result" and m["content"]["data"]["text/plain"] == "42" for m in outputs), types(outputs))
    check("Wall" in streams(outputs) or "wall" in streams(outputs), streams(outputs))
    content, outputs, _ = k.execute("%%time\nconst timed = 2;\ntimed * 5")
    check(content["status"] == "ok", content)
    content, outputs, _ = k.execute("%nosuchmagic")
    check(content["status"] == "error" and content["ename"] == "MagicError" and "time" in content["evalue"], content)
    content, outputs, _ = k.execute("%%capture captured\nconsole.log('hidden')")
    check(content["status"] == "ok" and "hidden" not in streams(outputs), (content, streams(outputs)))
    check("hidden" in k.value("captured.stdout"), "capture kept the output")
    content, _, _ = k.execute("const whoNumber = 3;\nfunction whoFunction(a: number) { return a; }")
    check(content["status"] == "ok", content)
    content, outputs, _ = k.execute("%who")
    names = streams(outputs).split()
    check(content["status"] == "ok" and {"whoNumber", "whoFunction", "captured", "timed"} <= set(names), streams(outputs))
    content, outputs, _ = k.execute("%whos function")
    listed = streams(outputs)
    check("whoFunction" in listed and "whoFunction(a)" in listed and "whoNumber" not in listed, listed)
    content, _, _ = k.execute("Math.max?")
    check(content["status"] == "ok" and content["payload"][0]["source"] == "page", content)
    check("max" in content["payload"][0]["data"]["text/plain"], content["payload"])


@scenario
def tune_magic_through_the_kernel(k):
    content, _, _ = k.execute("function objective(p: { x: number }) { return (p.x - 2) ** 2; }")
    check(content["status"] == "ok", content)
    content, outputs, _ = k.execute("%%tune --objective objective --direction minimize --strategy random --trials 6 --seed 3 --out study\nx: uniform(-5, 5)")
    check(content["status"] == "ok", content)
    check(any(m["msg_type"] == "display_data" for m in outputs) and any(m["msg_type"] == "update_display_data" for m in outputs), types(outputs))
    check(k.value("study.trials.length") == "6", "six trials bound to study")
    check(k.value("study.bestValue < 9") == "true", "best value of a quadratic over [-5, 5]")


# ---- wire security --------------------------------------------------------------------------

@scenario
def bad_messages_are_dropped(k):
    info = k.km.get_connection_info()
    session = Session(key=info["key"], signature_scheme=info["signature_scheme"])
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")
    k.execute("globalThis.hits = 0")
    bump = {"code": "globalThis.hits++", "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}

    def frames_of(msg):
        return session.serialize(msg)

    good = frames_of(session.msg("execute_request", bump))
    bad_sig = list(good)
    bad_sig[1] = b"0" * 64
    sock.send_multipart(bad_sig)  # wrong signature
    unsigned = list(good)
    unsigned[1] = b""
    sock.send_multipart(unsigned)  # no signature
    sock.send_multipart(good)  # valid: runs once
    sock.send_multipart(good)  # replayed: must not run again
    sock.send_multipart([b"<IDS|MSG>", good[1]])  # truncated
    sock.send_multipart([b"no delimiter", b"x"])
    garbage = [b"{not json", b"{}", b"{}", b"{}"]
    sock.send_multipart([b"<IDS|MSG>", session.sign(garbage).encode() if isinstance(session.sign(garbage), str) else session.sign(garbage)] + garbage)
    big = frames_of(session.msg("execute_request", dict(bump, code="globalThis.hits += 100 // " + "x" * 300_000)))
    sock.send_multipart(big)  # over TUNELAB_MAX_MESSAGE_BYTES
    time.sleep(1.0)
    check(k.value("globalThis.hits") == "1", "a bad, replayed or oversized message was executed")
    msg_id = k.kc.kernel_info()
    check(k.reply(msg_id)["content"]["status"] == "ok", "kernel stopped answering")
    sock.close()


@scenario
def malformed_content_gets_an_error_reply(k):
    def ask(msg_type, content, channel="shell"):
        request = k.kc.session.msg(msg_type, content)
        (k.kc.shell_channel if channel == "shell" else k.kc.control_channel).send(request)
        reply = k.reply(request["header"]["msg_id"], channel=channel)
        check(types(k.outputs(request["header"]["msg_id"])) == ["status", "status"], "busy and idle around a malformed request")
        return reply["content"]

    content = ask("execute_request", {"code": 5, "silent": False})
    check(content["status"] == "error" and content["ename"] == "InvalidRequest" and '"code" must be a string' in content["evalue"], content)
    check(isinstance(content["execution_count"], int), content)
    content = ask("complete_request", {"code": "Math.", "cursor_pos": "end"})
    check(content["status"] == "error" and '"cursor_pos" must be an integer' in content["evalue"], content)
    content = ask("history_request", {"hist_access_type": "everything"})
    check(content["status"] == "error" and "must be \"tail\", \"range\" or \"search\"" in content["evalue"], content)
    content = ask("shutdown_request", {"restart": "yes"}, channel="control")
    check(content["status"] == "error" and '"restart" must be true or false' in content["evalue"], content)
    check(k.value("6 * 7") == "42", "the kernel still runs cells")


# ---- lifecycle ----------------------------------------------------------------------------

@scenario
def shutdown_with_restart(k):
    k.execute("const beforeRestart = 1")
    check(k.value("typeof beforeRestart") == "'number'", "the declaration is visible before the restart")
    pid = int(k.value("process.pid"))
    request = k.kc.session.msg("shutdown_request", {"restart": True})
    k.kc.control_channel.send(request)
    reply = k.reply(request["header"]["msg_id"], channel="control")
    check(reply["content"] == {"status": "ok", "restart": True}, reply)
    deadline = time.time() + 10
    while k.km.is_alive() and time.time() < deadline:
        time.sleep(0.1)
    check(not k.km.is_alive(), "kernel did not exit after shutdown_request")
    k.km.restart_kernel(now=True)
    k.kc.wait_for_ready(timeout=60)
    check(int(k.value("process.pid")) != pid, "the restart did not start a new kernel process")
    # A fresh kernel does not know the name: a compile error naming it (it was 'number' before).
    content, _, _ = k.execute("typeof beforeRestart")
    check(content["status"] == "error" and "beforeRestart" in content["evalue"], f"the restarted kernel still knows beforeRestart: {content}")
    check(k.value("1 + 1") == "2", "restarted kernel does not run cells")


@scenario
def javascript_kernel(_k):
    js = Kernel("tunelab-js")
    try:
        check(js.value("const a = [1, 2, 3]; a.length") == "3", "js kernel")
        msg_id = js.kc.kernel_info()
        check(js.reply(msg_id)["content"]["language_info"]["name"] == "javascript", "js language_info")
    finally:
        js.close()


@scenario
def exits_when_parent_dies(_k):
    from jupyter_client.connect import write_connection_file
    spec_argv = json.load(open(os.path.join(os.environ["JUPYTER_DATA_DIR"], "kernels", "tunelab", "kernel.json")))["argv"]
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    write_connection_file(path, key=uuid.uuid4().hex.encode())
    argv = [a.replace("{connection_file}", path) for a in spec_argv]
    parent = subprocess.Popen(["/bin/sh", "-c", " ".join(f"'{a}'" for a in argv) + " & echo $!; wait"], stdout=subprocess.PIPE, text=True)
    kernel_pid = int(parent.stdout.readline())
    time.sleep(3.0)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 8
    while time.time() < deadline:
        try:
            os.kill(kernel_pid, 0)
        except ProcessLookupError:
            os.unlink(path)
            return
        time.sleep(0.2)
    os.kill(kernel_pid, signal.SIGKILL)
    raise AssertionError("kernel kept running after its parent died")


def main(names):
    kernel = None
    failed = False
    for name in names:
        start = time.time()
        try:
            if kernel is None:
                kernel = Kernel()
            SCENARIOS[name](kernel)
            result = {"name": name, "ok": True}
        except Exception as e:
            failed = True
            result = {"name": name, "ok": False, "error": f"{type(e).__name__}: {e}\n{traceback.format_exc()}"}
            # A failed scenario may leave the kernel in a bad state: start afresh for the next one.
            if kernel is not None:
                try:
                    kernel.close()
                except Exception:
                    pass
                kernel = None
        result["seconds"] = round(time.time() - start, 3)
        print(json.dumps(result), flush=True)
    if kernel is not None:
        kernel.close()
    return 1 if failed else 0


if __name__ == "__main__":
    unknown = [n for n in sys.argv[1:] if n not in SCENARIOS]
    if unknown or len(sys.argv) < 2:
        print(f"unknown scenarios {unknown}; expected some of {sorted(SCENARIOS)}", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))

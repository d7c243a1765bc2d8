"""Interrupts delivered as a cell finishes (the interrupt leak): an interrupt belongs to the cell
that was running when it arrived, and never reaches a cell that starts after it.

Usage: /usr/bin/python3 interrupt_race_scenarios.py NAME [NAME ...]   (JUPYTER_DATA_DIR must hold the kernelspec)
Prints one JSON line per scenario, like scenarios.py (whose kernel helpers it uses).

Each round: cell A spins until a flag file exists; cell B is queued behind it; the interrupt is
sent while A spins, and the flag file is created right after the interrupt_reply, after a delay
that sweeps across the kernel's grace period and the moment it sends SIGINT. A may end either
way (finished, or interrupted); B, which started after the interrupt, must always succeed. No
assertion is on time: the rounds only make the race likely, each round checks the outcome.
"""
import os
import sys
import tempfile
import time

from scenarios import Kernel, check, main, scenario, types  # noqa: F401 (Kernel: main's default)

ROUNDS = 16
# Delays (s) between the interrupt_reply and A's end: before, around and after the 150 ms grace
# and the 60 ms forced wait that precede SIGINT.
DELAYS = [0.0, 0.05, 0.1, 0.14, 0.16, 0.2, 0.21, 0.22, 0.25, 0.3]

NEXT_CELLS = {
    "pending await": "await new Promise((r) => setTimeout(r, 150)); 'B'",
    "busy loop": "{ const end = Date.now() + 150; while (Date.now() < end) {} }\n'B'",
    "busy loop after an await": "await null; { const end = Date.now() + 150; while (Date.now() < end) {} }\n'B'",
}


def send_interrupt(k):
    request = k.kc.session.msg("interrupt_request", {})
    k.kc.control_channel.send(request)
    reply = k.reply(request["header"]["msg_id"], channel="control")
    check(reply["content"]["status"] == "ok", reply)


def wait_for_input(k, msg_id):
    deadline = time.time() + 30
    while not any(m["msg_type"] == "execute_input" for m in k.iopub.get(msg_id, [])):
        check(time.time() < deadline, "cell A never started")
        k._pump_iopub(max(0.01, deadline - time.time()))


def race_round(k, flag, delay, label, next_cell, queued):
    """One round; `queued`: B is sent before the interrupt (else after A's reply)."""
    if os.path.exists(flag):
        os.unlink(flag)
    a = k.kc.execute(f"while (!existsSync({flag!r})) {{}}\n'A'", stop_on_error=False)
    wait_for_input(k, a)
    time.sleep(0.05)  # A's loop runs
    b = k.kc.execute(next_cell, stop_on_error=False) if queued else None
    if queued:
        time.sleep(0.05)  # B's request reaches the kernel before the interrupt
    send_interrupt(k)
    time.sleep(delay)
    open(flag, "w").close()
    a_reply = k.reply(a, timeout=30)["content"]
    check(a_reply["status"] == "ok" or a_reply.get("ename") == "Interrupted", f"A: {a_reply}")
    if b is None:
        b = k.kc.execute(next_cell, stop_on_error=False)
    b_reply = k.reply(b, timeout=30)["content"]
    check(b_reply["status"] == "ok", f"{label}, delay {delay} s, B {'queued' if queued else 'sent after A'}: the interrupt reached B: {b_reply}")
    outputs = k.outputs(b)
    check([m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"] == ["'B'"], types(outputs))
    k.outputs(a)


@scenario
def interrupt_as_a_cell_finishes_never_reaches_the_next(k):
    content, _, _ = k.execute("import { existsSync } from 'fs';")
    check(content["status"] == "ok", content)
    flag = os.path.join(tempfile.mkdtemp(prefix="tunelab-race-"), "a-done")
    for round_ in range(ROUNDS):
        delay = DELAYS[round_ % len(DELAYS)]
        for label, next_cell in NEXT_CELLS.items():
            race_round(k, flag, delay, label, next_cell, queued=round_ % 2 == 0)
    check(k.value("6 * 7") == "42", "the kernel does not run cells any more")


@scenario
def interrupt_while_idle_is_a_no_op(k):
    for label, next_cell in NEXT_CELLS.items():
        for _ in range(5):
            send_interrupt(k)
            content, outputs, _ = k.execute(next_cell)
            check(content["status"] == "ok", f"{label}: an interrupt sent while idle reached the next cell: {content}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

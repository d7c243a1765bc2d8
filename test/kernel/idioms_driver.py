"""Runs cells through a tunelab kernel with a real jupyter_client and prints what they showed.

Usage: /usr/bin/python3 idioms_driver.py KERNEL_NAME CASES.json [PARALLEL]   (JUPYTER_DATA_DIR must hold the kernelspec)

CASES.json is a list of {"name": str, "cells": [{"code": str, "showValue": bool}]}. Each case gets a
fresh kernel (a case's names must not meet another case's); PARALLEL kernels (default 2) run at
once. Prints one JSON line per case:
{"name", "transcript", "errors", "outputs"}: the transcript is the concatenated stdout of the
cells, with the `text/plain` of a cell's execute_result appended as a line when the cell has
`showValue`; `errors` lists every error output and stderr text; `outputs` lists each cell's output
message types (for the test's messages). The node:test file idioms.test.ts runs this.
"""
import json
import sys
from concurrent.futures import ThreadPoolExecutor

from jupyter_client.manager import start_new_kernel

TIMEOUT = 60


def run_case(kernel_name, case):
    km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=60)
    transcript = []
    errors = []
    outputs = []
    try:
        for index, cell in enumerate(case["cells"]):
            msg_id = kc.execute(cell["code"], store_history=True)
            kinds = []
            value = None
            while True:
                msg = kc.get_iopub_msg(timeout=TIMEOUT)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                kind = msg["msg_type"]
                content = msg["content"]
                if kind == "status":
                    if content["execution_state"] == "idle":
                        break
                    continue
                if kind == "execute_input":
                    continue
                kinds.append(kind)
                if kind == "stream" and content["name"] == "stdout":
                    transcript.append(content["text"])
                elif kind == "stream":
                    errors.append(f"cell {index + 1} stderr: {content['text']}")
                elif kind == "error":
                    errors.append(f"cell {index + 1} {content['ename']}: {content['evalue']}")
                elif kind == "execute_result":
                    value = content["data"].get("text/plain")
            if cell.get("showValue"):
                if value is None:
                    errors.append(f"cell {index + 1} showed no value")
                else:
                    transcript.append(value + "\n")
            outputs.append(kinds)
            reply = kc.get_shell_msg(timeout=TIMEOUT)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = kc.get_shell_msg(timeout=TIMEOUT)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return {"name": case["name"], "transcript": "".join(transcript), "errors": errors, "outputs": outputs}


def run_reported(kernel_name, case):
    try:
        return run_case(kernel_name, case)
    except Exception as error:  # a kernel that died or hung: report it, go on with the next case
        return {"name": case["name"], "transcript": "", "errors": [f"driver: {type(error).__name__}: {error}"], "outputs": []}


def main():
    kernel_name, cases_file = sys.argv[1], sys.argv[2]
    parallel = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    with open(cases_file, encoding="utf-8") as f:
        cases = json.load(f)
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        for result in pool.map(lambda case: run_reported(kernel_name, case), cases):
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

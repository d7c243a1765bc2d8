"""The Jupyter kernel conformance suite (Debian's python3-jupyter-kernel-test) for tunelab.

Run with /usr/bin/python3 -m unittest -v conformance, with JUPYTER_DATA_DIR pointing at a directory
where `tunelab install` wrote the kernelspec (test/kernel/conformance.test.ts does this).
"""
import unittest

import jupyter_kernel_test


class TunelabTypeScriptKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "tunelab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'

    completion_samples = [
        {"text": "Math.SQRT", "matches": ["SQRT1_2", "SQRT2"]},
        {"text": "[1, 2].fil", "matches": ["fill", "filter"]},
        {"text": 'const greeting: string = "hi"; greeting.toUpperC', "matches": ["toUpperCase"]},
    ]

    complete_code_samples = ["1 + 1", "const a = 2;", "function f(x: number) { return x; }", "%lsmagic"]
    incomplete_code_samples = ["function f(x: number) {", "const a = [1,", "if (true) {\n  console.log(1);"]
    invalid_code_samples = ["let = ;", "const 1x = 3;", "x = = 2", ")("]

    code_page_something = "Math.max?"

    code_generate_error = 'throw new Error("expected failure")'

    code_execute_result = [
        {"code": "1 + 2 + 3", "result": "6"},
        {"code": '"tune" + "lab"', "result": "'tunelab'"},
        {"code": "[1, 2, 3].map((x: number) => x * 2)", "result": "[ 2, 4, 6 ]"},
        {"code": "({ [Symbol.for('Jupyter.display')]: () => ({ 'text/html': '<b>x</b>' }) })", "mime": "text/html", "result": "<b>x</b>"},
    ]

    code_display_data = [
        {"code": 'display({ "text/html": "<b>bold</b>" })', "mime": "text/html"},
        {"code": 'import * as tslab from "tslab"; tslab.display.markdown("# title")', "mime": "text/markdown"},
        {"code": 'display({ "image/svg+xml": "<svg xmlns=\\"http://www.w3.org/2000/svg\\"/>" })', "mime": "image/svg+xml"},
    ]

    code_history_pattern = "1 + 2*"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = "clearOutput()"



class TunelabJavaScriptKernelTests(jupyter_kernel_test.KernelTests):
    """The JavaScript variant (kernelspec tunelab-js): the same protocol, JavaScript cells."""

    kernel_name = "tunelab-js"
    language_name = "javascript"
    file_extension = ".js"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'

    completion_samples = [
        {"text": "Math.SQRT", "matches": ["SQRT1_2", "SQRT2"]},
        {"text": "const word = 'hi'; word.toUpperC", "matches": ["toUpperCase"]},
    ]

    complete_code_samples = ["1 + 1", "const b = 2;", "function g(x) { return x; }"]
    incomplete_code_samples = ["function g(x) {", "const b = [1,"]
    invalid_code_samples = ["let = ;", "x = = 2"]

    code_page_something = "Math.min?"

    code_generate_error = 'throw new TypeError("expected failure")'

    code_execute_result = [
        {"code": "2 * 21", "result": "42"},
        {"code": "[3, 1, 2].sort()", "result": "[ 1, 2, 3 ]"},
    ]

    code_display_data = [
        {"code": 'display({ "text/markdown": "**bold**" })', "mime": "text/markdown"},
    ]

    code_history_pattern = "2 * *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.min"

    code_clear_output = "clearOutput()"


if __name__ == "__main__":
    unittest.main()

/**
 * Debian's kernel conformance suite (jupyter_kernel_test) against the real kernel through
 * jupyter_client: every test must pass and none may be skipped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PYTHON, run, temporaryKernelspecs } from "./helpers";

test("jupyter_kernel_test conformance suite passes with no skips (TypeScript and JavaScript kernels)", async () => {
  const spec = temporaryKernelspecs();
  try {
    const result = await run(PYTHON, ["-m", "unittest", "-v", "conformance"], { env: spec.env, timeoutMs: 240_000 });
    const report = result.stderr;
    assert.equal(result.code, 0, `conformance suite failed:\n${report}`);
    assert.match(report, /^OK$/m, `no OK line in:\n${report}`);
    assert.doesNotMatch(report, /skipped/i, `some tests were skipped:\n${report}`);
    const ran = /Ran (\d+) tests?/.exec(report);
    assert.ok(ran !== null && Number(ran[1]) >= 24, `expected at least 24 tests (12 per kernel) to run:\n${report}`);
  } finally {
    spec.cleanup();
  }
});

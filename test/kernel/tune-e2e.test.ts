/**
 * `%%tune` end to end through a real jupyter_client and the real kernel, with real TensorFlow.js
 * training on the iris data (test/kernel/tune_scenarios.py): options and strategies, both
 * objective forms, pruning, failed trials, tensor leaks, reproducibility, interrupt mid-search,
 * resume from a storage file after a kernel restart, and bad input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PYTHON, run, temporaryKernelspecs } from "./helpers";

/** Scenario groups; each group shares one kernel process (a failing scenario restarts it). */
const GROUPS: Record<string, readonly string[]> = {
  "searches and their study": ["tune_model_search_with_options", "tune_grid_and_random_strategies", "tune_free_objective_with_pruning"],
  "leaks and reproducibility": ["tune_no_tensor_leaks", "tune_same_seed_same_trials"],
  "interrupt, restart and bad input": ["tune_interrupt_mid_search", "tune_resume_after_kernel_restart", "tune_bad_input_fails_before_training"],
};

for (const [group, scenarios] of Object.entries(GROUPS)) {
  test(`%%tune through the kernel: ${group}`, async (t) => {
    const spec = temporaryKernelspecs();
    try {
      const result = await run(PYTHON, ["tune_scenarios.py", ...scenarios], { env: spec.env, timeoutMs: 600_000 });
      const results = new Map<string, { ok: boolean; error?: string }>();
      for (const line of result.stdout.split("\n")) {
        if (line.startsWith("{")) {
          const parsed = JSON.parse(line) as { name: string; ok: boolean; error?: string };
          results.set(parsed.name, parsed);
        }
      }
      for (const name of scenarios) {
        await t.test(name, () => {
          const outcome = results.get(name);
          assert.ok(outcome !== undefined, `scenario ${name} produced no result (exit ${result.code}):\n${result.stderr.slice(-3000)}`);
          assert.ok(outcome.ok, `${name} failed:\n${outcome.error ?? ""}`);
        });
      }
      assert.equal(result.code, 0, `tune_scenarios.py exited with ${result.code}`);
    } finally {
      spec.cleanup();
    }
  });
}

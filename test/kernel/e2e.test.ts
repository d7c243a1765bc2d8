/**
 * End-to-end behaviour of the kernel through a real jupyter_client (test/kernel/scenarios.py):
 * message sequences, interrupts of all kinds, output attribution, stop_on_error, history, comms,
 * stdin, display, magics, bad wire messages, shutdown/restart, parent death, the JS variant.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PYTHON, run, temporaryKernelspecs } from "./helpers";

/** Scenario groups; each group shares one kernel process (a failing scenario restarts it). */
const GROUPS: Record<string, readonly string[]> = {
  "execution and display": [
    "message_sequence",
    "user_expressions",
    "type_error_has_line_and_column",
    "runtime_error_fields",
    "stray_errors_do_not_end_the_kernel",
    "output_bursts_arrive_whole_and_in_order",
    "top_level_await_and_rich_values",
    "display_update_and_clear",
    "output_goes_to_the_cell_that_printed",
    "kernel_info_fields",
    "history_tail_range_search",
    "comms",
    "stdin_input",
    "completion_and_inspection_in_magic_cells",
    "magics",
    "tune_magic_through_the_kernel",
  ],
  interrupts: ["interrupt_by_message", "interrupt_by_control", "interrupt_by_signal", "interrupted_work_does_not_print_into_later_cells", "cooperative_interrupt_of_a_magic"],
  "queue and wire": ["stop_on_error_aborts_queued_cells", "stop_on_error_false_keeps_running", "bad_messages_are_dropped"],
  lifecycle: ["shutdown_with_restart", "javascript_kernel", "exits_when_parent_dies"],
};

interface ScenarioResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly seconds: number;
}

for (const [group, scenarios] of Object.entries(GROUPS)) {
  test(`kernel end to end: ${group}`, async (t) => {
    const spec = temporaryKernelspecs();
    try {
      const env = { ...spec.env, TUNELAB_MAX_MESSAGE_BYTES: "200000" };
      const result = await run(PYTHON, ["scenarios.py", ...scenarios], { env, timeoutMs: 180_000 });
      const results = new Map<string, ScenarioResult>();
      for (const line of result.stdout.split("\n")) {
        if (!line.startsWith("{")) continue;
        const parsed = JSON.parse(line) as ScenarioResult;
        results.set(parsed.name, parsed);
      }
      for (const name of scenarios) {
        await t.test(name, () => {
          const outcome = results.get(name);
          assert.ok(outcome !== undefined, `scenario ${name} produced no result (exit ${result.code}):\n${result.stderr.slice(-3000)}`);
          assert.ok(outcome.ok, `${name} failed:\n${outcome.error ?? ""}`);
        });
      }
      assert.equal(result.code, 0, `scenarios.py exited with ${result.code}`);
    } finally {
      spec.cleanup();
    }
  });
}

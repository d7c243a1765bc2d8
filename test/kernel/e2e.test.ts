/**
 * End-to-end behaviour of the kernel through a real jupyter_client (test/kernel/scenarios.py):
 * message sequences, interrupts of all kinds, output attribution, stop_on_error, history, comms,
 * stdin, display, magics, bad wire messages, shutdown/restart, parent death, the JS variant.
 */
import { scenarioTests } from "./helpers";

/** Scenario groups; each group shares one kernel process (a failing scenario restarts it). */
const GROUPS: Record<string, readonly string[]> = {
  "execution and display": [
    "message_sequence",
    "user_expressions",
    "type_error_has_line_and_column",
    "runtime_error_fields",
    "stray_errors_do_not_end_the_kernel",
    "process_exit_does_not_end_the_kernel",
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
  "queue and wire": ["stop_on_error_aborts_queued_cells", "stop_on_error_false_keeps_running", "bad_messages_are_dropped", "malformed_content_gets_an_error_reply"],
  lifecycle: ["shutdown_with_restart", "javascript_kernel", "exits_when_parent_dies"],
};

scenarioTests("kernel end to end", "scenarios.py", GROUPS, { env: { TUNELAB_MAX_MESSAGE_BYTES: "200000" }, timeoutMs: 180_000 });

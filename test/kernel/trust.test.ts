/**
 * Issue 12 through a real jupyter_client and the real kernel (test/kernel/trust_scenarios.py):
 * interrupts of a synchronous busy `%%tune --objective`, of batches slower than the grace period,
 * of a `%%tune --model` search mid-epoch of slow TensorFlow.js batches, and of a runaway timer left by a finished cell (the next cell runs within 5 s, state and
 * process kept), and forged, unsigned, replayed, truncated and 300 MB messages on shell, control
 * and stdin (nothing executed, memory bounded, the kernel keeps answering), hostile cells and
 * request contents (each fails clearly, the kernel keeps answering), and values hostile to being
 * shown (their own code does not run; a display method that throws fails the cell, shown as such).
 */
import { scenarioTests } from "./helpers";

/** Scenario groups; each group shares one kernel process (a failing scenario restarts it). */
const GROUPS: Record<string, readonly string[]> = {
  interrupts: [
    "interrupt_sync_busy_tune_objective",
    "interrupt_batches_slower_than_the_grace_period",
    "interrupt_a_model_search_mid_epoch",
    "interrupt_runaway_timer_of_a_finished_cell",
  ],
  // The default TUNELAB_MAX_MESSAGE_BYTES (64 MiB): a 300 MB message is over it.
  "hostile wire input": ["hostile_messages_on_every_channel"],
  // The most hostile cells of test/hostile's fuzzing, and hostile execute_request contents, in one kernel.
  "hostile cells": ["hostile_cells_through_the_kernel", "hostile_values_shown_as_results"],
};

scenarioTests("kernel trust", "trust_scenarios.py", GROUPS, { timeoutMs: 300_000 });

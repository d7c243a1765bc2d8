/**
 * `%%tune` end to end through a real jupyter_client and the real kernel, with real TensorFlow.js
 * training on the iris data (test/kernel/tune_scenarios.py): options and strategies, both
 * objective forms, pruning, failed trials, tensor leaks, reproducibility, interrupt mid-search,
 * resume from a storage file after a kernel restart, and bad input.
 */
import { scenarioTests } from "./helpers";

/** Scenario groups; each group shares one kernel process (a failing scenario restarts it). */
const GROUPS: Record<string, readonly string[]> = {
  "searches and their study": ["tune_model_search_with_options", "tune_grid_and_random_strategies", "tune_free_objective_with_pruning"],
  "leaks and reproducibility": ["tune_no_tensor_leaks", "tune_same_seed_same_trials"],
  "interrupt, restart and bad input": ["tune_interrupt_mid_search", "tune_resume_after_kernel_restart", "tune_bad_input_fails_before_training"],
};

scenarioTests("%%tune through the kernel", "tune_scenarios.py", GROUPS, { timeoutMs: 600_000 });

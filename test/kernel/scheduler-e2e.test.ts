/**
 * The training schedulers end to end through a real jupyter_client and the real kernel, with real
 * TensorFlow.js training on the iris data (test/kernel/scheduler_scenarios.py): a Hyperband and a
 * PBT study in a journal resumed after a kernel restart (the PBT one killed mid-search).
 */
import { scenarioTests } from "./helpers";

/** Scenario groups; each group shares one kernel process (a failing scenario restarts it). */
const GROUPS: Record<string, readonly string[]> = {
  "resume after a kernel restart": ["hyperband_resume_after_kernel_restart", "pbt_resume_after_kernel_restart"],
};

scenarioTests("schedulers through the kernel", "scheduler_scenarios.py", GROUPS, { timeoutMs: 600_000 });

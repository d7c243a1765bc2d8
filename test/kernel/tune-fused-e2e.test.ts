/**
 * `%%tune --fuse` end to end through a real jupyter_client and the real kernel, with real
 * TensorFlow.js training on the iris data (test/kernel/tune_scenarios.py: tune_fused_trials):
 * the output line, every trial's reports, the kept best model, no tensor left after disposing.
 */
import { scenarioTests } from "./helpers";

scenarioTests("%%tune --fuse through the kernel", "tune_scenarios.py", { "fused trials": ["tune_fused_trials"] }, { timeoutMs: 300_000 });

/**
 * Surprises a new user met, kept fixed end to end through a real jupyter_client and the real
 * kernel (test/kernel/newcomer_scenarios.py): an interrupted `--objective` that never returns;
 * prediction metrics among several objectives, `--positive-class` by name; `--out` naming the
 * cell's own function, an objective's record without the metric, a missing data variable, a
 * refused `--from` that left its study in the storage, an expanded value whose space split the line;
 * completion and inspection in a `%%tune` cell; the best model saved to `file://` and loaded back.
 */
import { scenarioTests } from "./helpers";

/** Scenario groups; each group shares one kernel process (a failing scenario restarts it). */
const GROUPS: Record<string, readonly string[]> = {
  "interrupts": [
    "interrupt_of_an_objective_that_never_returns",
    "interrupt_of_a_synchronous_objective_ends_at_the_trial_boundary",
    "a_cell_interrupted_at_an_await_keeps_what_it_declared",
  ],
  "evaluation": ["prediction_metrics_as_several_objectives", "positive_class_named_by_its_label", "the_best_model_saves_to_a_file_and_loads_back"],
  "editor": ["completion_and_inspection_in_a_tune_cell"],
  "magic arguments": [
    "out_naming_the_objective_is_refused",
    "objective_record_without_the_metric_stops_at_once",
    "a_missing_data_variable_fails_before_the_strategy_is_announced",
    "a_refused_from_leaves_no_study_in_the_storage",
    "an_expanded_value_with_spaces_is_named_in_the_error",
  ],
};

scenarioTests("new user's surprises through the kernel", "newcomer_scenarios.py", GROUPS, { timeoutMs: 300_000 });

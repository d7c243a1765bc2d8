/**
 * The interrupt leak through a real jupyter_client and the real kernel
 * (test/kernel/interrupt_race_scenarios.py): an interrupt delivered right as a cell finishes, many
 * times, with the next cell queued before the interrupt or sent after; and interrupts while idle.
 * The next cell must never fail as interrupted.
 */
import { scenarioTests } from "./helpers";

scenarioTests(
  "interrupt race",
  "interrupt_race_scenarios.py",
  { "as a cell finishes": ["interrupt_as_a_cell_finishes_never_reaches_the_next", "interrupt_while_idle_is_a_no_op"] },
  { timeoutMs: 600_000 },
);

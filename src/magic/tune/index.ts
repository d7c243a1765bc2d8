/**
 * The `%%tune` front end: the search-space grammar, the `%%tune` cell magic, the `%tune_plot`
 * line magic, and the notebook's view of a study. {@link registerTuneMagics} plugs them into a
 * kernel's magic registry.
 */
import type { MagicRegistry } from "../registry";
import { createTunePlotMagic } from "./plot-magic";
import { createTuneMagic, type TuneSession } from "./tune-magic";

export { NotebookStudy, countStates } from "./notebook-study";
export type { SearchSummary } from "./notebook-study";
export { parseSearchSpace, parseDistribution, SPACE_GRAMMAR } from "./space-grammar";
export type { ParsedSpace } from "./space-grammar";
export { createTuneMagic } from "./tune-magic";
export { InterruptedSearch } from "./run-search";
export type { TuneSession } from "./tune-magic";
export { createTunePlotMagic } from "./plot-magic";

/** Registers `%%tune` and `%tune_plot` for one kernel session. */
export function registerTuneMagics(registry: MagicRegistry, session: TuneSession): void {
  registry.register(createTuneMagic(session));
  registry.register(createTunePlotMagic());
}

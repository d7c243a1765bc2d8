/**
 * The magic system: cell parsing, position map, argument parsing and help, registry, the
 * `runCell` entry point for the kernel, and the builtin magics. See `README.md` here.
 */
export * from "./types";
export { parseCell } from "./parse";
export type { CellMagicCall, CellRange, CellSegment, CodeSegment, HelpRequest, LineMagicCall, ParsedCell } from "./parse";
export { codeView, rawCodeStart } from "./positions";
export type { CodeView } from "./positions";
export { ArgReader, formatHelp, parseArgs, splitArgs, usageLine } from "./args";
export type { ArgsOutcome, ArgsSource, ArgWord } from "./args";
export { MagicRegistry, prefix } from "./registry";
export { alignedCode, describeValue, runCell } from "./run";
export type { CellOutcome, PagerPayload, RunCellOptions } from "./run";
export { closestName, editDistance } from "./suggest";
export { completeMagic, inspectMagic, magicCompleteness } from "./complete";
export type { MagicCompletion, NotebookNames } from "./complete";
export { CapturedOutput, createCaptureMagic } from "./builtins/capture";
export type { CaptureMagicOptions, CapturedDisplay } from "./builtins/capture";
export { createLsmagic, createMagicHelp, formatMagicList } from "./builtins/lsmagic";
export { formatTimingDuration, formatTiming, measure, timeCellMagic, timeLineMagic } from "./builtins/time";
export type { Timing } from "./builtins/time";
export { summarizeVariable, whoMagic, whosMagic } from "./builtins/who";
export type { VariableSummary } from "./builtins/who";

import { createCaptureMagic, type CaptureMagicOptions } from "./builtins/capture";
import { createLsmagic, createMagicHelp } from "./builtins/lsmagic";
import { timeCellMagic, timeLineMagic } from "./builtins/time";
import { whoMagic, whosMagic } from "./builtins/who";
import { MagicRegistry } from "./registry";

/**
 * A registry holding the builtin magics: `%lsmagic`, `%magic`, `%time`, `%%time`, `%%capture`,
 * `%who`, `%whos`.
 * @param capture how `%%capture` re-emits output later (see {@link CaptureMagicOptions})
 */
export function createDefaultRegistry(capture: CaptureMagicOptions = {}): MagicRegistry {
  const registry = new MagicRegistry();
  registry.register(createLsmagic(registry));
  registry.register(createMagicHelp(registry));
  registry.register(timeLineMagic);
  registry.register(timeCellMagic);
  registry.register(createCaptureMagic(capture));
  registry.register(whoMagic);
  registry.register(whosMagic);
  return registry;
}

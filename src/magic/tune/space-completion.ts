/**
 * Completion in a `%%tune` body, the search space (space-grammar.ts), which is not TypeScript:
 * after `name:` the distribution forms, inside `int(…)`/`float(…)` their flags, after a whole
 * distribution `if` and `mutable`, after `if` the parameters declared on the lines above.
 * Nothing in a comment or in a parameter's name.
 */
import type { BodyCompletion } from "../types";
import { CALL_SIGNATURES } from "./space-grammar";

/** What may follow `name:`: the distribution calls and `hypergradient` (a list or a value is typed as is). */
const FORMS = [...Object.keys(CALL_SIGNATURES), "hypergradient"].sort();
/** The words a whole distribution may be followed by. */
const AFTER_DISTRIBUTION = ["if", "mutable"];
/** The flags of `int(low, high, …)` and `float(low, high, …)`. */
const NUMERIC_FLAGS = ["log", "step"];

const PARAMETER_LINE = /^\s*([A-Za-z_$][\w$]*)\s*:/;

/**
 * Completions at `cursor`, an offset in `body`.
 * @returns the words that may stand at the cursor and the span of the partial word they replace
 */
export function completeSpace(body: string, cursor: number): BodyCompletion {
  const lineStart = body.lastIndexOf("\n", cursor - 1) + 1;
  const before = body.slice(lineStart, cursor);
  const word = /[A-Za-z_$][\w$]*$/.exec(before)?.[0] ?? "";
  const start = cursor - word.length;
  const end = cursor + (/^[\w$]*/.exec(body.slice(cursor))?.[0].length ?? 0);
  const offer = (words: readonly string[]): BodyCompletion => ({ matches: words.filter((w) => w.startsWith(word)), start, end });
  const colon = before.indexOf(":");
  if (colon < 0 || /#|\/\//.test(before)) return offer([]);
  const value = before.slice(colon + 1, before.length - word.length);
  if (value.trim() === "") return offer(FORMS);
  if (/\bif\s+$/.test(value)) {
    const declared = body
      .slice(0, lineStart)
      .split("\n")
      .map((line) => PARAMETER_LINE.exec(line)?.[1])
      .filter((name): name is string => name !== undefined);
    return offer([...new Set(declared)]);
  }
  const open = (value.match(/\(/g) ?? []).length - (value.match(/\)/g) ?? []).length;
  if (open > 0) return offer(/^\s*(?:int|float)\s*\(.*,\s*$/.test(value) ? NUMERIC_FLAGS : []);
  if (/\S\s+$/.test(value) && !/\bif\b/.test(value)) return offer(AFTER_DISTRIBUTION);
  return offer([]);
}

/**
 * Introspection: the replies to `complete_request`, `inspect_request` and `is_complete_request`.
 * Cells may hold magics, so positions go through the magic system's code view (the TypeScript a
 * cell runs, with magic lines blanked) before the engine sees them, and come back as cell
 * positions. Jupyter counts positions in code points, JavaScript in UTF-16 units.
 */
import type { Engine } from "../exec/engine";
import { completeMagic, inspectMagic, magicCompleteness } from "../magic/complete";
import { codeView } from "../magic/positions";
import type { MagicRegistry } from "../magic/registry";
import type { Content } from "./messages";
import { codePointsToUtf16, utf16ToCodePoints } from "./offsets";
import type { CompleteRequest, InspectRequest, IsCompleteRequest } from "./requests";

/** The `complete_reply` content: magic names and options first, else the engine's completions. */
export function complete(request: CompleteRequest, engine: Engine, magics: MagicRegistry): Content {
  const code = request.code;
  const cursor = codePointsToUtf16(code, request.cursorPos);
  const reply = (matches: readonly string[], start: number, end: number): Content => ({
    status: "ok",
    matches: [...matches],
    cursor_start: utf16ToCodePoints(code, start),
    cursor_end: utf16ToCodePoints(code, end),
    metadata: {},
  });
  const magic = orUndefined(() => completeMagic(code, cursor, magics, engine));
  if (magic !== undefined) return reply(magic.matches, magic.cursorStart, magic.cursorEnd);
  const view = orUndefined(() => codeView(code, magics));
  const at = view === undefined ? cursor : view.toCode(cursor);
  if (at === undefined) return reply([], cursor, cursor);
  const found = engine.complete(view?.code ?? code, at);
  if (found.matches.length === 0) {
    // A name the compiler types `any` (a study %%tune bound, a %%capture): its value's members, as IPython offers.
    const member = /(?<![\w$.])([A-Za-z_$][\w$]*)\.([\w$]*)$/.exec(code.slice(0, cursor));
    const names = member === null || !engine.has(member[1]!) ? undefined : orUndefined(() => memberNames(engine.lookup(member[1]!), member[2]!)); // a Proxy's traps may throw
    if (names !== undefined) return reply(names, cursor - member![2]!.length, cursor);
  }
  return reply(found.matches, view?.toCell(found.start) ?? found.start, view?.toCell(found.end) ?? found.end);
}

/** The public property and method names of a value (its prototype chain's too, not Object's) that start with `prefix`; no getter runs. */
function memberNames(value: unknown, prefix: string): string[] {
  const names = new Set<string>();
  for (let object = Object(value) as object | null; object !== null && object !== Object.prototype; object = Object.getPrototypeOf(object) as object | null) {
    for (const name of Object.getOwnPropertyNames(object)) if (name !== "constructor" && !name.startsWith("_") && name.startsWith(prefix)) names.add(name);
  }
  return [...names].sort();
}

/** The `inspect_reply` content: a magic's help on a magic line, else the engine's quick info for the name at the cursor. */
export function inspect(request: InspectRequest, engine: Engine, magics: MagicRegistry): Content {
  const code = request.code;
  const cursor = codePointsToUtf16(code, request.cursorPos);
  const view = orUndefined(() => codeView(code, magics));
  const at = view === undefined ? cursor : view.toCode(cursor);
  const text = orUndefined(() => inspectMagic(code, cursor, magics)) ?? (at === undefined ? undefined : engine.inspect(view?.code ?? code, at));
  return { status: "ok", found: text !== undefined, data: text === undefined ? {} : { "text/plain": text }, metadata: {} };
}

/** The `is_complete_reply` content: magic syntax first (a cell magic waits for its body), else the engine's verdict. */
export function isComplete(request: IsCompleteRequest, engine: Engine): Content {
  const code = request.code;
  const magic = magicCompleteness(code);
  if (magic === "incomplete") return { status: "incomplete", indent: "" };
  if (magic !== undefined) return { status: magic };
  const view = orUndefined(() => codeView(code));
  const verdict = engine.isComplete(view?.code ?? code);
  return verdict.status === "incomplete" ? { status: "incomplete", indent: verdict.indent } : { status: verdict.status };
}

/** `fn()`, or `undefined` when it throws (a cell being typed need not parse as magics). */
function orUndefined<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

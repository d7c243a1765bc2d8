/**
 * The display API that cells use: `display(value)`, updates by display id, `clearOutput()`,
 * `input()`, the `Symbol.for("Jupyter.display")` protocol, and a drop-in for tslab's public module
 * (`import * as tslab from "tslab"` keeps working in cells). What cells import from "tunelab" is
 * `src/cell-api/`, which re-exports these.
 */
import { randomBytes } from "node:crypto";
import { inspect, types } from "node:util";
import type { DisplayOptions, Magic, MimeBundle } from "../magic/types";
import { currentScope } from "./output";
import { log } from "../common/log";

/** Objects with a method under this symbol render as the MIME bundle it returns. */
export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

/**
 * Symbols Node's async hooks put on promises (and that AsyncLocalStorage adds): `util.inspect`
 * would show them as `[Symbol(async_id_symbol)]: 295` beside `<pending>`.
 */
const ASYNC_HOOK_SYMBOLS: ReadonlySet<string> = new Set(["async_id_symbol", "trigger_async_id_symbol", "kResourceStore", "destroyed"]);

/** How many objects {@link hideAsyncHookProperties} looks into, at most (a value may be huge). */
const HIDE_VISIT_LIMIT = 1000;

/**
 * Hides Node's internal async-hook properties of the promises in `value` (itself, and those
 * inside it down to `depth`, as far as `util.inspect` shows) by making them non-enumerable: Node
 * reads them by key, so nothing else changes. A promise then shows as `Promise { <pending> }` or
 * `Promise { 42 }`, as Node's REPL prints it. Nothing of the value's own code runs: proxies are
 * left alone (their traps are the cell's code) and getters are not called, as `util.inspect` does.
 */
function hideAsyncHookProperties(value: unknown, depth: number): void {
  const seen = new Set<object>();
  const visit = (item: unknown, level: number): void => {
    if (item === null || typeof item !== "object" || types.isProxy(item) || seen.has(item) || seen.size >= HIDE_VISIT_LIMIT) return;
    seen.add(item);
    if (types.isPromise(item)) {
      for (const symbol of Object.getOwnPropertySymbols(item)) {
        const descriptor = Object.getOwnPropertyDescriptor(item, symbol);
        if (descriptor?.enumerable === true && descriptor.configurable === true && ASYNC_HOOK_SYMBOLS.has(symbol.description ?? "")) {
          Object.defineProperty(item, symbol, { ...descriptor, enumerable: false });
        }
      }
      return;
    }
    if (level >= depth || types.isTypedArray(item) || types.isArrayBuffer(item)) return;
    const keys = Array.isArray(item) ? Array.from({ length: Math.min(item.length, 100) }, (_, i) => i) : Object.keys(item).slice(0, 100);
    for (const key of keys) {
      const descriptor = Object.getOwnPropertyDescriptor(item, key);
      if (descriptor !== undefined && "value" in descriptor) visit(descriptor.value, level + 1);
    }
    // The built-in iterators: a subclass's own `values` is the cell's code.
    const entries = types.isMap(item) ? Map.prototype.values.call(item) : types.isSet(item) ? Set.prototype.values.call(item) : undefined;
    let taken = 0;
    for (const entry of entries ?? []) {
      if (taken++ === 100) break;
      visit(entry, level + 1);
    }
  };
  try {
    visit(value, 0);
  } catch {
    // Only cosmetic: an exotic object (a module namespace's binding not yet initialized) is shown as it is.
  }
}

/** `util.inspect` as the kernel shows values: no colour, Node's internal promise properties hidden. */
function inspectValue(value: unknown, depth: number): string {
  hideAsyncHookProperties(value, depth);
  return inspect(value, { colors: false, depth, maxArrayLength: 100 });
}

/** Plain text of a value, as `util.inspect` shows it, without ANSI colour. */
export function plainText(value: unknown): string {
  return typeof value === "string" ? value : inspectValue(value, 4);
}

/** The MIME bundle for a value: its own bundle when it has one, plus `text/plain`. */
export function toMimeBundle(value: unknown): Record<string, unknown> {
  // A proxy shows as its target, as in Node's REPL, without running its traps.
  if (types.isProxy(value)) return { "text/plain": inspectValue(value, 4) };
  const render = (value as { [JUPYTER_DISPLAY]?: unknown } | null | undefined)?.[JUPYTER_DISPLAY];
  if (typeof render === "function") {
    const bundle = (render as () => unknown).call(value);
    if (typeof bundle === "object" && bundle !== null) {
      const data = { ...(bundle as Record<string, unknown>) };
      if (!("text/plain" in data)) data["text/plain"] = inspectValue(value, 2);
      return data;
    }
  }
  return { "text/plain": inspectValue(value, 4) };
}

function isMimeBundle(value: unknown): value is MimeBundle {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => /^[\w.+-]+\/[\w.+-]+$/.test(k));
}

function scopeOrWarn(what: string) {
  const scope = currentScope();
  if (scope === undefined) {
    log(`${what} called outside of a cell; ignored`);
    return undefined;
  }
  if (!scope.isOpen) {
    log(`${what} from interrupted cell ${scope.executionCount} dropped`);
    return undefined;
  }
  return scope;
}

/** Options of {@link display}: `raw` treats the value as a MIME bundle as it is. */
export interface DisplayCallOptions extends DisplayOptions {
  readonly raw?: boolean;
}

/** A handle on a displayed output, to update it in place. */
export interface DisplayHandle {
  readonly displayId: string;
  update(value: unknown): void;
}

/**
 * Shows `value` in the cell's output: a MIME bundle (`{"text/html": ...}`) as it is, an object with a
 * `Symbol.for("Jupyter.display")` method as its bundle, anything else as text.
 */
export function display(value: unknown, options: DisplayCallOptions = {}): void {
  show(value, options);
}

/** Like {@link display}, returning a handle to update the output in place. */
export function show(value: unknown, options: DisplayCallOptions = {}): DisplayHandle {
  const displayId = options.displayId ?? randomBytes(8).toString("hex");
  const bundle = options.raw === true || isMimeBundle(value) ? (value as MimeBundle) : toMimeBundle(value);
  const base = options.metadata === undefined ? { displayId } : { displayId, metadata: options.metadata };
  scopeOrWarn("display")?.sink.display(bundle, base);
  return { displayId, update: (next: unknown) => updateDisplay(displayId, next) };
}

/** Replaces the output shown under `displayId` with `value`. */
export function updateDisplay(displayId: string, value: unknown, metadata?: Readonly<Record<string, unknown>>): void {
  const bundle = isMimeBundle(value) ? value : toMimeBundle(value);
  scopeOrWarn("updateDisplay")?.sink.updateDisplay(displayId, bundle, metadata);
}

/** Clears the cell's output (with `wait`, just before the next output arrives). */
export function clearOutput(wait = false): void {
  scopeOrWarn("clearOutput")?.sink.clearOutput(wait);
}

/** Asks the user for a line of text (an `input_request` on the stdin channel). */
export function input(prompt = "", options: { readonly password?: boolean } = {}): Promise<string> {
  const scope = scopeOrWarn("input");
  if (scope === undefined) return Promise.reject(new Error("input() can only be called while a cell runs"));
  return scope.sink.input(prompt, options.password === true);
}

/** Browser-style alias of {@link input}. */
export function prompt(message = ""): Promise<string> {
  return input(message);
}

/** Shortcuts for common MIME types, shaped like tslab's `Display`. */
export class MimeDisplay {
  private shown = false;
  /** @param displayId when set, every call after the first replaces the previous output */
  constructor(private readonly displayId?: string) {}
  javascript(s: string): void { this.raw("text/javascript", s); }
  html(s: string): void { this.raw("text/html", s); }
  markdown(s: string): void { this.raw("text/markdown", s); }
  latex(s: string): void { this.raw("text/latex", s); }
  svg(s: string): void { this.raw("image/svg+xml", s); }
  png(b: Uint8Array): void { this.raw("image/png", b); }
  jpeg(b: Uint8Array): void { this.raw("image/jpeg", b); }
  gif(b: Uint8Array): void { this.raw("image/gif", b); }
  pdf(b: Uint8Array): void { this.raw("application/pdf", b); }
  text(s: string): void { this.raw("text/plain", s); }
  raw(contentType: string, b: string | Uint8Array): void {
    const data = typeof b === "string" ? b : Buffer.from(b).toString("base64");
    const bundle = { [contentType]: data };
    if (this.displayId !== undefined && this.shown) {
      updateDisplay(this.displayId, bundle);
      return;
    }
    this.shown = true;
    display(bundle, this.displayId === undefined ? { raw: true } : { raw: true, displayId: this.displayId });
  }
}

/** What `require("tslab")` returns inside cells: tslab's public API, wired to this kernel. */
export function createTslabCompat(versions: { tslab: string; typescript: string; node: string }) {
  return {
    versions,
    display: new MimeDisplay(),
    newDisplay: () => new MimeDisplay(randomBytes(8).toString("hex")),
  };
}

let magicRegistrar: ((magic: unknown) => void) | undefined;

/** Lets the kernel receive magics that cells register with `registerMagic` from "tunelab". */
export function setMagicRegistrar(registrar: (magic: unknown) => void): void {
  magicRegistrar = registrar;
}

/** Adds a line or cell magic (see src/magic/types.ts) to the kernel's registry, usable from the next cell on. */
export function registerMagic(magic: Magic): void {
  if (magicRegistrar === undefined) throw new Error("registerMagic is only available inside the tunelab kernel");
  magicRegistrar(magic);
}

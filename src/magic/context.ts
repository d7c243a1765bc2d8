/**
 * Contexts handed to magics: derived from the kernel's {@link MagicContext} with some members
 * replaced (nested magics in a cell magic's body), and with their own output following the
 * innermost `%%capture` (see {@link withMagicOutputTo}).
 *
 * Members are forwarded one by one, so a kernel's context may be a class instance with private
 * fields.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { MagicContext, OutputSink } from "./types";

/** The members a derived context may replace. */
export type ContextOverrides = Partial<Pick<MagicContext, "evaluate">>;

/** Where magics' own output goes while a capture is running (absent: the context's cell). */
const magicOutput = new AsyncLocalStorage<OutputSink>();

/** The kernel context at the root of each derived context, where its output goes by default. */
const cellOutput = new WeakMap<MagicContext, OutputSink>();

/**
 * Runs `run` with the output that magics write through their contexts (`context.stdout`,
 * `context.display`, …) sent to `sink`; used by `%%capture` together with
 * `MagicContext.redirectOutput`, which redirects the output of evaluated code.
 */
export function withMagicOutputTo<T>(sink: OutputSink, run: () => Promise<T>): Promise<T> {
  return magicOutput.run(sink, run);
}

/**
 * A context that forwards to `base` except for `overrides`, and whose output methods write to
 * the innermost {@link withMagicOutputTo} sink when one is active.
 */
export function deriveContext(base: MagicContext, overrides: ContextOverrides = {}): MagicContext {
  const cell = cellOutput.get(base) ?? base;
  const sink = (): OutputSink => magicOutput.getStore() ?? cell;
  const derived: MagicContext = {
    ...forwardOutput(sink),
    evaluate: overrides.evaluate ?? ((code) => base.evaluate(code)),
    lookup: (name) => base.lookup(name),
    has: (name) => base.has(name),
    assign: (name, value) => base.assign(name, value),
    get signal() {
      return base.signal;
    },
    interruptCooperatively: () => base.interruptCooperatively(),
    get executionCount() {
      return base.executionCount;
    },
  };
  if (base.names !== undefined) derived.names = () => base.names!();
  if (base.redirectOutput !== undefined) {
    derived.redirectOutput = <T>(target: OutputSink, run: () => Promise<T>): Promise<T> => base.redirectOutput!(target, run);
  }
  cellOutput.set(derived, cell);
  return derived;
}

/**
 * Where output written through `context` goes right now: the innermost capture's sink, or the
 * context itself. A capture takes it before starting, to pass through what it does not capture.
 */
export function currentMagicOutput(context: MagicContext): OutputSink {
  return magicOutput.getStore() ?? cellOutput.get(context) ?? context;
}

/** An {@link OutputSink} whose members write to whatever `target()` returns at the time of the call. */
export function forwardOutput(target: () => OutputSink): OutputSink {
  return {
    stdout: (text) => target().stdout(text),
    stderr: (text) => target().stderr(text),
    display: (bundle, options) => target().display(bundle, options),
    updateDisplay: (id, bundle, metadata) => target().updateDisplay(id, bundle, metadata),
    clearOutput: (wait) => target().clearOutput(wait),
  };
}

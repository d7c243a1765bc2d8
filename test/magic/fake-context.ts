/**
 * A stand-in for the kernel's MagicContext, for testing the magic system on its own: code runs
 * as JavaScript in a `node:vm` context (declarations persist between calls, as in a notebook),
 * and every output is recorded in order. Output of evaluated code (`console.log`, `display`)
 * is routed with AsyncLocalStorage, as a kernel does, so `redirectOutput` works for real.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createContext, runInContext } from "node:vm";
import type { DisplayOptions, MagicContext, MimeBundle, OutputSink } from "../../src/magic/types";

/** One recorded output message. */
export type Recorded =
  | { kind: "stdout" | "stderr"; text: string }
  | { kind: "display"; bundle: MimeBundle; options?: DisplayOptions }
  | { kind: "update"; id: string; bundle: MimeBundle }
  | { kind: "clear"; wait: boolean };

export interface FakeContextOptions {
  /** Leave out `redirectOutput`, as a kernel without it would. */
  readonly withoutRedirect?: boolean;
}

export class FakeContext implements MagicContext {
  readonly outputs: Recorded[] = [];
  readonly evaluated: string[] = [];
  readonly controller = new AbortController();
  readonly executionCount = 7;
  cooperative = false;
  private readonly routing = new AsyncLocalStorage<OutputSink>();
  private readonly sandbox: Record<string, unknown>;
  /** The sandbox's own globals (console, display, …), which are not the notebook's names. */
  private readonly builtins: ReadonlySet<string>;
  redirectOutput?: <T>(sink: OutputSink, run: () => Promise<T>) => Promise<T>;

  constructor(options: FakeContextOptions = {}) {
    const target = (): OutputSink => this.routing.getStore() ?? this;
    this.sandbox = {
      console: {
        log: (...parts: unknown[]) => target().stdout(`${parts.map(String).join(" ")}\n`),
        error: (...parts: unknown[]) => target().stderr(`${parts.map(String).join(" ")}\n`),
      },
      // structuredClone brings objects made in the vm context into this realm (for deepEqual).
      display: (bundle: MimeBundle, displayOptions?: DisplayOptions) =>
        target().display(structuredClone(bundle), displayOptions === undefined ? undefined : structuredClone(displayOptions)),
      updateDisplay: (id: string, bundle: MimeBundle) => target().updateDisplay(id, structuredClone(bundle)),
      Promise,
      setTimeout,
    };
    createContext(this.sandbox);
    this.builtins = new Set(Object.keys(this.sandbox));
    if (options.withoutRedirect !== true) {
      this.redirectOutput = <T>(sink: OutputSink, run: () => Promise<T>): Promise<T> => this.routing.run(sink, run);
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  async evaluate(code: string): Promise<unknown> {
    this.evaluated.push(code);
    return await runInContext(code, this.sandbox);
  }

  lookup(name: string): unknown {
    return this.has(name) ? runInContext(name, this.sandbox) : undefined;
  }

  has(name: string): boolean {
    return runInContext(`typeof ${name} !== "undefined"`, this.sandbox) === true;
  }

  /** Top-level `var`/function declarations and assigned names (vm contexts keep let/const apart). */
  names(): string[] {
    return Object.keys(this.sandbox).filter((name) => !this.builtins.has(name));
  }

  assign(name: string, value: unknown): void {
    this.sandbox[name] = value;
  }

  display(bundle: MimeBundle, options?: DisplayOptions): void {
    this.outputs.push(options === undefined ? { kind: "display", bundle } : { kind: "display", bundle, options });
  }

  updateDisplay(id: string, bundle: MimeBundle): void {
    this.outputs.push({ kind: "update", id, bundle });
  }

  clearOutput(wait = false): void {
    this.outputs.push({ kind: "clear", wait });
  }

  stdout(text: string): void {
    this.outputs.push({ kind: "stdout", text });
  }

  stderr(text: string): void {
    this.outputs.push({ kind: "stderr", text });
  }

  interruptCooperatively(): void {
    this.cooperative = true;
  }

  /** Everything written to stdout, joined. */
  stdoutText(): string {
    return this.outputs.flatMap((output) => (output.kind === "stdout" ? [output.text] : [])).join("");
  }
}

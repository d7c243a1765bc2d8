/**
 * A notebook's globals and outputs without a kernel, for the benchmarks that run `%%tune` through
 * the real magic front end: every displayed bundle is serialised to JSON as the kernel would send
 * it, so rendering costs count.
 */
import type { DisplayOptions, MagicContext, MimeBundle } from "../src/magic/types";

/** A notebook's globals and outputs without a kernel; outputs are serialised as if sent. */
export class BenchContext implements MagicContext {
  readonly variables = new Map<string, unknown>();
  readonly signal: AbortSignal = new AbortController().signal;
  readonly executionCount = 1;
  sentBytes = 0;
  updates = 0;
  async evaluate(): Promise<unknown> {
    throw new Error("not used by the benchmark");
  }
  lookup(name: string): unknown {
    return this.variables.get(name);
  }
  has(name: string): boolean {
    return this.variables.has(name);
  }
  assign(name: string, value: unknown): void {
    this.variables.set(name, value);
  }
  display(bundle: MimeBundle, _options?: DisplayOptions): void {
    this.sentBytes += JSON.stringify(bundle).length;
  }
  updateDisplay(_id: string, bundle: MimeBundle): void {
    this.updates++;
    this.sentBytes += JSON.stringify(bundle).length;
  }
  clearOutput(): void {}
  stdout(): void {}
  stderr(): void {}
  interruptCooperatively(): void {}
}


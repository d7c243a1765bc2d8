/**
 * A notebook's globals and outputs without a kernel, for benchmarks that run cells through the
 * real `%%tune` front end (`runCell`). Every displayed bundle is serialised to JSON as the kernel
 * would send it, so rendering costs count in the measured time.
 */
import type { DisplayOptions, MagicContext, MimeBundle } from "../src/magic/types";

/** A plain-map notebook context that counts what it would send. */
export class BenchContext implements MagicContext {
  readonly variables = new Map<string, unknown>();
  readonly signal: AbortSignal = new AbortController().signal;
  readonly executionCount = 1;
  /** Bytes of JSON the displays and updates would have sent. */
  sentBytes = 0;
  /** Updates of a display in place (the live view). */
  updates = 0;
  /** Time spent serialising displays (ms): part of the rendering cost. */
  serialiseMs = 0;
  /** What the cell wrote to stdout (the search's report, the worker-count line, …). */
  readonly printed: string[] = [];

  async evaluate(): Promise<unknown> {
    throw new Error("BenchContext.evaluate: the benchmark gives the notebook's variables with assign(), it runs no code");
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
    this.send(bundle);
  }
  updateDisplay(_id: string, bundle: MimeBundle): void {
    this.updates++;
    this.send(bundle);
  }
  clearOutput(): void {}
  stdout(text: string): void {
    this.printed.push(text);
  }
  stderr(text: string): void {
    this.printed.push(text);
  }
  interruptCooperatively(): void {}

  private send(bundle: MimeBundle): void {
    const start = performance.now();
    this.sentBytes += JSON.stringify(bundle).length;
    this.serialiseMs += performance.now() - start;
  }
}

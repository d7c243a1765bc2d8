/**
 * Warming the path every cell takes through the compiler, while the kernel is idle after it starts.
 *
 * A kernel's first cells are slower than its later ones: in a real kernel, the first twenty
 * distinct cells took 12–29 ms each and later ones about 6 ms, while V8 optimized the compiler's
 * functions that every cell runs (building the program, making and using a type checker, the
 * emit). The code cache (code-cache.ts) keeps their bytecode, not their optimized code, which V8
 * makes anew in each process once a function has run often enough.
 *
 * So while nothing is asked of the kernel, it compiles small cells like a notebook's first ones
 * ({@link warmUpCell}), one per turn of the event loop, and drops what they compile: the notebook's
 * declarations, values and compilations stay as they were. A request that arrives waits for at
 * most the one cell being compiled (a few ms); the warm-up then pauses until the kernel is idle
 * again, and ends after {@link WARM_UP_CELLS} cells, about a third of a second of idle time.
 */
import { log } from "../common/log";
import { unguardedSetImmediate } from "./guard";

/** How many cells the warm-up compiles: by then a cell's compilation time has settled. */
export const WARM_UP_CELLS = 40;

/**
 * The `index`th cell the warm-up compiles: expressions, declarations, arrow functions, template
 * literals and calls of library methods, as short cells are; valid TypeScript and JavaScript, and
 * its names are the warm-up's own (a later cell may declare them again anyway).
 */
export function warmUpCell(index: number): string {
  const name = `__tunelabWarmUp${index}`;
  switch (index % 4) {
    case 0:
      return `${index} + 1`;
    case 1:
      return `const ${name} = [${index}, 2].map((x) => x * 2);\n${name}.length`;
    case 2:
      return `\`run \${${index}}\`.toUpperCase()`;
    default:
      return `function ${name}(a = ${index}) { return Math.max(a, 1); }\n${name}()`;
  }
}

/** Compiles `code` as a cell of the notebook and drops the result; `false` when it had errors. */
export type WarmUpCompile = (code: string) => boolean;

/** The warm-up of one engine: how far it got, and whether it is compiling now. */
export class CellPathWarmUp {
  private next = 0;
  private running = false;
  /** Warm-up cells compiled without errors, and the time that took, ms. */
  compiled = 0;
  compileMs = 0;

  constructor(private readonly compile: WarmUpCompile) {}

  /** Whether every warm-up cell was compiled (or the warm-up gave up). */
  get done(): boolean {
    return this.next >= WARM_UP_CELLS;
  }

  /**
   * Compiles the next warm-up cells, one per turn of the event loop, while `idle()` says nothing
   * waits for the kernel; resolves when it stopped (finished, or not idle). A call while it runs
   * changes nothing.
   */
  async continueWhile(idle: () => boolean): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.done) {
        // One turn first: the work the last cell (or request) scheduled, and any request that arrived, come before.
        await new Promise((resolve) => unguardedSetImmediate(resolve));
        if (!idle()) return;
        this.step();
      }
    } finally {
      this.running = false;
    }
  }

  private step(): void {
    const index = this.next;
    this.next += 1;
    const started = performance.now();
    try {
      if (this.compile(warmUpCell(index))) {
        this.compiled += 1;
        this.compileMs += performance.now() - started;
        if (this.done) log(`warmed the cell path: ${this.compiled} cells compiled in ${Math.round(this.compileMs)} ms of idle time`);
        return;
      }
      log(`warming the cell path: cell ${index} had errors; the warm-up stops`);
    } catch (error) {
      log(`warming the cell path failed: ${(error as Error).message}`);
    }
    this.next = WARM_UP_CELLS;
  }
}

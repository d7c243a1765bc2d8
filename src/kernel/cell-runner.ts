/**
 * Running cells on the main thread: the execution engine (created on first use), the magic
 * registry, the {@link MagicContext} of each cell, and interrupts of the running cell as far as
 * the main thread can carry them out (the transport worker does the rest: see transport.ts).
 */
import type { Engine, Language } from "../exec/engine";
import { codeCacheDir, COMPILER_MODULE, loadWithCodeCache } from "../exec/code-cache";
import { guardFunction, INTERRUPTED, unguardedSetImmediate, setCallbackInterruptedListener, setForcedInterruptProbe, setSigintSeenListener, shareGuardedFlag, takePendingSigint } from "../exec/guard";
import type { RunOutcome } from "../exec/outcome";
import { CellScope, currentScope, runInScope } from "../exec/output";
import { setMagicRegistrar } from "../exec/display";
import type { Magic, MagicContext, MagicRegistry, OutputSink } from "../magic";
import { forwardOutput } from "../magic/context";
import { SharedSlot } from "./bridge";
import { errorContent, errorOutcome, INTERRUPTED_OUTCOME, InterruptError, shownValue, unwrap } from "./cell-errors";
import { log } from "../common/log";
import type { Content } from "./messages";

/** What running a cell gives: its outcome and the payload of its reply (pager text of `x?`). */
export interface CellResult {
  readonly outcome: RunOutcome;
  readonly payload: unknown[];
}

/**
 * How many turns of the event loop a cell waits for a SIGINT meant for earlier work to be seen
 * before it starts anyway: a signal that arrived while `vm` had taken the SIGINT handlers away is
 * lost (counted in turns, not ms: on a loaded machine a turn may take long).
 */
const SIGINT_SEEN_TURNS = 25;

/** A cell being executed, with what is needed to settle it from outside. */
interface RunningCell {
  /** Its number from the transport worker (see bridge.ts). */
  readonly execution: number;
  readonly scope: CellScope;
  /** Its scope and the redirected ones of its magics (`%%capture`): code running in them is this cell's. */
  readonly scopes: WeakSet<CellScope>;
  readonly abort: AbortController;
  cooperative: boolean;
  settle(outcome: RunOutcome): void;
}

/** Runs cells one at a time and interrupts the running one. */
export class CellRunner {
  /** The magics, made on first use (see {@link magics}). */
  private registry: MagicRegistry | undefined;
  private projectMagicsRegistered = false;
  private engineInstance: Engine | undefined;
  /** Writes the compiler's code cache after the first cell (once: then it is `undefined`). */
  private saveCodeCache: (() => void) | undefined;
  private running: RunningCell | undefined;
  /** The last execution interrupted before it ran (it may wait for the compiler): it is settled as interrupted when it starts. */
  private interruptedBeforeStart: number | undefined;

  /** @param shared the flags shared with the transport worker (see {@link SharedSlot}) */
  constructor(
    private readonly language: Language,
    private readonly shared: Int32Array,
  ) {
    setMagicRegistrar((magic) => this.magics.register(magic as Magic));
    // A SIGINT stopped a timer callback or a function of a cell: the cell it belongs to (if it
    // still runs, not a later one) must stop too, as it may be waiting on something else.
    setCallbackInterruptedListener((scope) => {
      const cell = this.running;
      if (cell !== undefined && scope !== undefined && cell.scopes.has(scope)) this.interrupt(cell.execution);
    });
    setForcedInterruptProbe(() => {
      const running = Atomics.load(shared, SharedSlot.Running);
      return running !== 0 && Atomics.load(shared, SharedSlot.Forced) === running;
    });
    setSigintSeenListener(() => this.sigintSeen());
    shareGuardedFlag(shared, SharedSlot.Guarded);
  }

  /**
   * The execution engine, created on first use (loading the compiler takes seconds). Its module
   * is loaded here too, so that the kernel can start its transport before TypeScript loads.
   */
  get engine(): Engine {
    if (this.engineInstance === undefined) {
      const startedMs = performance.now();
      this.saveCodeCache = loadCompiler();
      const { Engine: EngineClass } = require("../exec/engine") as typeof import("../exec/engine");
      this.engineInstance = new EngineClass(this.language, process.cwd());
      log(`compiler ready in ${Math.round(performance.now() - startedMs)} ms, ${Math.round(performance.now())} ms after launch (${this.engineInstance.syntaxTreesFromCache} syntax trees from the cache${this.engineInstance.syntaxTreePackReadAhead ? ", read ahead" : ""})`);
    }
    return this.engineInstance;
  }

  /**
   * Warms the compiler's per-cell path while `idle()` holds, once the engine exists (see
   * Engine.warmUpCellPath); resolves when it stopped.
   */
  warmUpCellPath(idle: () => boolean): Promise<void> {
    return this.engineInstance?.warmUpCellPath(idle) ?? Promise.resolve();
  }

  /**
   * The magics cells can use: the builtins, `%%tune`, and those cells register. The magic system
   * is loaded on first use, after the compiler (the kernel loads it once the compiler is ready), so
   * that a first cell without magics does not wait for it; `%%tune` loads the tuning engine,
   * TensorFlow.js helpers and storages.
   */
  get magics(): MagicRegistry {
    if (this.registry === undefined) {
      const { createDefaultRegistry } = require("../magic") as typeof import("../magic");
      this.registry = createDefaultRegistry({ currentOutput: () => currentScope()?.sink });
    }
    if (!this.projectMagicsRegistered) {
      this.projectMagicsRegistered = true;
      registerProjectMagics(this.registry);
    }
    return this.registry;
  }

  /**
   * Releases the engine and, if `%%tune` was loaded, the training threads it keeps warm between
   * searches (at shutdown and restart).
   */
  async close(): Promise<void> {
    const engine = this.engineInstance;
    if (engine !== undefined) {
      const { programs, served } = engine.checkersMadeAhead;
      log(`${served} of the compiler's ${programs} programs took a type checker made between cells`);
      engine.close();
    }
    if (!this.projectMagicsRegistered) return;
    try {
      const { sessionPool } = require("../tfjs/pool/warm-pool") as typeof import("../tfjs/pool/warm-pool");
      const threads = sessionPool.current?.size;
      await sessionPool.close();
      if (threads !== undefined) log(`closed the warm training pool (${threads} threads)`);
    } catch (error) {
      log(`closing the warm training pool failed: ${(error as Error).message}`);
    }
  }

  /**
   * What the SIGINT the worker sent was for, now that this thread has seen it (in its SIGINT
   * handler, or stopping guarded code); undefined if the worker sent none (a SIGINT from outside).
   */
  sigintSeen(): number | undefined {
    const target = Atomics.exchange(this.shared, SharedSlot.SigintFor, 0);
    return target === 0 ? undefined : target;
  }

  /** The execution of the running cell, if one runs. */
  get runningExecution(): number | undefined {
    return this.running?.execution;
  }

  /**
   * Runs a cell (through the magic system when it has magics) in `scope` as `execution` (its
   * number from the transport worker); settles on interrupt.
   */
  async run(code: string, scope: CellScope, execution: number): Promise<CellResult> {
    // Set before reading SigintFor (the worker does the converse): a SIGINT meant for earlier work
    // may be on its way; it must be seen before this cell's code runs, or it would stop this cell.
    Atomics.store(this.shared, SharedSlot.Running, execution);
    await this.untilSigintSeen();
    if (this.interruptedBeforeStart === execution) {
      Atomics.store(this.shared, SharedSlot.Running, 0);
      scope.close();
      log(`cell ${scope.executionCount} was interrupted before it started`);
      return { outcome: INTERRUPTED_OUTCOME, payload: [] };
    }
    return new Promise((resolve) => {
      const abort = new AbortController();
      let settled = false;
      const finish = (outcome: RunOutcome, payload: unknown[] = []) => {
        if (settled) return;
        settled = true;
        this.running = undefined;
        Atomics.store(this.shared, SharedSlot.Running, 0);
        Atomics.store(this.shared, SharedSlot.Cooperative, 0);
        if (outcome.status === "error" && outcome.ename === INTERRUPTED) scope.close();
        resolve({ outcome, payload });
        // After the reply: the cache then holds the functions the first cell compiled too.
        const save = this.saveCodeCache;
        this.saveCodeCache = undefined;
        if (save !== undefined) unguardedSetImmediate(save);
        // Trees the first program (or a cell's import) parsed are kept for the next kernels.
        const engine = this.engineInstance;
        if (engine !== undefined) unguardedSetImmediate(() => void engine.saveSyntaxTrees());
      };
      const cell: RunningCell = { execution, scope, scopes: new WeakSet([scope]), abort, cooperative: false, settle: (outcome) => finish(outcome) };
      this.running = cell;
      const context = this.magicContext(cell);
      runInScope(scope, async () => {
        try {
          if (!hasMagicSyntax(code)) return finish(await this.engine.run(code));
          const { alignedCode, runCell } = require("../magic/run") as typeof import("../magic/run");
          const result = await runCell(code, {
            registry: this.magics,
            context,
            runCode: async (segment) => unwrap(await this.engine.run(alignedCode(segment))),
            inspect: (name) => {
              const text = this.engine.inspect(name, name.length);
              return text === undefined ? undefined : { "text/plain": text };
            },
          });
          const outcome: RunOutcome = { status: "ok", hasValue: result.value !== undefined, value: result.value };
          return finish(outcome, [...result.payload]);
        } catch (error) {
          return finish(errorOutcome(error, abort.signal));
        }
      }).catch((error: unknown) => finish(errorOutcome(error, abort.signal)));
    });
  }

  /** Evaluates `user_expressions` after a successful cell, as ipykernel does (each on its own). */
  async userExpressions(expressions: Readonly<Record<string, string>>): Promise<Content> {
    const results: Content = {};
    for (const [name, expression] of Object.entries(expressions)) {
      const outcome = await this.engine.run(expression);
      const shown = outcome.status === "ok" ? shownValue(outcome.value) : { failure: outcome };
      results[name] = "data" in shown ? { status: "ok", data: shown.data, metadata: {} } : { status: "error", ...errorContent(shown.failure) };
    }
    return results;
  }

  /**
   * Interrupts `execution`: if it is the running cell, aborts its signal, and settles it now unless
   * it declared it stops by itself (a busy cell cannot be reached here: the transport worker's
   * SIGINT stops it); with `force` (the worker waited in vain for the cell to stop) a cooperative
   * cell is settled too. Otherwise it is noted: should it start later (it was requested and waits),
   * it is settled as interrupted at once; a finished one never starts again.
   */
  interrupt(execution: number, force = false): void {
    const cell = this.running;
    if (cell === undefined || cell.execution !== execution) {
      this.interruptedBeforeStart = execution;
      return;
    }
    if (!cell.abort.signal.aborted) {
      log(`interrupting cell ${cell.scope.executionCount}`);
      cell.abort.abort(new InterruptError());
    }
    if (!cell.cooperative || force) {
      this.engineInstance?.abandonRunning();
      cell.settle(INTERRUPTED_OUTCOME);
    }
  }

  /**
   * Waits until no SIGINT of the worker is on its way (see {@link SharedSlot.SigintFor}): it
   * reaches this thread's SIGINT handler (given a turn of the event loop), or Node holds it for
   * the next guarded call ({@link takePendingSigint} takes it).
   */
  private async untilSigintSeen(): Promise<void> {
    for (let turn = 0; Atomics.load(this.shared, SharedSlot.SigintFor) !== 0; turn++) {
      if (takePendingSigint()) continue;
      if (turn >= SIGINT_SEEN_TURNS) {
        log(`the SIGINT sent for execution ${Atomics.load(this.shared, SharedSlot.SigintFor)} was lost; starting the next cell`);
        this.sigintSeen();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** The {@link MagicContext} of one cell: the engine's namespace, and the cell's output. */
  private magicContext(cell: RunningCell): MagicContext {
    const engine = this.engine;
    const scope = cell.scope;
    const shared = this.shared;
    return {
      ...forwardOutput(() => scope.sink),
      evaluate: async (code) => unwrap(await engine.run(code)),
      // A SIGINT stops a busy loop only in guarded code: a function of the notebook that a magic
      // calls (an objective of %%tune) is guarded here (see src/exec/guard.ts).
      lookup: (name) => guardFunction(engine.lookup(name)),
      has: (name) => engine.has(name),
      names: () => engine.names(),
      assign: (name, value) => engine.assign(name, value),
      signal: cell.abort.signal,
      interruptCooperatively: () => {
        cell.cooperative = true;
        Atomics.store(shared, SharedSlot.Cooperative, 1);
      },
      executionCount: scope.executionCount,
      redirectOutput: <T>(target: OutputSink, run: () => Promise<T>): Promise<T> => {
        const redirected = scope.redirectedTo(target);
        cell.scopes.add(redirected);
        return runInScope(redirected, run);
      },
    };
  }
}

/** Loads the compiler with its code cache; returns what writes the cache when there was none. */
function loadCompiler(): (() => void) | undefined {
  try {
    const compiler = loadWithCodeCache(COMPILER_MODULE, codeCacheDir());
    return compiler.cacheUsed || compiler.cacheFile === undefined ? undefined : () => compiler.save();
  } catch (error) {
    log(`loading the compiler with a code cache failed (${(error as Error).message}); loading it without`);
    return undefined;
  }
}

/** `%%tune` and `%tune_plot` (src/magic/tune); a broken tuner must not take the kernel down with it. */
function registerProjectMagics(registry: MagicRegistry): void {
  try {
    const tuner = require("../magic/tune") as typeof import("../magic/tune");
    const session = require("../cell-api/session") as typeof import("../cell-api/session");
    tuner.registerTuneMagics(registry, { embedding: session.sessionEmbedding });
  } catch (error) {
    log(`%%tune is unavailable: ${(error as Error).message}`);
  }
}

/** Whether a cell needs the magic system: a line starting with `%`, or a trailing `?`. */
function hasMagicSyntax(code: string): boolean {
  return /(^|\n)%/.test(code) || /\?\s*$/.test(code);
}

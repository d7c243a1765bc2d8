/**
 * Where a SIGINT can stop cell code. Node stops JavaScript on SIGINT only inside
 * `vm.runInThisContext({ breakOnSigint: true })`: its watchdog terminates execution and the `vm`
 * call turns that into a catchable `ERR_SCRIPT_EXECUTION_INTERRUPTED` error, with the event loop,
 * async hooks and globals intact. Terminating execution anywhere else (the inspector's
 * `Runtime.terminateExecution`, `worker.terminate()` of the main thread) unwinds through Node's
 * async-hook bookkeeping and aborts the process (`env_->execution_async_id() == 0`), so the
 * kernel never does that: it makes sure cell code runs inside such a call instead.
 *
 * Cell code is guarded at four places: a cell's own run (engine.ts), every resumption of a
 * compiled `async` function of a cell ({@link installGuardedAwaiter}), timer callbacks scheduled
 * by cells, and calls from kernel-side code (magics such as `%%tune`) into functions that cells
 * defined ({@link guardFunction}).
 */
import * as vm from "node:vm";
import type * as TypeScript from "@tslab/typescript-for-tslab";
import { currentScope, type CellScope } from "./output";
import { log } from "../common/log";

/**
 * `setImmediate` as it was before {@link installGuardedAwaiter} wrapped it, for the kernel's own
 * work scheduled while a cell runs: that must not run guarded (each guarded call starts and stops
 * Node's SIGINT watchdog thread, up to a millisecond on a busy machine).
 */
export const unguardedSetImmediate: typeof setImmediate = setImmediate;

/** Name of the error raised when a SIGINT stops cell code. */
export const INTERRUPTED = "Interrupted";

/** The code of the error `vm` throws when a SIGINT stopped the code it runs. */
export const SIGINT_CODE = "ERR_SCRIPT_EXECUTION_INTERRUPTED";

/**
 * Compiles `async` functions in `script` to generators (ES2016 output) so that their
 * resumptions go through the guarded `__awaiter`; scripts without `async` are left as they are.
 */
export function guardAsync(script: string): string {
  if (!/\basync\b/.test(script)) return script;
  // Loaded here, not at the top: the kernel imports this module before it needs the compiler.
  const ts = require("@tslab/typescript-for-tslab") as typeof TypeScript;
  return ts.transpileModule(script, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2016,
      module: ts.ModuleKind.None,
      useDefineForClassFields: true,
      noImplicitUseStrict: true,
      allowJs: true,
    },
    fileName: "cell.js",
  }).outputText;
}

let awaiterInstalled = false;
let pendingStep: (() => unknown) | undefined;
let stepScript: vm.Script | undefined;
/** How many {@link runGuarded} calls are under way (they nest: a magic called from a cell calls a cell's function). */
let guardedDepth = 0;

/** Values of the flag of {@link shareGuardedFlag}. */
export const enum GuardedState {
  /** No guarded code runs, or it is about to leave `vm`: a SIGINT could find Node without a handler. */
  Outside = 0,
  /** Guarded code runs inside `vm` with `breakOnSigint`: a SIGINT lands there. */
  Inside = 1,
  /** Another thread swapped `Inside` for this and is sending SIGINT: guarded code waits for it in `vm`. */
  Signalling = 2,
}

let guardedFlag: { readonly array: Int32Array; readonly index: number } | undefined;

/**
 * Shares whether guarded code runs (a {@link GuardedState} in `array[index]`) with a thread that
 * sends SIGINT to this process. Node has no SIGINT handler of its own for an instant as a
 * `breakOnSigint` call starts and ends (`vm` takes the process's SIGINT listeners away, then its
 * watchdog's handler, then gives the listeners back), and a SIGINT then ends the process. So the
 * sender swaps `Inside` for `Signalling` before it signals, and guarded code about to return
 * finds `Signalling` and waits, still under the watchdog, for the signal to stop it.
 */
export function shareGuardedFlag(array: Int32Array, index: number): void {
  guardedFlag = { array, index };
}

/** How long guarded code waits inside `vm` for a SIGINT announced by {@link GuardedState.Signalling}, in ms. */
const ANNOUNCED_SIGINT_WAIT_MS = 1000;

/** Inside `vm`, at the end of the outermost guarded step: leave, or wait for the SIGINT on its way. */
function leaveGuarded(): void {
  const flag = guardedFlag;
  if (flag === undefined || Atomics.compareExchange(flag.array, flag.index, GuardedState.Inside, GuardedState.Outside) !== GuardedState.Signalling) return;
  const end = performance.now() + ANNOUNCED_SIGINT_WAIT_MS;
  while (Atomics.load(flag.array, flag.index) === GuardedState.Signalling && performance.now() < end);
  log("an announced SIGINT did not arrive");
  Atomics.store(flag.array, flag.index, GuardedState.Outside);
}

/** Runs `step` inside `vm` with `breakOnSigint`, so that a SIGINT stops a busy loop in it. */
export function runGuarded<T>(step: () => T): T {
  if (stepScript === undefined) {
    (globalThis as Record<string, unknown>)["__tunelab_step__"] = runPendingStep;
    stepScript = new vm.Script("__tunelab_step__()", { filename: "tunelab-await-step" });
  }
  pendingStep = step;
  guardedDepth += 1;
  try {
    return stepScript.runInThisContext({ breakOnSigint: true, displayErrors: false }) as T;
  } catch (error) {
    noteIfSigint(error);
    throw error;
  } finally {
    guardedDepth -= 1;
    if (guardedDepth === 0 && guardedFlag !== undefined) Atomics.store(guardedFlag.array, guardedFlag.index, GuardedState.Outside);
  }
}

/** The body of the guarded script: runs the pending step, marking the outermost one in the shared flag. */
function runPendingStep(): unknown {
  const step = pendingStep;
  pendingStep = undefined;
  const outermost = guardedDepth === 1 && guardedFlag !== undefined;
  if (outermost) Atomics.store(guardedFlag!.array, guardedFlag!.index, GuardedState.Inside);
  try {
    return step?.();
  } finally {
    if (outermost) leaveGuarded();
  }
}

/** How long {@link takePendingSigint} runs guarded code, in ms. */
const PENDING_SIGINT_SPIN_MS = 5;

/**
 * Gives a SIGINT that Node holds back a `vm` call to land in, and returns whether one did. A
 * SIGINT that arrives as a `breakOnSigint` call ends can stay posted to Node's SIGINT watchdog
 * (node_watchdog.cc: its helper thread sees the signal only after the call stopped the watchdog,
 * and the semaphore keeps the post) and then stops the *next* `breakOnSigint` call, whatever code
 * that runs. Running a short empty loop under `breakOnSigint` takes such a signal harmlessly.
 */
export function takePendingSigint(): boolean {
  try {
    runGuarded(() => {
      const end = performance.now() + PENDING_SIGINT_SPIN_MS;
      while (performance.now() < end);
    });
    return false;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === SIGINT_CODE) return true;
    throw error;
  }
}

let sigintSeen: () => void = () => undefined;

/** Sets what is told when a SIGINT stopped guarded code (the kernel then knows the signal arrived). */
export function setSigintSeenListener(listener: () => void): void {
  sigintSeen = listener;
}

/** Tells the listener of {@link setSigintSeenListener} if `error` is the one a SIGINT raises in `vm`. */
export function noteIfSigint(error: unknown): void {
  if ((error as { code?: unknown } | null)?.code === SIGINT_CODE) sigintSeen();
}

/**
 * Wraps `setTimeout`, `setInterval` and `setImmediate` so that callbacks scheduled by cells run
 * guarded too: a busy loop in a timer callback is stopped by SIGINT (and logged) instead of
 * leaving the kernel stuck. Callbacks scheduled by the kernel itself are not touched.
 */
function guardTimerCallbacks(): void {
  const globals = globalThis as Record<string, unknown>;
  for (const name of ["setTimeout", "setInterval", "setImmediate"] as const) {
    const original = globals[name] as (this: unknown, callback: unknown, ...rest: unknown[]) => unknown;
    const wrapped = function (this: unknown, callback: unknown, ...rest: unknown[]): unknown {
      if (typeof callback !== "function" || currentScope() === undefined) return original.call(this, callback, ...rest);
      const guarded = (...args: unknown[]) => {
        try {
          return runGuarded(() => (callback as (...a: unknown[]) => unknown)(...args));
        } catch (error) {
          if ((error as { code?: unknown } | null)?.code !== SIGINT_CODE) throw error;
          log(`interrupted a ${name} callback of cell ${currentScope()?.executionCount ?? "?"}`);
          callbackInterrupted(currentScope());
          return undefined;
        }
      };
      return original.call(this, guarded, ...rest);
    };
    const { prototype: _prototype, ...descriptors } = Object.getOwnPropertyDescriptors(original);
    Object.defineProperties(wrapped, descriptors);
    globals[name] = wrapped;
  }
}
let forcedInterrupt: () => boolean = () => false;
let callbackInterrupted: (scope: CellScope | undefined) => void = () => undefined;

/**
 * Sets what happens when a SIGINT stopped a timer callback of a cell or a cell's function called
 * by a magic (the cell itself may be waiting on something else and must then be interrupted too).
 */
export function setCallbackInterruptedListener(listener: (scope: CellScope | undefined) => void): void {
  callbackInterrupted = listener;
}

/**
 * Sets the probe that compiled `async` functions of cells check at every resumption: when it
 * returns true they throw an `Interrupted` error instead of continuing. This stops loops that
 * never yield to the event loop (e.g. `while (true) await null;`), which neither a message nor
 * a SIGINT outside `vm` could reach.
 */
export function setForcedInterruptProbe(probe: () => boolean): void {
  forcedInterrupt = probe;
}

/**
 * Defines the global `__awaiter` used by compiled `async` functions: each step of the generator
 * runs inside `vm` with `breakOnSigint`, so that a SIGINT interrupts a busy loop after an await.
 */
export function installGuardedAwaiter(): void {
  if (awaiterInstalled) return;
  awaiterInstalled = true;
  const globals = globalThis as Record<string, unknown>;
  guardTimerCallbacks();
  globals["__awaiter"] = function awaiter(thisArg: unknown, args: unknown, P: PromiseConstructor | undefined, generator: (...a: unknown[]) => Generator) {
    const PromiseType = P ?? Promise;
    return new PromiseType((resolve, reject) => {
      let iterator: Generator | undefined;
      const advance = (kind: "start" | "next" | "throw", value?: unknown): void => {
        if (kind !== "start" && (currentScope()?.isOpen === false || forcedInterrupt())) {
          // The cell that started this function was interrupted: stop its leftover work here.
          kind = "throw";
          value = Object.assign(new Error("execution was interrupted"), { name: INTERRUPTED });
        }
        let result: IteratorResult<unknown>;
        try {
          result = runGuarded((): IteratorResult<unknown> => {
            if (kind === "start") iterator = generator.apply(thisArg, (args as unknown[] | undefined) ?? []);
            const it = iterator as Generator;
            return kind === "throw" ? it.throw(value) : it.next(value);
          });
        } catch (error) {
          reject(error);
          return;
        }
        if (result.done) resolve(result.value);
        else
          PromiseType.resolve(result.value).then(
            (v) => advance("next", v),
            (e: unknown) => advance("throw", e),
          );
      };
      advance("start");
    });
  };
}


const guardedFunctions = new WeakMap<object, unknown>();
/** Each proxy of {@link guardFunction} → its function. */
const guardTargets = new WeakMap<object, object>();
let toStringPatched = false;

/**
 * `Function.prototype.toString` of a proxy gives `function () { [native code] }`; magics read a
 * function's source (`%whos` lists its parameters), so for the proxies of {@link guardFunction}
 * it gives the function's own source. Every other function is unaffected.
 */
function patchToString(): void {
  if (toStringPatched) return;
  toStringPatched = true;
  const original = Function.prototype.toString;
  const patched = function toString(this: unknown): string {
    return original.call((typeof this === "function" && guardTargets.get(this)) || this);
  };
  Object.defineProperty(Function.prototype, "toString", { value: patched, writable: true, configurable: true, enumerable: false });
}

/**
 * `value` itself, or for a function a proxy of it whose calls run inside {@link runGuarded}, so
 * that a busy loop in a cell's function called from kernel-side code (an objective `%%tune`
 * calls) is stopped by SIGINT. `new`, properties, `name` and the source text go to the function
 * itself; the same function always gives the same proxy.
 */
export function guardFunction<T>(value: T): T {
  if (typeof value !== "function") return value;
  const known = guardedFunctions.get(value);
  if (known !== undefined) return known as T;
  const guarded = new Proxy(value, {
    apply: (target, thisArg, args: unknown[]) => {
      if (forcedInterrupt()) {
        // The worker gave up waiting: no new call into the cell's code (a loop of calls would
        // otherwise go on before the interrupt message reaches this thread).
        callbackInterrupted(currentScope());
        throw Object.assign(new Error("execution was interrupted"), { name: INTERRUPTED });
      }
      try {
        return runGuarded(() => Reflect.apply(target as (...a: unknown[]) => unknown, thisArg, args));
      } catch (error) {
        if ((error as { code?: unknown } | null)?.code === SIGINT_CODE) callbackInterrupted(currentScope());
        throw error;
      }
    },
  });
  patchToString();
  guardedFunctions.set(value, guarded);
  guardedFunctions.set(guarded, guarded);
  guardTargets.set(guarded, value);
  return guarded;
}

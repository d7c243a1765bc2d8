/**
 * Chooses the TensorFlow.js backend once per process: the native `tensorflow` backend of
 * `@tensorflow/tfjs-node` when that optional dependency loads, else WebAssembly
 * (`@tensorflow/tfjs-backend-wasm`, its `.wasm` binaries read from the local `node_modules`, never
 * the network), else the pure-JavaScript CPU backend.
 *
 * One engine per process: `@tensorflow/tfjs-core` keeps its engine (registered backends, the active
 * backend, tensor bookkeeping) on the global object (`globalThis._tfengine`), so a notebook cell's
 * `import * as tf from "@tensorflow/tfjs"` sees the backend chosen here, whichever copy of the
 * package it resolves to. The selection itself is memoised on the global object as well, so two
 * copies of this module (compiled `dist/` and `tsx`) still choose once.
 */
import { dirname, sep } from "node:path";
import { setFlagsFromString } from "node:v8";
import type * as tfjs from "@tensorflow/tfjs";
import { messageOf } from "../common/errors";
import { fastTransposedMatMul } from "./wasm-matmul";
import { registerFileRouters } from "./file-io";

/** The TensorFlow.js namespace (`import * as tf from "@tensorflow/tfjs"`). */
export type TensorFlow = typeof tfjs;

/** The backends this module can select, fastest first. */
export type BackendName = "tensorflow" | "wasm" | "cpu";

/** The outcome of backend selection. */
export interface LoadedTensorFlow {
  /** The TensorFlow.js namespace, with {@link LoadedTensorFlow.backend} active. */
  readonly tf: TensorFlow;
  readonly backend: BackendName;
  /** Why this backend was chosen, e.g. "tfjs-node not installed". */
  readonly reason: string;
  /** One line for the user: "TensorFlow.js 4.22.0 backend: wasm (tfjs-node not installed)". */
  readonly description: string;
}

/** How {@link selectBackend} loads modules and which backends it may try. */
export interface SelectBackendOptions {
  /** Loads a module by id (default: Node's `require`); injectable so tests can simulate failures. */
  readonly requireModule?: (id: string) => unknown;
  /** The backends to try, in order (default: tensorflow, wasm, cpu). */
  readonly order?: readonly BackendName[];
}

const DEFAULT_ORDER: readonly BackendName[] = ["tensorflow", "wasm", "cpu"];

/** Where the memoised selection lives: on the global object, shared by every copy of this module. */
const MEMO_KEY = Symbol.for("tunelab.tfjs.loadTensorFlow");

/**
 * Loads TensorFlow.js and selects its backend, once per process; later calls return the same
 * promise. The order can be narrowed with the environment variable `TUNELAB_TFJS_BACKEND`
 * (`tensorflow`, `wasm` or `cpu`: that backend first, then the usual fallbacks after it).
 */
export function loadTensorFlow(): Promise<LoadedTensorFlow> {
  const holder = globalThis as unknown as Record<symbol, Promise<LoadedTensorFlow> | undefined>;
  let loaded = holder[MEMO_KEY];
  if (loaded === undefined) {
    // Without tfjs-node, model.save("file://…") and tf.loadLayersModel("file://…") work all the same (file-io.ts).
    loaded = selectBackend({ order: orderFromEnvironment(process.env["TUNELAB_TFJS_BACKEND"]) }).then((selected) => {
      if (selected.backend !== "tensorflow") registerFileRouters(selected.tf);
      return selected;
    });
    holder[MEMO_KEY] = loaded;
  }
  return loaded;
}

/** Whether the user has been told which backend runs (once per process, shared by every copy of this module). */
const NOTICE_KEY = Symbol.for("tunelab.tfjs.backendNoticeShown");

/**
 * The one line that tells the user which backend runs ({@link LoadedTensorFlow.description}) the
 * first time it is asked for in this process, and `undefined` afterwards.
 */
export function takeBackendNotice(loaded: LoadedTensorFlow): string | undefined {
  const holder = globalThis as unknown as Record<symbol, boolean | undefined>;
  if (holder[NOTICE_KEY] === true) return undefined;
  holder[NOTICE_KEY] = true;
  return loaded.description;
}

/**
 * The backend order for a `TUNELAB_TFJS_BACKEND` value: the named backend and those after it in
 * the default order (so `wasm` still falls back to `cpu`).
 * @throws Error for a value that names no backend
 */
export function orderFromEnvironment(value: string | undefined): readonly BackendName[] {
  if (value === undefined || value === "") return DEFAULT_ORDER;
  const start = DEFAULT_ORDER.indexOf(value as BackendName);
  if (start < 0) {
    throw new Error(`TUNELAB_TFJS_BACKEND must be one of ${DEFAULT_ORDER.join(", ")}, but got "${value}"`);
  }
  return DEFAULT_ORDER.slice(start);
}

/**
 * Tries each backend of `options.order` and activates the first that works. Not memoised: use
 * {@link loadTensorFlow} in the kernel; this is the testable core.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<LoadedTensorFlow> {
  const requireModule = options.requireModule ?? require;
  const order = options.order ?? DEFAULT_ORDER;
  const skipped: string[] = [];
  for (const backend of order) {
    const attempt = await tryBackend(backend, requireModule);
    if (attempt.ok) {
      const reason = skipped.length > 0 ? skipped.join("; ") : attempt.note;
      return {
        tf: attempt.tf,
        backend,
        reason,
        description: `TensorFlow.js ${attempt.tf.version.tfjs} backend: ${backend} (${reason})`,
      };
    }
    skipped.push(attempt.why);
  }
  throw new Error(`no TensorFlow.js backend could be started: ${skipped.join("; ")}`);
}

type Attempt = { ok: true; tf: TensorFlow; note: string } | { ok: false; why: string };

async function tryBackend(backend: BackendName, requireModule: (id: string) => unknown): Promise<Attempt> {
  switch (backend) {
    case "tensorflow":
      return tryTfjsNode(requireModule);
    case "wasm":
      return tryWasm(requireModule);
    case "cpu":
      return tryCpu(requireModule);
  }
}

async function tryTfjsNode(requireModule: (id: string) => unknown): Promise<Attempt> {
  let tf: TensorFlow;
  try {
    tf = requireModule("@tensorflow/tfjs-node") as TensorFlow;
  } catch (error) {
    return { ok: false, why: isModuleNotFound(error, "@tensorflow/tfjs-node") ? "tfjs-node not installed" : `tfjs-node failed to load: ${messageOf(error)}` };
  }
  if (await activate(tf, "tensorflow")) return { ok: true, tf, note: "native, via tfjs-node" };
  return { ok: false, why: "tfjs-node loaded but its tensorflow backend did not start" };
}

async function tryWasm(requireModule: (id: string) => unknown): Promise<Attempt> {
  const listenersBefore = processListeners();
  try {
    const tf = requireModule("@tensorflow/tfjs") as TensorFlow;
    const wasm = requireModule("@tensorflow/tfjs-backend-wasm") as typeof import("@tensorflow/tfjs-backend-wasm");
    if (!isInitialized(tf, "wasm")) {
      optimizeWasmAtOnce();
      // The three binaries (plain, SIMD, threaded SIMD) sit side by side in dist/; the backend
      // picks SIMD when WebAssembly SIMD validates (it does in Node 20) and never the threaded
      // one under Node (its flag WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE).
      const binary = (require as NodeJS.Require).resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm");
      wasm.setWasmPaths(dirname(binary) + sep);
    }
    if (!(await activate(tf, "wasm"))) return { ok: false, why: "wasm backend did not start" };
    // Its transposed-A matrix products (every Dense layer's weight gradient) take a slow path: see wasm-matmul.ts.
    fastTransposedMatMul(tf);
    const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
    return { ok: true, tf, note: simd ? "WebAssembly with SIMD" : "WebAssembly" };
  } catch (error) {
    return { ok: false, why: `wasm failed: ${messageOf(error)}` };
  } finally {
    removeListenersAddedSince(listenersBefore);
  }
}

/**
 * Has V8 optimise every function of a WebAssembly module in the background as soon as it is
 * compiled (dynamic tiering off), instead of only the functions that it has seen run hot. With
 * dynamic tiering, the backend's kernels ran on the baseline compiler's code for the first seconds
 * of a search, while the threads that would optimise them competed with the training threads for
 * the cores: the first search of a session trained at about half speed until then. Measured
 * (bench:schedulers --seeds 1 --methods bayes --no-peer --trace, the first search of the process,
 * 2 worker threads, one run each, noisy): the first trial (20 epochs, batch 64) 1.03–1.16 s →
 * 0.68–0.81 s, the first 0.98 trial done at 2.8–3.0 s → 1.9–2.5 s, the wall 16.3–16.7 s →
 * 12.7–16.0 s.
 * The flag is the process's (worker threads included) and applies to modules compiled after it.
 */
function optimizeWasmAtOnce(): void {
  setFlagsFromString("--no-wasm-dynamic-tiering");
}

type ProcessEventName = "uncaughtException" | "unhandledRejection";
const GUARDED_EVENTS: readonly ProcessEventName[] = ["uncaughtException", "unhandledRejection"];

type Listener = (...args: unknown[]) => void;
/** `process` as a plain emitter: its typed overloads do not accept a union of event names. */
const processEvents: NodeJS.EventEmitter = process;

function processListeners(): Map<ProcessEventName, readonly Listener[]> {
  return new Map(GUARDED_EVENTS.map((event) => [event, processEvents.listeners(event) as Listener[]]));
}

/**
 * The Emscripten glue of the wasm backend installs `uncaughtException` and `unhandledRejection`
 * listeners that rethrow, which turns any error another part of the process handles (a kernel
 * keeping itself alive) into a crash printing the whole minified glue. Its own clean-up of them is
 * broken, so the ones added while the backend started are removed here; Node's defaults remain.
 */
function removeListenersAddedSince(before: Map<ProcessEventName, readonly Listener[]>): void {
  for (const event of GUARDED_EVENTS) {
    const known = before.get(event) ?? [];
    for (const listener of processEvents.listeners(event) as Listener[]) {
      if (!known.includes(listener)) processEvents.removeListener(event, listener);
    }
  }
}

async function tryCpu(requireModule: (id: string) => unknown): Promise<Attempt> {
  try {
    const tf = requireModule("@tensorflow/tfjs") as TensorFlow;
    if (await activate(tf, "cpu")) return { ok: true, tf, note: "plain JavaScript" };
    return { ok: false, why: "cpu backend did not start" };
  } catch (error) {
    return { ok: false, why: `cpu failed: ${messageOf(error)}` };
  }
}

/** Makes `name` the active backend; false when it is not registered or fails to initialise. */
async function activate(tf: TensorFlow, name: string): Promise<boolean> {
  if (tf.findBackendFactory(name) === null && !isInitialized(tf, name)) return false;
  const ok = await tf.setBackend(name);
  await tf.ready();
  return ok && tf.getBackend() === name;
}

/** Whether `name` is already initialised (read without `tf.findBackend`, which would initialise it). */
function isInitialized(tf: TensorFlow, name: string): boolean {
  return name in tf.engine().registry;
}

function isModuleNotFound(error: unknown, id: string): boolean {
  return (
    error instanceof Error &&
    (error as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND" &&
    error.message.includes(id)
  );
}


/**
 * The execution engine: the cell compiler (cell-compiler.ts) turns a cell of TypeScript (or
 * JavaScript) into JavaScript with declarations carried from cell to cell; this module runs the
 * result, reports values and errors as data, and answers completion, inspection and is_complete.
 *
 * Interrupts: the code of a cell runs guarded (guard.ts: inside `vm` with `breakOnSigint`), as
 * does the rest of cell code (resumptions after `await`, timer callbacks, functions
 * called by magics), so a SIGINT stops a busy loop wherever it is in cell code, as a catchable
 * error, with the event loop and globals intact.
 */
import * as vm from "node:vm";
import * as path from "node:path";
import Module from "node:module";
import ts = require("@tslab/typescript-for-tslab");
// tslab's internals (not its public API): package.json pins tslab to the exact version they were read from.
import type * as TslabConverter from "tslab/dist/converter";
import { printQuickInfo } from "tslab/dist/inspect";
import { CellCompiler, type CellDiagnostic, type CompiledCell } from "./cell-compiler";
import { CellPathWarmUp } from "./cell-path-warm-up";
import { createTslabCompat, toMimeBundle } from "./display";
// The cell globals set below, typed from their declaration (test/cell-api checks the two agree).
import * as tunelabModule from "../cell-api/globals";
import { tunelabNotebookModule } from "../cell-api/runtime";
import { messageOf } from "../common/errors";
import { log } from "../common/log";
import { installVirtualPackages } from "./virtual-packages";
import { guardAsync, installGuardedAwaiter, INTERRUPTED, runGuarded, SIGINT_CODE } from "./guard";
import { expandShorthand, type ShorthandExpansion } from "./shorthand";
import { liveTopLevelBindings } from "./live-bindings";
import { carryDeclarations, declarationsAfterFailure, objectNamespacesAsValues } from "./declarations";
import { hasTopLevelAwait } from "./top-level-await";
import { installCellStackTrim } from "./stack-trim";
import { INTERRUPTED_OUTCOME, type RunOutcome } from "./outcome";

/** Which language the engine compiles. */
export type Language = "typescript" | "javascript";

/** Completion candidates replacing `code[start, end)`. */
export interface Completion {
  readonly start: number;
  readonly end: number;
  readonly matches: readonly string[];
}

/** `is_complete` verdict with the indent to continue with. */
export type Completeness = { readonly status: "complete" } | { readonly status: "incomplete"; readonly indent: string } | { readonly status: "invalid" };

export { INTERRUPTED, installGuardedAwaiter, setCallbackInterruptedListener, setForcedInterruptProbe } from "./guard";

export { INTERRUPTED_OUTCOME, type CellError, type RunOutcome } from "./outcome";

/** How many conversions are remembered for re-run cells. */
const CONVERSION_CACHE_SIZE = 64;

/** Runs cells of one language in this process's global context. */
export class Engine {
  private readonly compiler: CellCompiler;
  private prevDecl = "";
  /** The declarations of the cell running now, or awaiting at its top level (see {@link Engine.abandonRunning}). */
  private running: { readonly declOutput: string | undefined } | undefined;
  private readonly locals: Record<string, unknown>;
  private readonly require: NodeJS.Require;
  private readonly sideOutputs = new Map<string, string>();
  private cellNumber = 0;
  /** Recent conversions by declarations + code, oldest first (an LRU). */
  private readonly conversions = new Map<string, CompiledCell>();
  /** Compiling small cells while the kernel is idle after it starts (cell-path-warm-up.ts). */
  private readonly cellPathWarmUp = new CellPathWarmUp((code) => this.compiler.convert(this.prevDecl, code).diagnostics.length === 0);

  /**
   * @param language TypeScript or JavaScript
   * @param rootDir where cell imports are resolved from (the notebook's directory)
   */
  constructor(readonly language: Language, readonly rootDir: string = process.cwd()) {
    installGuardedAwaiter();
    installCellStackTrim();
    installVirtualPackages(rootDir);
    this.compiler = new CellCompiler(rootDir, language === "javascript");
    // The first program (parsing and binding the libraries and `@types`) is built now, not in the first cell.
    this.compiler.warmUp();
    this.locals = createLocals();
    this.require = this.createCellRequire();
    const globals = globalThis as Record<string, unknown>;
    globals["__tunelab__"] = { exports: this.locals, require: this.require };
    for (const name of ["display", "updateDisplay", "clearOutput", "input", "prompt"] as const) globals[name] = tunelabModule[name];
  }

  /** Compiles and runs `code`; resolves with its last expression's value or its error. */
  async run(code: string): Promise<RunOutcome> {
    this.cellNumber += 1;
    const converted = this.convert(code);
    for (const side of converted.sideOutputs ?? []) this.sideOutputs.set(side.path, side.data);
    if (converted.diagnostics.length > 0) return compileError(converted.diagnostics);
    if (converted.output === undefined) {
      this.prevDecl = carryDeclarations(this.prevDecl, converted.declOutput ?? this.prevDecl);
      return { status: "ok", hasValue: false, value: undefined };
    }
    if (TFJS_IMPORT.test(converted.output)) await prepareTensorFlow();
    const awaits = converted.hasToplevelAwait === true || hasTopLevelAwait(converted.output);
    const script = guardAsync(wrapCell(converted.output, awaits));
    let result: unknown;
    const cell = { declOutput: converted.declOutput };
    this.running = cell;
    try {
      // Guarded (see guard.ts): a SIGINT stops a busy loop of the cell.
      const filename = `cell-${this.cellNumber}.js`;
      result = runGuarded(() => vm.runInThisContext(script, { filename, displayErrors: false }));
      if (awaits) await result;
    } catch (error) {
      // What the cell declared and set before it failed stays usable, as in one script (an
      // abandoned cell's were kept when it was abandoned).
      if (this.running === cell) this.abandonRunning();
      return runtimeError(error);
    }
    // Abandoned while it awaited: its outcome was settled then, and a later cell's declarations rule.
    if (this.running !== cell) return { status: "ok", hasValue: false, value: undefined };
    this.running = undefined;
    this.prevDecl = carryDeclarations(this.prevDecl, converted.declOutput ?? this.prevDecl);
    const name = converted.lastExpressionVar;
    if (name === undefined || !(name in this.locals)) return { status: "ok", hasValue: false, value: undefined };
    const value = this.locals[name];
    delete this.locals[name];
    return { status: "ok", hasValue: value !== undefined, value };
  }

  /** How many syntax trees of libraries and packages were rebuilt from the cache instead of parsed. */
  get syntaxTreesFromCache(): number {
    return this.compiler.syntaxTrees?.hits ?? 0;
  }

  /** Whether the syntax tree pack was read ahead, before the compiler loaded (code-cache.ts `readAheadFile`). */
  get syntaxTreePackReadAhead(): boolean {
    return this.compiler.syntaxTrees?.packReadAhead ?? false;
  }

  /** How many of the compiler's programs took a type checker made between cells, of how many (spare-checker.ts). */
  get checkersMadeAhead(): { readonly programs: number; readonly served: number } {
    return this.compiler.checkersMadeAhead;
  }

  /**
   * Keeps the syntax trees of the libraries and packages parsed so far for later kernels
   * (syntax-tree-cache.ts), one file per turn of the event loop; for idle time, after a cell.
   */
  saveSyntaxTrees(): Promise<void> {
    return this.compiler.syntaxTrees?.saveBetweenTurns() ?? Promise.resolve();
  }

  /**
   * Gives up on the cell whose top-level await is pending (an interrupt settles it from outside):
   * what it declared and set so far stays usable, as when a cell throws; its await settling later
   * changes nothing.
   */
  abandonRunning(): void {
    const cell = this.running;
    this.running = undefined;
    if (cell?.declOutput !== undefined) this.prevDecl = declarationsAfterFailure(this.prevDecl, cell.declOutput, (name) => this.locals[name] !== undefined);
  }

  /**
   * The compilation of `code` after the current declarations. Re-running an unchanged cell
   * with unchanged declarations reuses the earlier result (no compiler pass), unless the cell
   * imports local files, whose contents may have changed.
   */
  private convert(code: string): CompiledCell {
    const key = `${this.prevDecl}\u0000${code}`;
    const cached = this.conversions.get(key);
    if (cached !== undefined) {
      this.conversions.delete(key);
      this.conversions.set(key, cached);
      return cached;
    }
    const expansion = expandShorthand(code, this.language);
    const compiled = withSourceColumns(this.compiler.convert(this.prevDecl, expansion.code), expansion);
    const live = compiled.output === undefined ? compiled : { ...compiled, output: liveTopLevelBindings(compiled.output) };
    const converted = this.language === "javascript" && live.declOutput !== undefined ? { ...live, declOutput: objectNamespacesAsValues(live.declOutput) } : live;
    if (converted.sideOutputs === undefined && !/\b(import|require)\b/.test(code)) {
      this.conversions.set(key, converted);
      if (this.conversions.size > CONVERSION_CACHE_SIZE) this.conversions.delete(this.conversions.keys().next().value as string);
    }
    return converted;
  }

  /** Runs `code` like a cell and returns its value, throwing its error (for magics). */
  async evaluate(code: string): Promise<unknown> {
    const outcome = await this.run(code);
    if (outcome.status === "error") {
      const error = new Error(outcome.evalue);
      error.name = outcome.ename;
      throw error;
    }
    return outcome.value;
  }

  /** Whether an earlier cell defined `name`. */
  has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.locals, name);
  }

  /** The names earlier cells defined (variables, functions, classes, imports) and magics bound. */
  names(): string[] {
    return Object.keys(this.locals);
  }

  /** The value of `name` defined by earlier cells, or `undefined`. */
  lookup(name: string): unknown {
    return this.locals[name];
  }

  /** Binds `name` for later cells (typed `any` unless a cell declared it). */
  assign(name: string, value: unknown): void {
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`cannot assign ${JSON.stringify(name)}: expected a JavaScript identifier`);
    this.locals[name] = value;
    if (!new RegExp(`\\b(let|const|var|function|class)\\s+${name.replace(/\$/g, "\\$")}\\b`).test(this.prevDecl)) {
      this.prevDecl += `\nexport declare let ${name}: any;\n`;
    }
  }

  /** Completion candidates at `cursor` (a UTF-16 offset into `code`). */
  complete(code: string, cursor: number): Completion {
    const info = this.compiler.complete(this.prevDecl, code, cursor);
    // tslab matches case-insensitively; prefer the candidates that match the typed case.
    const typed = code.slice(info.start, cursor);
    const exact = info.candidates.filter((name) => name.startsWith(typed));
    return { start: info.start, end: info.end, matches: exact.length > 0 ? exact : info.candidates };
  }

  /**
   * Warms the compiler's per-cell path while `idle()` holds (cell-path-warm-up.ts): the notebook
   * is unchanged. Resolves when it stopped; call it again when idle again, until it is done.
   */
  warmUpCellPath(idle: () => boolean): Promise<void> {
    return this.cellPathWarmUp.continueWhile(idle);
  }

  /** How many cells the warm-up of {@link warmUpCellPath} compiled so far (without errors). */
  get warmUpCellsCompiled(): number {
    return this.cellPathWarmUp.compiled;
  }

  /** The documentation of the symbol at `cursor`, or `undefined` when there is none. */
  inspect(code: string, cursor: number): string | undefined {
    const info = this.compiler.inspect(this.prevDecl, code, cursor);
    if (info === undefined || info === null) return undefined;
    // tslab's printer puts each documentation part on a line of its own: `{@link parseTable}` came
    // out as "{@link \nparseTable\n}". One part, links written as their names.
    const documentation = (info.documentation ?? []).map((part) => (part.kind === "link" ? "" : part.text)).join("");
    const text = printQuickInfo({ ...info, documentation: documentation === "" ? [] : [{ kind: "text", text: documentation }] });
    return text === "" ? undefined : text;
  }

  /** Whether `code` is a complete cell, needs more lines, or cannot parse at all. */
  isComplete(code: string): Completeness {
    const kind = this.language === "javascript" ? ts.ScriptKind.JS : ts.ScriptKind.TS;
    const file = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, kind);
    type ParseDiagnostic = { start: number; length: number; messageText: unknown };
    const problems = (file as unknown as { parseDiagnostics?: readonly ParseDiagnostic[] }).parseDiagnostics ?? [];
    if (problems.length === 0) return { status: "complete" };
    // Only "... expected" at the very end means the code stops early; anything else cannot parse.
    const atEnd = (d: ParseDiagnostic) => d.start === code.length && d.length === 0 && typeof d.messageText === "string" && d.messageText.endsWith(" expected.");
    if (!problems.every(atEnd)) return { status: "invalid" };
    const verdict = tslabConverter().isCompleteCode(code);
    return verdict.completed ? { status: "invalid" } : { status: "incomplete", indent: verdict.indent ?? "" };
  }

  /** Forgets every declaration and value (a restart without a new process). */
  reset(): void {
    this.prevDecl = "";
    for (const name of Object.keys(this.locals)) delete this.locals[name];
  }

  /** Releases the compiler (it holds no watchers or handles: nothing keeps the process alive). */
  close(): void {
    this.compiler.close();
  }

  private createCellRequire(): NodeJS.Require {
    const base = Module.createRequire(path.join(this.rootDir, "cell.js"));
    const compat = createTslabCompat({ tslab: tslabVersion(), typescript: ts.version, node: process.version });
    const sideModules = new Map<string, Module>();
    const sideOutputs = this.sideOutputs;
    const rootDir = this.rootDir;
    /** The notebook's own module `id` asked for from `directory` (compiled by the cell compiler: a side output), if it is one. */
    const sideModule = (id: string, directory: string): { exports: unknown } | undefined => {
      if (!(id.startsWith("./") || id.startsWith("../") || path.isAbsolute(id))) return undefined;
      let file = path.resolve(directory, id).replace(/\\/g, "/");
      if (path.extname(file) === "" || /\.[cm]?tsx?$/.test(file)) file = file.replace(/\.[cm]?tsx?$/, "") + ".js";
      const source = sideOutputs.get(file);
      if (source === undefined) return undefined;
      if (!sideModules.has(file)) {
        const mod = new Module(file);
        mod.filename = file;
        mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
        // Its own imports of the notebook's modules (`./helper` next to it) are side outputs too.
        const nativeRequire = mod.require.bind(mod);
        mod.require = ((request: string) => sideModule(request, path.dirname(file))?.exports ?? nativeRequire(request)) as NodeJS.Require;
        sideModules.set(file, mod);
        (mod as unknown as { _compile(src: string, file: string): void })._compile(source, file);
      }
      return { exports: (sideModules.get(file) as Module).exports };
    };
    const cellRequire = (id: string): unknown => {
      if (id === "tslab") return compat;
      if (id === "tunelab") return tunelabNotebookModule();
      const side = sideModule(id, rootDir);
      if (side !== undefined) return side.exports;
      try {
        return base(id);
      } catch (error) {
        // A package the notebook's directory lacks but tunelab ships (TensorFlow.js, ...): tunelab's
        // own copy, which is also the one %%tune trains with.
        if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND" || id.startsWith(".") || path.isAbsolute(id)) throw error;
        try {
          return require(id);
        } catch (ownError) {
          // Not there either: the notebook's error (its require stack is the notebook's folder, not the kernel's modules).
          if ((ownError as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") throw error;
          throw ownError;
        }
      }
    };
    return Object.assign(cellRequire, { resolve: base.resolve, cache: base.cache, main: base.main, extensions: base.extensions }) as NodeJS.Require;
  }
}

/** A compiled cell that loads TensorFlow.js. */
const TFJS_IMPORT = /require\(["']@tensorflow\/tfjs(-core|-layers)?["']\)/;

/**
 * Selects the TensorFlow.js backend (tfjs-node, else WebAssembly, else CPU) before the first cell
 * that imports it runs, so its tensors live on that backend, and tells the user which one it is.
 */
async function prepareTensorFlow(): Promise<void> {
  const backend = require("../tfjs/backend") as typeof import("../tfjs/backend");
  const loaded = await backend.loadTensorFlow();
  const notice = backend.takeBackendNotice(loaded);
  if (notice !== undefined) process.stdout.write(`${notice}\n`);
}

/** The exports object of cells: named imports arrive via defineProperty and must stay writable. */
function createLocals(): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  return new Proxy(target, {
    defineProperty: (_t, prop, attributes) => {
      if (prop === "__esModule") return true;
      target[prop as string] = attributes.get ? attributes.get() : attributes.value;
      return true;
    },
  });
}

function wrapCell(output: string, hasTopLevelAwait: boolean): string {
  const prefix = hasTopLevelAwait ? "(async function(exports, require) { " : "(function(exports, require) { ";
  return `${prefix}${output}\n})(__tunelab__.exports, __tunelab__.require)`;
}


function tslabVersion(): string {
  try {
    return (require("tslab/package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** A conversion whose diagnostics point at the written cell, not at its shorthand expansion. */
function withSourceColumns(converted: CompiledCell, expansion: ShorthandExpansion): CompiledCell {
  if (converted.diagnostics.length === 0) return converted;
  const map = (pos: CellDiagnostic["start"]): CellDiagnostic["start"] => ({ ...pos, character: expansion.toSource(pos.line, pos.character) });
  return { ...converted, diagnostics: converted.diagnostics.map((d) => ({ ...d, start: map(d.start), end: map(d.end) })) };
}

function compileError(diagnostics: readonly CellDiagnostic[]): RunOutcome {
  const lines = diagnostics.map((d) => `${d.fileName ? `${d.fileName} ` : ""}${d.start.line + 1}:${d.start.character + 1} - ${d.messageText}`);
  return { status: "error", ename: "CompileError", evalue: lines[0] ?? "compile error", traceback: lines };
}

function runtimeError(error: unknown): RunOutcome {
  const bySigint = readString(() => (error as { code?: unknown } | null)?.code) === SIGINT_CODE;
  if (bySigint || (error instanceof Error && readString(() => error.name) === INTERRUPTED)) {
    log(`cell stopped by ${bySigint ? "SIGINT" : "forced interrupt"}`);
    return INTERRUPTED_OUTCOME;
  }
  if (error instanceof Error) {
    // A cell's error may have getters that throw: each part is read on its own (messageOf never throws).
    const stack = readString(() => error.stack) ?? "";
    const name = readString(() => error.name) ?? "Error";
    const message = messageOf(error);
    const frames: string[] = [];
    // Stacks already end at the cell (stack-trim.ts); this cut is for a stack formatted by a
    // prepareStackTrace a cell set itself, which stack-trim no longer wraps.
    for (const line of stack.split("\n")) {
      if (!line.startsWith("    at ")) continue;
      if (/Script\.runInThisContext|sigintHandlersWrap|tunelab-await-step/.test(line)) break;
      frames.push(line);
    }
    frames.unshift(`${name}: ${message}`);
    return { status: "error", ename: name, evalue: message, traceback: frames };
  }
  const text = readString(() => toMimeBundle(error)["text/plain"]) ?? messageOf(error);
  return { status: "error", ename: "Uncaught", evalue: text, traceback: [`Uncaught ${text}`] };
}

/** What `read` returns when it is a string; `undefined` when it is not or reading it throws. */
function readString(read: () => unknown): string | undefined {
  try {
    const value = read();
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * tslab's converter module, loaded on first use (by `is_complete`): loading it loads `semver` and
 * copies the compiler's 2,250 exports, which the first cell need not wait for.
 */
function tslabConverter(): typeof TslabConverter {
  return require("tslab/dist/converter") as typeof TslabConverter;
}

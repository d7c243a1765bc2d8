/**
 * Type declarations for what the kernel provides to cells, served to tslab's compiler as if they
 * were installed packages under the notebook directory's `node_modules`: the `tunelab` module
 * (`import { display } from "tunelab"`) and an `@types` package declaring the cell globals.
 * Nothing is written to disk: the compiler's file system (`ts.sys`) is extended in memory.
 */
import * as path from "node:path";
import * as ts from "@tslab/typescript-for-tslab";

const DISPLAY_OPTIONS = "{ displayId?: string; metadata?: Record<string, unknown>; raw?: boolean }";

/** Declarations shared by the module and the globals. */
const API = `
/** A handle on a displayed output, to update it in place. */
interface TunelabDisplayHandle { readonly displayId: string; update(value: unknown): void; }
/** Shortcuts for common MIME types (like tslab's Display). */
interface TunelabMimeDisplay {
  javascript(s: string): void; html(s: string): void; markdown(s: string): void; latex(s: string): void;
  svg(s: string): void; png(b: Uint8Array): void; jpeg(b: Uint8Array): void; gif(b: Uint8Array): void;
  pdf(b: Uint8Array): void; text(s: string): void; raw(contentType: string, b: string | Uint8Array): void;
}`;

const GLOBALS = `${API}
/** Shows a value: a MIME bundle ({"text/html": ...}), an object with Symbol.for("Jupyter.display"), or anything as text. */
declare function display(value: unknown, options?: ${DISPLAY_OPTIONS}): void;
/** Replaces the output shown under displayId. */
declare function updateDisplay(displayId: string, value: unknown, metadata?: Record<string, unknown>): void;
/** Clears the cell output; with wait, just before the next output arrives. */
declare function clearOutput(wait?: boolean): void;
/** Asks the user for a line of text (input_request on the stdin channel). */
declare function input(prompt?: string, options?: { password?: boolean }): Promise<string>;
/** Alias of input(). */
declare function prompt(message?: string): Promise<string>;
`;

const MODULE = `${API.replace(/interface /g, "export interface ")}
/** Shows a value: a MIME bundle, an object with Symbol.for("Jupyter.display"), or anything as text. */
export declare function display(value: unknown, options?: ${DISPLAY_OPTIONS}): void;
/** Like display, returning a handle to update the output in place. */
export declare function show(value: unknown, options?: ${DISPLAY_OPTIONS}): TunelabDisplayHandle;
/** Replaces the output shown under displayId. */
export declare function updateDisplay(displayId: string, value: unknown, metadata?: Record<string, unknown>): void;
/** Clears the cell output; with wait, just before the next output arrives. */
export declare function clearOutput(wait?: boolean): void;
/** Asks the user for a line of text (input_request on the stdin channel). */
export declare function input(prompt?: string, options?: { password?: boolean }): Promise<string>;
/** Alias of input(). */
export declare function prompt(message?: string): Promise<string>;
/** Displays HTML. */
export declare function html(s: string): void;
/** Displays Markdown. */
export declare function markdown(s: string): void;
/** A display whose later calls replace its output. */
export declare function newDisplay(): TunelabMimeDisplay;
/** What a magic's run receives: see MagicContext in tunelab's src/magic/types.ts. */
export interface MagicContext {
  evaluate(code: string): Promise<unknown>; lookup(name: string): unknown; has(name: string): boolean; assign(name: string, value: unknown): void;
  display(bundle: Record<string, unknown>, options?: { displayId?: string; metadata?: Record<string, unknown> }): void;
  updateDisplay(displayId: string, bundle: Record<string, unknown>, metadata?: Record<string, unknown>): void;
  clearOutput(wait?: boolean): void; stdout(text: string): void; stderr(text: string): void;
  readonly signal: AbortSignal; interruptCooperatively(): void; readonly executionCount: number;
}
/** A line magic (%name args) or cell magic (%%name args + body) defined in a notebook. */
export type NotebookMagic =
  | { kind: "line"; name: string; summary: string; help?: string; options?: readonly unknown[]; positionals?: readonly unknown[];
      run(args: Record<string, unknown>, context: MagicContext): unknown }
  | { kind: "cell"; name: string; summary: string; help?: string; options?: readonly unknown[]; positionals?: readonly unknown[];
      run(args: Record<string, unknown>, body: string, context: MagicContext, bodyLine: number): unknown };
/** Registers a magic in the kernel, usable from the next cell on. */
export declare function registerMagic(magic: NotebookMagic): void;
/** The symbol of self-rendering objects: obj[JUPYTER_DISPLAY]() returns a MIME bundle. */
export declare const JUPYTER_DISPLAY: unique symbol;
`;

/** The compiled notebook API (data helpers, the tuning engine, `plot`), re-exported by the `tunelab` module. */
const NOTEBOOK_API = path.join(__dirname, "..", "cell-api", "api");

/** tunelab's own `node_modules`: packages it ships (TensorFlow.js, ...) that a notebook's directory may lack. */
const OWN_MODULES = path.join(__dirname, "..", "..", "..", "node_modules").replace(/\\/g, "/");

let installedFor: string | undefined;

/** Makes the virtual packages visible to compilers created afterwards for `rootDir`. */
export function installVirtualPackages(rootDir: string): void {
  if (installedFor !== undefined) return;
  installedFor = rootDir;
  const norm = (p: string) => p.replace(/\\/g, "/");
  const modules = norm(path.join(rootDir, "node_modules"));
  const files = new Map<string, string>([
    [`${modules}/tunelab/package.json`, JSON.stringify({ name: "tunelab", version: "0.0.0", types: "index.d.ts" })],
    [`${modules}/tunelab/index.d.ts`, `${MODULE}\nexport * from ${JSON.stringify(NOTEBOOK_API.replace(/\\/g, "/"))};\n`],
    [`${modules}/@types/tunelab__cell-globals/package.json`, JSON.stringify({ name: "@types/tunelab__cell-globals", version: "0.0.0", types: "index.d.ts" })],
    [`${modules}/@types/tunelab__cell-globals/index.d.ts`, GLOBALS],
  ]);
  const directories = new Set<string>();
  for (const file of files.keys()) {
    for (let dir = path.posix.dirname(file); dir.startsWith(modules); dir = path.posix.dirname(dir)) directories.add(dir);
  }
  const sys = ts.sys;
  const { fileExists, readFile, directoryExists, getDirectories, realpath } = sys;
  // A package the notebook's node_modules lacks is looked up in tunelab's own (see OWN_MODULES).
  const overlay = (p: string): string | undefined => {
    const file = norm(p);
    return modules !== OWN_MODULES && file.startsWith(`${modules}/`) ? `${OWN_MODULES}${file.slice(modules.length)}` : undefined;
  };
  const onDisk = (p: string): string | undefined => {
    if (fileExists.call(sys, p)) return p;
    const own = overlay(p);
    return own !== undefined && fileExists.call(sys, own) ? own : undefined;
  };
  const dirOnDisk = (p: string): string | undefined => {
    if (directoryExists.call(sys, p)) return p;
    const own = overlay(p);
    return own !== undefined && directoryExists.call(sys, own) ? own : undefined;
  };
  sys.fileExists = (p) => files.has(norm(p)) || onDisk(p) !== undefined;
  sys.readFile = (p, encoding) => {
    const virtual = files.get(norm(p));
    if (virtual !== undefined) return virtual;
    const real = onDisk(p);
    return real === undefined ? undefined : readFile.call(sys, real, encoding);
  };
  sys.directoryExists = (p) => directories.has(norm(p)) || dirOnDisk(p) !== undefined;
  sys.getDirectories = (p) => {
    const real = dirOnDisk(p);
    const found = real === undefined ? [] : getDirectories.call(sys, real);
    const prefix = `${norm(p).replace(/\/$/, "")}/`;
    const virtual = [...directories].filter((d) => d.startsWith(prefix) && !d.slice(prefix.length).includes("/")).map((d) => d.slice(prefix.length));
    return [...new Set([...found, ...virtual])];
  };
  if (realpath !== undefined) {
    sys.realpath = (p) => {
      if (files.has(norm(p)) || directories.has(norm(p))) return p;
      const real = onDisk(p) ?? dirOnDisk(p);
      return realpath.call(sys, real ?? p);
    };
  }
}

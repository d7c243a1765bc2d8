/**
 * Stacks of errors raised by cell code end at the cell: the frames of the kernel that ran the cell
 * (the engine, the SIGINT guard, `node:vm`) are left out, as IPython leaves its own out of a
 * traceback. This matters where the stack is printed as it is: an error inside a value shown as a
 * cell's result (`Promise { <rejected> Error: … }`), `console.log(error)`, `error.stack`.
 */
import * as path from "node:path";

/** A cell's script name (see `Engine.run`): `cell-3.js`. */
const CELL_FILE = /^cell-\d+\.js$/;

/** The folder of the kernel's code that runs cells (`src/exec`, `src/kernel`, `src/magic`). */
const KERNEL_SOURCE_DIR = path.resolve(__dirname, "..");
const RUNNER_DIRS = ["exec", "kernel", "magic"].map((dir) => path.join(KERNEL_SOURCE_DIR, dir) + path.sep);

/** Whether a frame belongs to the machinery that runs a cell (not to a library the cell called). */
function isRunnerFrame(file: string | null | undefined): boolean {
  if (file === null || file === undefined) return false;
  if (file === "node:vm" || file === "tunelab-await-step") return true;
  return RUNNER_DIRS.some((dir) => file.startsWith(dir));
}

/**
 * The frames to print: all of them, up to the first runner frame that follows a cell's frame.
 * Frames before any cell frame are kept (an error made inside `tunelab` or a package keeps the
 * frames that say where), and so are stacks without a cell frame (the kernel's own errors).
 */
export function framesToShow(files: readonly (string | null | undefined)[]): number {
  let sawCell = false;
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    if (sawCell && isRunnerFrame(file)) return i;
    if (file !== null && file !== undefined && CELL_FILE.test(file)) sawCell = true;
  }
  return files.length;
}

let installed = false;

/**
 * Formats stacks with the formatter in place (Node's, which also applies source maps), given the
 * frames up to the runner's. A `prepareStackTrace` a cell sets itself replaces this one.
 */
export function installCellStackTrim(): void {
  if (installed) return;
  installed = true;
  const format = Error.prepareStackTrace ?? formatAsV8;
  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]): unknown =>
    format(error, frames.slice(0, framesToShow(frames.map((frame) => frame.getFileName()))));
}

/** V8's default stack text (`Error: message` then one `    at frame` line each), for a Node without a formatter of its own. */
function formatAsV8(error: Error, frames: NodeJS.CallSite[]): string {
  let header: string;
  try {
    header = Error.prototype.toString.call(error);
  } catch {
    header = "Error";
  }
  return frames.length === 0 ? header : `${header}\n    at ${frames.join("\n    at ")}`;
}

/**
 * The display part of the `tunelab` module, as cells see it: `import { display, show } from "tunelab"`.
 * Its types are the declarations cells are checked against (tsc's `dist/src/cell-api/display.d.ts`,
 * re-exported by the virtual `tunelab` package of `src/exec/virtual-packages.ts`), so they cannot
 * drift from what runs. Light to load: the kernel reads it at start for the cell globals.
 */
import { randomBytes } from "node:crypto";
import { display, MimeDisplay } from "../exec/display";

export { clearOutput, display, input, JUPYTER_DISPLAY, prompt, registerMagic, show, updateDisplay } from "../exec/display";
export type { DisplayCallOptions, DisplayHandle, MimeDisplay } from "../exec/display";
export type { CellMagic, LineMagic, Magic as NotebookMagic, MagicContext, MimeBundle, OptionSpec, ParsedArgs, PositionalSpec } from "../magic/types";

/** Displays HTML. */
export function html(s: string): void {
  display({ "text/html": s });
}

/** Displays Markdown. */
export function markdown(s: string): void {
  display({ "text/markdown": s });
}

/** A display whose later calls replace its output (shaped like tslab's `Display`). */
export function newDisplay(): MimeDisplay {
  return new MimeDisplay(randomBytes(8).toString("hex"));
}

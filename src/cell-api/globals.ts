/**
 * The functions every cell sees without an import. The engine puts them on `globalThis` (its list
 * must name exactly these: test/cell-api/declarations.test.ts checks); at build time
 * `scripts/cell-globals.mjs` declares each export here in `declare global` with its own type and
 * TSDoc, and the kernel serves that file to cells (see `src/exec/virtual-packages.ts`).
 */
export { clearOutput, display, input, prompt, updateDisplay } from "./display";

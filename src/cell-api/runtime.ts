/** Loading the `tunelab` module for cells (`src/cell-api/index.ts`), lazily. */

let loaded: Readonly<Record<string, unknown>> | undefined;

/**
 * What `import ... from "tunelab"` gives cells: the exports of `src/cell-api/index.ts`, loaded on
 * first import (the notebook API pulls in TensorFlow.js) so that starting the kernel stays fast.
 */
export function tunelabNotebookModule(): Readonly<Record<string, unknown>> {
  loaded ??= Object.freeze({ ...(require("./index") as Record<string, unknown>) });
  return loaded;
}

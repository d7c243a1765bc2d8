/**
 * The `tunelab` module that cells import: the display API and the notebook API (data helpers, the
 * tuning engine, `plot`). `require("tunelab")` in a cell returns this module's exports, and the
 * virtual `tunelab` package's declarations are `export * from` its compiled `.d.ts`: one source
 * for what runs and what type-checks.
 */
export * from "./display";
export * from "./api";

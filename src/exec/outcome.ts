/**
 * What running a cell gives, as data: its value or its error. Kept apart from the engine so that
 * the kernel can name outcomes without loading the compiler (engine.ts loads TypeScript, which
 * takes a good part of the kernel's start-up).
 */
import { INTERRUPTED } from "./guard";

/** An error of a cell, in the shape of Jupyter's `error` content. */
export interface CellError {
  readonly ename: string;
  readonly evalue: string;
  readonly traceback: readonly string[];
}

/** What running a cell gave. */
export type RunOutcome =
  | { readonly status: "ok"; readonly hasValue: boolean; readonly value: unknown }
  | ({ readonly status: "error" } & CellError);

/** The outcome of an interrupted cell (SIGINT in a busy loop, or an interrupt between awaits). */
export const INTERRUPTED_OUTCOME: RunOutcome & { readonly status: "error" } = {
  status: "error",
  ename: INTERRUPTED,
  evalue: "execution was interrupted",
  traceback: [`${INTERRUPTED}: execution was interrupted`],
};

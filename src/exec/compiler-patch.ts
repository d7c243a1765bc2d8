/**
 * The one change the kernel makes to the compiler's source as it loads it (code-cache.ts): a
 * program asks a hook for its type checker before it makes one, so that a checker made between
 * cells can serve the next cell's program (spare-checker.ts). Without the hook, or when the text
 * to change is not found (another compiler version), every program makes its own checker, as the
 * unchanged compiler does.
 *
 * This module imports nothing: the kernel reads it before the compiler loads.
 */

/** A textual change to a module's source, applied before V8 compiles it. */
export interface SourcePatch {
  /** Part of the names of the code cache and source copy made from the changed source. */
  readonly key: string;
  /** The text to change; it must occur exactly once. */
  readonly find: string;
  readonly replace: string;
}

/**
 * `createProgram`'s `getTypeChecker` (TypeScript 5.0) asks `createTypeChecker.tunelabSpareFor`,
 * when set, for the program's checker, and makes one when it gives none.
 */
export const SPARE_CHECKER_PATCH: SourcePatch = {
  key: "spare-checker-1",
  find: "return typeChecker || (typeChecker = createTypeChecker(program));",
  replace: "return typeChecker || (typeChecker = (createTypeChecker.tunelabSpareFor && createTypeChecker.tunelabSpareFor(program)) || createTypeChecker(program));",
};

/** `source` with `patch` applied, or `undefined` when its text does not occur exactly once. */
export function applyPatch(source: string, patch: SourcePatch): string | undefined {
  const at = source.indexOf(patch.find);
  if (at < 0 || source.indexOf(patch.find, at + patch.find.length) >= 0) return undefined;
  return source.slice(0, at) + patch.replace + source.slice(at + patch.find.length);
}

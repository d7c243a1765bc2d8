/**
 * A type checker made between cells for the next cell's program.
 *
 * Every cell makes a new program (cell-program.ts), and a new program a new type checker. Most of
 * a checker's making does not depend on the cell: it merges the globals of the libraries and
 * `@types` packages (hundreds of interfaces declared across files, `Array` in a dozen). The cell
 * and the earlier cells' declarations are modules, so they add nothing to the globals. So the
 * kernel makes the next checker while it waits for the next cell, from the program of the last
 * one, through a host that it then points at the next program (the compiler asks the hook added by
 * compiler-patch.ts). The checker is given to that program only if the next program's other files
 * are the very same parsed files, and its two in-memory files add nothing to the globals (no
 * `declare global`, no `declare module`, no UMD or JavaScript globals); otherwise the program
 * makes its own, as without the hook. A spare checker serves one program.
 */
import ts = require("@tslab/typescript-for-tslab");

/** The compiler's internals used here (TypeScript 5.0's `ts` object exports them). */
interface CompilerInternals {
  createTypeChecker: ((host: ts.Program) => ts.TypeChecker) & { tunelabSpareFor?: ((program: ts.Program) => ts.TypeChecker | undefined) | undefined };
  bindSourceFile(file: ts.SourceFile, options: ts.CompilerOptions): void;
  isExternalOrCommonJsModule(file: ts.SourceFile): boolean;
}

/** What the binder records on a file that adds to the globals from inside a module. */
interface GlobalContributions {
  readonly moduleAugmentations?: readonly unknown[];
  readonly patternAmbientModules?: readonly unknown[];
  readonly jsGlobalAugmentations?: unknown;
  readonly symbol?: { readonly globalExports?: unknown };
}

const internals = ts as unknown as CompilerInternals;

/** The owner of each program that may take a spare checker (set as it is made). */
const owners = new WeakMap<ts.Program, SpareChecker>();

/** Whether the loaded compiler asks the hook (undefined: not probed yet). */
let hookWorks: boolean | undefined;

/** A checker made ahead for a program and the host it was made through. */
interface Spare {
  readonly checker: ts.TypeChecker;
  readonly host: { current: ts.Program };
  /** The program's files other than the in-memory ones, in order: the next program must have exactly these. */
  readonly files: readonly ts.SourceFile[];
}

/** The spare checker of one {@link CellProgram}'s programs. */
export class SpareChecker {
  private spare: Spare | undefined;
  /** How many programs were made, and how many of them were given a spare checker (for the kernel's log and tests). */
  programs = 0;
  served = 0;

  /**
   * @param inMemory whether a file is one of the program's in-memory files (the cell and the
   *   declarations), which change from program to program
   */
  constructor(
    private readonly inMemory: (fileName: string) => boolean,
    private readonly options: ts.CompilerOptions,
  ) {}

  /**
   * Makes the next program's checker from `program` (the last one), unless one waits or the
   * compiler has no hook; tells whether one waits now. For idle time: it costs about what the
   * checker of a cell costs.
   */
  prepare(program: ts.Program): boolean {
    if (this.spare !== undefined) return true;
    if (!spareHookWorks()) return false;
    const files: ts.SourceFile[] = [];
    for (const file of program.getSourceFiles()) {
      if (!this.inMemory(file.fileName)) files.push(file);
      else if (!this.addsNoGlobals(file)) return false;
    }
    const host = { current: program };
    const forwarding = new Proxy(program, { get: (_target, key) => Reflect.get(host.current, key) as unknown });
    this.spare = { checker: internals.createTypeChecker(forwarding), host, files };
    return true;
  }

  /** Lets `program`, just made, take the spare checker when it asks for its checker. */
  offer(program: ts.Program): void {
    this.programs += 1;
    if (this.spare !== undefined) owners.set(program, this);
  }

  /** The spare checker for `program` if it fits, pointed at it; `undefined` otherwise. Used once either way. */
  private take(program: ts.Program): ts.TypeChecker | undefined {
    const spare = this.spare;
    this.spare = undefined;
    owners.delete(program);
    if (spare === undefined || program.getCompilerOptions() !== spare.host.current.getCompilerOptions()) return undefined;
    let at = 0;
    for (const file of program.getSourceFiles()) {
      if (this.inMemory(file.fileName)) {
        if (!this.addsNoGlobals(file)) return undefined;
      } else if (spare.files[at++] !== file) {
        return undefined;
      }
    }
    if (at !== spare.files.length) return undefined;
    spare.host.current = program;
    this.served += 1;
    return spare.checker;
  }

  /** Binds `file` (a checker binds every file when it is made) and tells whether it is a module that adds nothing to the globals. */
  private addsNoGlobals(file: ts.SourceFile): boolean {
    internals.bindSourceFile(file, this.options);
    const contributions = file as unknown as GlobalContributions;
    return (
      internals.isExternalOrCommonJsModule(file) &&
      (contributions.moduleAugmentations?.length ?? 0) === 0 &&
      (contributions.patternAmbientModules?.length ?? 0) === 0 &&
      contributions.jsGlobalAugmentations === undefined &&
      contributions.symbol?.globalExports === undefined
    );
  }

  /** The hook the patched compiler calls when a program asks for its checker. */
  static hook(program: ts.Program): ts.TypeChecker | undefined {
    return owners.get(program)?.take(program);
  }
}

/**
 * Whether the loaded compiler asks {@link SpareChecker.hook} for checkers: it does when the kernel
 * loaded it with the patch (code-cache.ts); a compiler loaded otherwise (by a test, or by tslab
 * first) does not, and then no spare checker is made. Probed once, with a program of no files.
 */
function spareHookWorks(): boolean {
  if (hookWorks !== undefined) return hookWorks;
  const create = internals.createTypeChecker;
  if (typeof create !== "function" || typeof internals.bindSourceFile !== "function" || typeof internals.isExternalOrCommonJsModule !== "function") return (hookWorks = false);
  const probe = {} as ts.TypeChecker;
  create.tunelabSpareFor = () => probe;
  const asked = ts.createProgram({ rootNames: [], options: { noLib: true, types: [] } }).getTypeChecker() === probe;
  create.tunelabSpareFor = asked ? SpareChecker.hook : undefined;
  return (hookWorks = asked);
}

/**
 * The compiler's program of one cell: the cell (`__tslab__.ts`, or `.js` in the JavaScript kernel)
 * after the declarations of earlier cells (`__prev__.d.ts`), both as modules in the notebook's
 * directory, with the TypeScript libraries, `@types` packages and whatever the cell imports.
 *
 * Each cell makes a new program from the previous one (`ts.createProgram` with `oldProgram`): the
 * source files that did not change (the libraries, `@types/node`, packages, local modules whose
 * modification time is the same) are the same objects, already parsed and bound, so only the
 * cell and the declarations are parsed and bound again. Module resolutions are cached across
 * programs (cleared after a cell with errors, so a package installed meanwhile is found), the
 * existence of files and folders while one program is built (file-probes.ts), and the
 * `@types` packages are listed once, when the compiler starts (as tslab's watch program did).
 * The documentation comments of libraries and packages are not parsed: inspection attaches them
 * to the declarations it shows (doc-comments.ts).
 *
 * The compiler options are tslab's (so cells type-check as they did), except that the module
 * kind is CommonJS: the one emit of the checked program is the code the kernel runs.
 */
import { statSync } from "node:fs";
import * as path from "node:path";
import ts = require("@tslab/typescript-for-tslab");
import { DocComments, withoutDocComments } from "./doc-comments";
import { log } from "../common/log";
import { messageOf } from "../common/errors";
import { FileProbes } from "./file-probes";
import { unguardedSetImmediate } from "./guard";
import { SpareChecker } from "./spare-checker";
import { sharedSyntaxTreeCache, type SyntaxTreeCache } from "./syntax-tree-cache";

/** Text put before the cell and the declarations so that both are modules (as in tslab). */
export const MODULE_PREFIX = "export {};\n";

/** The folder of the compiler's `lib.*.d.ts`. */
const LIB_DIR = normalize(path.dirname(ts.getDefaultLibFilePath({})));

/** The program of one cell and its two in-memory files. */
export interface CellFiles {
  readonly program: ts.Program;
  /** The cell, after {@link MODULE_PREFIX}. */
  readonly cell: ts.SourceFile;
  /** The declarations of earlier cells, after {@link MODULE_PREFIX}. */
  readonly declarations: ts.SourceFile;
}

/** A parsed file from disk and the modification time it was read at (`undefined`: never changes). */
interface CachedFile {
  readonly file: ts.SourceFile;
  readonly mtimeMs: number | undefined;
}

/** Builds one program per cell, reusing everything that did not change. */
export class CellProgram {
  /** The cell's file name (`__tslab__.ts` or `.js` in the notebook's directory). */
  readonly cellFileName: string;
  /** The declarations' file name (`__prev__.d.ts`). */
  readonly declarationFileName: string;
  /** Where emitted files would go (nothing is written). */
  readonly outDir: string;
  readonly options: ts.CompilerOptions;
  private readonly host: ts.CompilerHost;
  private readonly files = new Map<string, CachedFile>();
  private resolutionCache: ts.ModuleResolutionCache;
  /** File and folder existence, asked once per program (see file-probes.ts). */
  private readonly probes: FileProbes;
  /** The documentation comments of the files parsed without them, for inspection. */
  readonly docComments = new DocComments((file) => (this.parsedWithoutDocs.has(file.fileName) ? this.readFile(file.fileName) : undefined));
  private readonly parsedWithoutDocs = new Set<string>();
  private program: ts.Program | undefined;
  /** The next program's type checker, made in idle time (spare-checker.ts). */
  readonly spareChecker: SpareChecker;
  private spareScheduled: NodeJS.Immediate | undefined;
  private cellText = "";
  private declarationText = "";

  /**
   * @param rootDir the notebook's directory (imports resolve from there)
   * @param javascript whether cells are JavaScript
   * @param trees where the libraries' and packages' syntax trees are kept between kernels
   *   (`undefined`: they are parsed)
   */
  constructor(readonly rootDir: string, javascript: boolean, readonly trees: SyntaxTreeCache | undefined = sharedSyntaxTreeCache()) {
    const root = normalize(rootDir);
    this.cellFileName = `${root}/${javascript ? "__tslab__.js" : "__tslab__.ts"}`;
    this.declarationFileName = `${root}/__prev__.d.ts`;
    this.outDir = `${root}/__tunelab_out__`;
    const forward = (file: string): string => forwardTslabPath(root, file);
    this.probes = new FileProbes((file) => ts.sys.fileExists(forward(file)), (directory) => ts.sys.directoryExists(forward(directory)));
    this.host = this.createHost(root);
    const options = compilerOptions(root, this.outDir, this.host);
    // The `@types` packages, listed once: otherwise every program lists the type roots and reads each package.json again.
    this.options = { ...options, types: ts.getAutomaticTypeDirectiveNames(options, this.host) };
    this.resolutionCache = ts.createModuleResolutionCache(root, (name) => name, this.options);
    this.spareChecker = new SpareChecker((fileName) => fileName === this.cellFileName || fileName === this.declarationFileName, this.options);
  }

  /** The program of `cell` after `declarations` (both without {@link MODULE_PREFIX}). */
  update(declarations: string, cell: string): CellFiles {
    this.declarationText = MODULE_PREFIX + declarations;
    this.cellText = MODULE_PREFIX + cell;
    this.probes.forget();
    const program = ts.createProgram({ rootNames: [this.declarationFileName, this.cellFileName], options: this.options, host: this.host, ...(this.program === undefined ? {} : { oldProgram: this.program }) });
    this.program = program;
    this.spareChecker.offer(program);
    this.prepareNextCheckerSoon();
    const cellFile = program.getSourceFile(this.cellFileName) as ts.SourceFile;
    const declarationFile = program.getSourceFile(this.declarationFileName) as ts.SourceFile;
    // tslab's compiler resolves the names a module lacks in its parent: the earlier cells' declarations.
    (cellFile as { parent: ts.Node }).parent = declarationFile;
    return { program, cell: cellFile, declarations: declarationFile };
  }

  /** Builds the program of an empty cell and binds its files, making the next program's type checker with them when it can (see {@link CellCompiler.warmUp}). */
  warmUp(): void {
    const { program } = this.update("", "");
    if (!this.spareChecker.prepare(program)) program.getTypeChecker();
  }

  /**
   * Makes the next program's type checker once this turn of the event loop is over (the kernel is
   * then waiting for its next request); the pending work does not keep the process alive.
   */
  private prepareNextCheckerSoon(): void {
    if (this.spareScheduled !== undefined) return;
    this.spareScheduled = unguardedSetImmediate(() => {
      this.spareScheduled = undefined;
      try {
        if (this.program !== undefined) this.spareChecker.prepare(this.program);
      } catch (error) {
        // Only time is lost: the next program makes its own checker.
        log(`making the next cell's type checker ahead failed: ${messageOf(error)}`);
      }
    }).unref();
  }

  /** Forgets cached module resolutions (after a cell with errors: a package may be installed since). */
  forgetResolutions(): void {
    this.resolutionCache = ts.createModuleResolutionCache(normalize(this.rootDir), (name) => name, this.options);
  }

  private createHost(root: string): ts.CompilerHost {
    const sys = ts.sys;
    const forward = (file: string): string => forwardTslabPath(root, file);
    const host: ts.CompilerHost = {
      getSourceFile: (fileName, languageVersion) => this.sourceFile(fileName, languageVersion),
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      getDefaultLibLocation: () => LIB_DIR,
      writeFile: () => {
        throw new Error("the cell compiler writes no files");
      },
      getCurrentDirectory: () => root,
      getCanonicalFileName: (fileName) => fileName,
      useCaseSensitiveFileNames: () => true,
      getNewLine: () => "\n",
      fileExists: (fileName) => fileName === this.cellFileName || fileName === this.declarationFileName || this.probes.fileExists(fileName),
      readFile: (fileName) => this.readFile(fileName),
      // Fake the notebook's node_modules so that `tslab` (forwarded to its installation) resolves without one.
      directoryExists: (directory) => this.probes.directoryExists(directory) || directory === `${root}/node_modules`,
      getDirectories: (directory) => sys.getDirectories(forward(directory)),
      readDirectory: (directory, extensions, exclude, include, depth) => sys.readDirectory(forward(directory), extensions, exclude, include, depth),
      resolveModuleNames: (names, containingFile, _reused, redirected, options, containingSourceFile) =>
        names.map((name) =>
          isNodeScheme(name) ? undefined : ts.resolveModuleName(name, containingFile, options, host, this.resolutionCache, redirected, containingSourceFile?.impliedNodeFormat).resolvedModule,
        ),
    };
    if (sys.realpath !== undefined) {
      const realpath = sys.realpath;
      host.realpath = (file) => realpath(forward(file));
    }
    return host;
  }

  private readFile(fileName: string): string | undefined {
    if (fileName === this.cellFileName) return this.cellText;
    if (fileName === this.declarationFileName) return this.declarationText;
    return ts.sys.readFile(forwardTslabPath(normalize(this.rootDir), fileName));
  }

  /**
   * The parsed file: the cell and the declarations are parsed again only when their text changed;
   * the libraries and packages (under `node_modules`) once per session; other files (local
   * modules a cell imports) again when their modification time changed.
   */
  private sourceFile(fileName: string, languageVersion: ts.ScriptTarget | ts.CreateSourceFileOptions): ts.SourceFile | undefined {
    const inMemory = fileName === this.cellFileName ? this.cellText : fileName === this.declarationFileName ? this.declarationText : undefined;
    const cached = this.files.get(fileName);
    if (inMemory !== undefined) {
      if (cached !== undefined && cached.file.text === inMemory) return cached.file;
      const file = ts.createSourceFile(fileName, inMemory, languageVersion, true);
      this.files.set(fileName, { file, mtimeMs: undefined });
      return file;
    }
    const stable = fileName.includes("/node_modules/") || fileName.startsWith(`${LIB_DIR}/`);
    // A stable file is kept without asking the disk (every program asks for each of them).
    if (stable && cached !== undefined) return cached.file;
    const disk = forwardTslabPath(normalize(this.rootDir), fileName);
    const mtimeMs = stable ? undefined : modificationTime(disk);
    if (cached !== undefined && cached.mtimeMs === mtimeMs) return cached.file;
    const text = this.readFile(fileName);
    if (text === undefined) return undefined;
    const lean = stable && fileName.endsWith(".d.ts");
    const source = lean ? withoutDocComments(text) : text;
    // Declarations that do not change are kept parsed between kernels (syntax-tree-cache.ts).
    let file = stable ? this.trees?.take(fileName, disk, source, languageVersion, lean) : undefined;
    if (file === undefined) {
      file = ts.createSourceFile(fileName, source, languageVersion, false);
      if (stable) this.trees?.parsed(fileName, disk, source, languageVersion, lean);
    }
    if (lean) this.parsedWithoutDocs.add(fileName);
    this.files.set(fileName, { file, mtimeMs });
    return file;
  }
}

/**
 * tslab's compiler options (ES2022 output, declarations for the next cell, JavaScript checked,
 * top-level `await` reported as in a function so the kernel can wrap the cell), with CommonJS;
 * the library types are ES2023's, which Node 20 (package.json's engines) runs (`findLast`,
 * `findLastIndex`), where tslab stopped at ES2022.
 */
function compilerOptions(root: string, outDir: string, host: ts.CompilerHost): ts.CompilerOptions {
  return {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2023.d.ts"],
    declaration: true,
    newLine: ts.NewLineKind.LineFeed,
    noImplicitUseStrict: true,
    experimentalDecorators: true,
    resolveJsonModule: true,
    jsx: ts.JsxEmit.React,
    typeRoots: typeRoots(root, host),
    allowJs: true,
    checkJs: true,
    disableTopLevelAwait: true,
    skipLibCheck: true,
    // Every file is under "/": a cell may import a module or JSON file from outside the notebook's
    // folder (`../lib/util`), which a rootDir of the notebook's folder refused (tslab's setting).
    // Emitted paths are then outDir + the source's absolute path (cell-compiler.ts).
    rootDir: "/",
    outDir,
  };
}

/** The notebook's `@types` folders, and tslab's own when none of them has `@types/node` (as tslab does). */
function typeRoots(root: string, host: ts.CompilerHost): string[] {
  const roots = ts.getDefaultTypeRoots(root, { directoryExists: (directory) => host.directoryExists?.(directory) ?? false }) ?? [];
  if (roots.some((folder) => ts.sys.fileExists(`${folder}/node/package.json`))) return roots;
  return [...roots, normalize(path.join(path.dirname(require.resolve("tslab/package.json")), "node_modules", "@types"))];
}

/**
 * Whether `name` is a `node:` module: one of Node's built-ins, which `@types/node` declares as
 * ambient modules. No file resolves it (no package can be named `node:…`, and the compiler
 * options map no paths), so the resolver is not asked: it would look in every `node_modules`
 * folder up to the root for each of them (most imports in `@types/node` are of this kind) and
 * append every failed lookup to its cached results.
 */
function isNodeScheme(name: string): boolean {
  return name.startsWith("node:");
}

/** tslab's installation folder (`node_modules/tslab/…` of the notebook is read from there). */
let tslabDir: string | undefined;

/**
 * `node_modules/tslab/…` of the notebook, read from tslab's installation (as tslab does). Asked
 * for every file and folder the compiler probes, so the common case (any other path) is a prefix test.
 */
function forwardTslabPath(root: string, file: string): string {
  const folder = `${root}/node_modules/tslab`;
  if (!file.startsWith(folder) || (file.length > folder.length && file[folder.length] !== "/")) return file;
  tslabDir ??= path.dirname(require.resolve("tslab/package.json"));
  return normalize(path.join(tslabDir, file.slice(folder.length)));
}

function modificationTime(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function normalize(file: string): string {
  return file.replace(/\\/g, "/");
}

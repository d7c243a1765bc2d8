/**
 * The cell compiler: type-checks a cell after the declarations of earlier cells and emits, in one
 * pass of one program, the CommonJS JavaScript the kernel runs and the declarations that later
 * cells see. It answers completion and inspection on the same kind of program.
 *
 * It replaces tslab's converter (which checked the cell in a watch program, twice per cell, and
 * converted its ES module output to CommonJS with a second compiler pass); the results have the
 * same shape and the same rules (see cell-transformers.ts and kept-declarations.ts).
 */
import * as path from "node:path";
import ts = require("@tslab/typescript-for-tslab");
import { CellProgram, MODULE_PREFIX, type CellFiles } from "./cell-program";
import { cellTransformers, lastExpressionName } from "./cell-transformers";
import { assignedGlobals, isAugmentation } from "./declarations";
import { keptDeclarations, withoutReplacedAugmentations } from "./kept-declarations";
import type { SyntaxTreeCache } from "./syntax-tree-cache";

/** A position in the cell (0-based line and column) or in a local module. */
export interface DiagnosticPosition {
  readonly offset: number;
  readonly line: number;
  readonly character: number;
}

/** A compiler message about the cell (or a local module it imports: then `fileName` names it). */
export interface CellDiagnostic {
  readonly start: DiagnosticPosition;
  readonly end: DiagnosticPosition;
  readonly messageText: string;
  readonly category: ts.DiagnosticCategory;
  readonly code: number;
  readonly fileName?: string;
}

/** A local module the cell imports, compiled to CommonJS (`path`: its `.js` in the notebook's directory). */
export interface SideOutput {
  readonly path: string;
  readonly data: string;
}

/** The compiled cell; when `diagnostics` is not empty, nothing else is set. */
export interface CompiledCell {
  readonly diagnostics: readonly CellDiagnostic[];
  /** The JavaScript to run (CommonJS, `exports` is the notebook's shared bindings). */
  readonly output?: string;
  /** The declarations of everything declared so far, for the next cell. */
  readonly declOutput?: string;
  /** The export holding the cell's last expression, when it ends with one. */
  readonly lastExpressionVar?: string;
  /** Whether the cell awaits at its top level (it must run in an async function). */
  readonly hasToplevelAwait?: boolean;
  readonly sideOutputs?: readonly SideOutput[];
}

/** Completion candidates replacing the cell's text `[start, end)`. */
export interface CellCompletion {
  readonly start: number;
  readonly end: number;
  readonly candidates: string[];
}

/** "'await' expressions are only allowed within async functions": a top-level await here. */
const TOP_LEVEL_AWAIT_CODE = 1308;

/** "Top-level 'for await' loops are only allowed when the 'module' option is …": CommonJS has none, the kernel's async wrapper does. */
const TOP_LEVEL_FOR_AWAIT_CODE = 1432;

const NO_CANCELLATION: ts.CancellationToken = { isCancellationRequested: () => false, throwIfCancellationRequested: () => undefined };

/** Compiles the cells of one notebook (see the module comment). */
export class CellCompiler {
  private readonly program: CellProgram;
  /** Local modules emitted already, by file name, with the parsed file they were emitted from. */
  private readonly emittedModules = new Map<string, ts.SourceFile>();

  constructor(
    rootDir: string,
    private readonly javascript: boolean,
  ) {
    this.program = new CellProgram(rootDir, javascript);
  }

  /** Where the libraries' and packages' syntax trees are kept between kernels (`undefined`: nowhere). */
  get syntaxTrees(): SyntaxTreeCache | undefined {
    return this.program.trees;
  }

  /** How many programs were made, and how many took a type checker made between cells (spare-checker.ts). */
  get checkersMadeAhead(): { readonly programs: number; readonly served: number } {
    const spare = this.program.spareChecker;
    return { programs: spare.programs, served: spare.served };
  }

  /**
   * Builds the first program (an empty cell after no declarations) and binds every file in it:
   * the work of the libraries and `@types` that all later programs reuse, done before the first
   * cell arrives. Binding comes with making a type checker; that checker is made as the next
   * program's (spare-checker.ts), so the first cell's program takes it instead of making another
   * (when the compiler has no hook, the program's own checker binds the files). The empty cell is
   * neither checked nor emitted.
   */
  warmUp(): void {
    this.program.warmUp();
  }

  /** Checks and compiles `code` after the earlier cells' declarations `previous`. */
  convert(previous: string, code: string): CompiledCell {
    const names = topLevelNames(code, this.program.cellFileName);
    const suffix = names.size > 0 ? `\nexport {${[...names].join(", ")}}` : "";
    const files = this.program.update(withoutReplacedAugmentations(previous, code, this.javascript), code + suffix);
    const modules = localModules(files);
    const checked = [files.cell, ...modules].flatMap((file) => [files.program.getSyntacticDiagnostics(file), files.program.getSemanticDiagnostics(file)]);
    const { diagnostics, hasToplevelAwait } = this.diagnostics(files, [files.program.getOptionsDiagnostics(), files.program.getGlobalDiagnostics(), ...checked]);
    if (diagnostics.length > 0) return this.failed(diagnostics);

    const checker = files.program.getTypeChecker();
    const valueName = lastExpressionName(names);
    let hasValue = false;
    let output: string | undefined;
    let declOutput: string | undefined;
    const outputName = emittedName(this.program.outDir, this.program.cellFileName).replace(/\.js$/, "");
    const transformers = cellTransformers(checker, this.program.cellFileName, files.declarations, valueName, () => (hasValue = true));
    const emitted = files.program.emit(files.cell, (fileName, data) => {
      if (fileName === `${outputName}.js`) output = data;
      else if (fileName === `${outputName}.d.ts`) declOutput = data;
    }, NO_CANCELLATION, false, transformers);
    const declarationErrors = this.diagnostics(files, [emitted.diagnostics]).diagnostics;
    if (declarationErrors.length > 0) return this.failed(declarationErrors);
    if (output === undefined || declOutput === undefined) throw new Error(`the compiler emitted no ${output === undefined ? "JavaScript" : "declarations"} for the cell`);
    const sideOutputs = this.emitModules(files, modules);
    return {
      diagnostics: [],
      output,
      declOutput: declOutput + assignedGlobals(checker, files.cell) + keptDeclarations(checker, files.cell, files.declarations),
      ...(hasValue ? { lastExpressionVar: valueName } : {}),
      hasToplevelAwait,
      ...(sideOutputs.length > 0 ? { sideOutputs } : {}),
    };
  }

  /** The quick info (type and documentation) of the symbol at `position` of `code`. */
  inspect(previous: string, code: string, position: number): ts.QuickInfo | undefined {
    const files = this.program.update(withoutReplacedAugmentations(previous, code, this.javascript), code);
    const checker = files.program.getTypeChecker();
    this.program.docComments.attachDocComments(checker, files.cell, position + MODULE_PREFIX.length);
    const info = ts.getQuickInfoAtPosition(files.cell, checker, NO_CANCELLATION, position + MODULE_PREFIX.length);
    if (info === undefined || isUnresolvedName(info, files.cell, checker)) return undefined;
    info.textSpan.start -= MODULE_PREFIX.length;
    return info;
  }

  /**
   * Completion candidates at `position` of `code`: when the cursor is on a name, those that start
   * with it (same case first), then those that contain it; else every candidate in the compiler's order.
   */
  complete(previous: string, code: string, position: number): CellCompletion {
    const files = this.program.update(withoutReplacedAugmentations(previous, code, this.javascript), code);
    const at = position + MODULE_PREFIX.length;
    const info = ts.Completions.getCompletionsAtPositionForTslab({} as ts.LanguageServiceHost, files.program, () => undefined, files.cell, at, {}, undefined, ts.CompletionTriggerKind.Invoked, NO_CANCELLATION);
    const entries = info?.entries ?? [];
    const previousToken = ts.findPrecedingToken(at, files.cell);
    const onName = previousToken !== undefined && ts.isIdentifier(previousToken) && previousToken.end >= at ? previousToken : nextIdentifierAt(previousToken, files.cell, at);
    if (onName !== undefined) return completionOfName(entries, onName, files.cell);
    const sorted = [...entries].sort((a, b) => a.sortText.localeCompare(b.sortText) || a.name.localeCompare(b.name));
    return { start: position, end: position, candidates: sorted.map((entry) => entry.name) };
  }

  /** Nothing to release (no watchers): kept so the engine can close any compiler. */
  close(): void {}

  private failed(diagnostics: readonly CellDiagnostic[]): CompiledCell {
    // A missing module may be installed before the next cell: resolve again then.
    this.program.forgetResolutions();
    return { diagnostics };
  }

  /** Local modules (TypeScript or JavaScript files outside `node_modules`) the cell imports, not yet emitted in their current form. */
  private emitModules(files: CellFiles, modules: readonly ts.SourceFile[]): SideOutput[] {
    const outputs: SideOutput[] = [];
    for (const file of modules) {
      if (this.emittedModules.get(file.fileName) === file) continue;
      this.emittedModules.set(file.fileName, file);
      files.program.emit(file, (fileName, data) => {
        if (!fileName.endsWith(".js")) return;
        const relative = path.posix.relative(this.program.outDir, fileName);
        if (relative.startsWith("..")) throw new Error(`unexpected emit path: ${fileName}`);
        // The source's own path, with .js (see emittedName).
        outputs.push({ path: `/${relative}`, data });
      });
    }
    return outputs.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** The diagnostics about the cell and its local modules, positions relative to the written cell; top-level awaits are not errors. */
  private diagnostics(files: CellFiles, groups: readonly (readonly ts.Diagnostic[])[]): { diagnostics: CellDiagnostic[]; hasToplevelAwait: boolean } {
    let hasToplevelAwait = false;
    const out: CellDiagnostic[] = [];
    const root = this.program.rootDir.replace(/\\/g, "/");
    for (const d of ts.sortAndDeduplicateDiagnostics(groups.flat())) {
      if (d.file === undefined || d.start === undefined) continue;
      const inCell = d.file.fileName === this.program.cellFileName;
      if (inCell && (d.code === TOP_LEVEL_FOR_AWAIT_CODE || isTopLevelAwait(files.cell, d))) {
        hasToplevelAwait = true;
        continue;
      }
      let fileName: string | undefined;
      if (!inCell) {
        // A local module's, named from the notebook's folder (`../lib/util.ts` when outside it); nothing else's.
        if (!isLocalModule(files, d.file)) continue;
        fileName = path.posix.relative(root, d.file.fileName);
      }
      const start = cellPosition(d.file, d.start, inCell);
      const end = cellPosition(d.file, d.start + (d.length ?? 0), inCell);
      if (typeof d.messageText === "string") {
        out.push({ start, end, messageText: d.messageText, category: d.category, code: d.code, ...(fileName === undefined ? {} : { fileName }) });
        continue;
      }
      const chain = (message: ts.DiagnosticMessageChain, withName: boolean): void => {
        out.push({ start, end, messageText: message.messageText, category: message.category, code: message.code, ...(withName && fileName !== undefined ? { fileName } : {}) });
        for (const next of message.next ?? []) chain(next, false);
      };
      chain(d.messageText, true);
    }
    return { diagnostics: out, hasToplevelAwait };
  }
}

/**
 * The names a cell declares at its top level (its module's locals: they become the notebook's),
 * less the names the cell exports itself (`export const x`, `export { y as x }`): the compiler
 * appends `export { …names }`, and exporting a name twice is an error.
 */
export function topLevelNames(code: string, fileName: string): Set<string> {
  const file = ts.createSourceFile(fileName, code, ts.ScriptTarget.ES2022, false, fileName.endsWith(".js") ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const names = declaredNames(file.statements);
  for (const name of exportedNames(file)) names.delete(name);
  return names;
}

/** The names exported by the cell's own `export` modifiers and `export { … }` lists. */
function exportedNames(file: ts.SourceFile): Set<string> {
  const exported = new Set<string>();
  for (const statement of file.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause !== undefined && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) exported.add(element.name.text);
    } else if (ts.canHaveModifiers(statement) && exportsUnderOwnName(ts.getModifiers(statement) ?? [])) {
      for (const name of declaredNames([statement])) exported.add(name);
    }
  }
  return exported;
}

/** `export` without `default`: the declaration is exported under its own name (`export default function f` is exported as `default`, and `f` still needs the appended export). */
function exportsUnderOwnName(modifiers: readonly ts.ModifierLike[]): boolean {
  return modifiers.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword) && !modifiers.some((modifier) => modifier.kind === ts.SyntaxKind.DefaultKeyword);
}

/** Every name some top-level statements declare (see {@link topLevelNames}). */
function declaredNames(statements: readonly ts.Statement[]): Set<string> {
  const names = new Set<string>();
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (ts.isBindingElement(element)) bind(element.name);
  };
  // `var` anywhere outside functions and classes belongs to the module (`for (var i …)` too).
  const hoisted = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.BlockScoped) === 0) for (const declaration of node.declarations) bind(declaration.name);
    ts.forEachChild(node, hoisted);
  };
  for (const statement of statements) {
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) bind(declaration.name);
    } else if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isImportEqualsDeclaration(statement)) {
      if (statement.name !== undefined) names.add(statement.name.text);
    } else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name)) {
      // `declare global { … }` declares no name: it adds to the globals.
      if (!isAugmentation(statement)) names.add(statement.name.text);
    } else if (ts.isImportDeclaration(statement) && statement.importClause !== undefined) {
      const clause = statement.importClause;
      if (clause.name !== undefined) names.add(clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings !== undefined && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      else if (bindings !== undefined) for (const element of bindings.elements) names.add(element.name.text);
    } else {
      ts.forEachChild(statement, hoisted);
    }
  }
  return names;
}

/** The TypeScript, JavaScript and JSON files of the program besides the cell that are the notebook's own (not declarations, not packages), in its folder or outside it. */
function localModules(files: CellFiles): ts.SourceFile[] {
  return files.program.getSourceFiles().filter((file) => isLocalModule(files, file));
}

function isLocalModule(files: CellFiles, file: ts.SourceFile): boolean {
  return file !== files.cell && file !== files.declarations && !file.isDeclarationFile && !files.program.isSourceFileFromExternalLibrary(file) && !file.fileName.includes("/node_modules/");
}

/**
 * Where the compiler emits the JavaScript of `source`: the program's rootDir is "/", so under
 * `outDir` at the source's absolute path (cell-program.ts).
 */
function emittedName(outDir: string, source: string): string {
  return path.posix.join(outDir, source.replace(/\.[cm]?[jt]sx?$/, ".js"));
}

/** Whether `d` is the "await only in async functions" error of an `await` outside every function. */
function isTopLevelAwait(cell: ts.SourceFile, d: ts.Diagnostic): boolean {
  if (d.code !== TOP_LEVEL_AWAIT_CODE || d.start === undefined) return false;
  const token = ts.findPrecedingToken(d.start + (d.length ?? 0), cell);
  if (token?.kind !== ts.SyntaxKind.AwaitKeyword) return false;
  for (let parent = token.parent; parent !== undefined && parent !== cell; parent = parent.parent) {
    if (ts.isArrowFunction(parent) || ts.isFunctionExpression(parent) || ts.isFunctionDeclaration(parent) || ts.isClassDeclaration(parent) || ts.isModuleDeclaration(parent)) return false;
  }
  return true;
}

/** A position of `file`; in the cell, relative to the written code (after {@link MODULE_PREFIX}). */
function cellPosition(file: ts.SourceFile, offset: number, inCell: boolean): DiagnosticPosition {
  const { line, character } = ts.getLineAndCharacterOfPosition(file, offset);
  return inCell ? { offset: offset - MODULE_PREFIX.length, line: line - 1, character } : { offset, line, character };
}

function nextIdentifierAt(previous: ts.Node | undefined, file: ts.SourceFile, at: number): ts.Identifier | undefined {
  const next = previous === undefined ? undefined : ts.findNextToken(previous, file, file);
  return next !== undefined && ts.isIdentifier(next) && next.getStart(file) <= at && at <= next.end ? next : undefined;
}

/** tslab's ranking of the candidates for the name being typed: prefix, then case-insensitive prefix, then substring. */
function completionOfName(entries: readonly ts.CompletionEntry[], name: ts.Identifier, file: ts.SourceFile): CellCompletion {
  const typed = name.text;
  const lower = typed.toLowerCase();
  const rank = (candidate: string): string => {
    if (candidate.startsWith(typed)) return "0";
    const lowered = candidate.toLowerCase();
    if (lowered.startsWith(lower)) return "1";
    return lowered.includes(lower) ? "2" : "";
  };
  const ranked = entries
    .map((entry, index) => ({ name: entry.name, key: rank(entry.name) + entry.sortText, index, matches: rank(entry.name) !== "" }))
    .filter((entry) => entry.matches)
    .sort((a, b) => a.key.localeCompare(b.key) || a.index - b.index);
  return { start: name.getStart(file) - MODULE_PREFIX.length, end: name.end - MODULE_PREFIX.length, candidates: ranked.map((entry) => entry.name) };
}

/**
 * Whether `info` is the compiler's answer for a name that means nothing here (a name no cell
 * declared: it shows `any`, with no kind): inspection then finds nothing, as IPython says of an
 * unknown name. A property of an `any` value is not such a name (it may exist when the cell runs).
 */
function isUnresolvedName(info: ts.QuickInfo, file: ts.SourceFile, checker: ts.TypeChecker): boolean {
  if (info.kind !== ts.ScriptElementKind.unknown) return false;
  const token = ts.findPrecedingToken(info.textSpan.start + info.textSpan.length, file);
  if (token === undefined || !ts.isIdentifier(token)) return false;
  const parent = token.parent;
  if ((ts.isPropertyAccessExpression(parent) && parent.name === token) || (ts.isQualifiedName(parent) && parent.right === token)) return false;
  return checker.getSymbolAtLocation(token) === undefined;
}

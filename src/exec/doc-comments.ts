/**
 * Documentation comments on demand. The programs that check cells parse the libraries and
 * packages without their documentation comments (`/** … *\/` made `/* … *\/`, at the same
 * positions: parsing them is a third of the time it takes to parse the libraries and
 * `@types/node`, and in declaration files they carry no types). Inspection shows them: before it
 * asks for the quick info, {@link attachDocComments} parses the files that declare the inspected
 * name again with their comments, once per file, and gives each declaration (and the statements
 * around it) the documentation of its twin at the same position.
 */
import ts = require("@tslab/typescript-for-tslab");

/** `text` with each documentation comment made a plain comment of the same length. */
export function withoutDocComments(text: string): string {
  return text.replace(/\/\*\*(?=[^/])/g, "/* ");
}

/** A node with the documentation comments the parser attached (a compiler-internal field). */
type Documented = ts.Node & { jsDoc?: ts.JSDoc[] };

/** Files parsed again with their comments, by file name (and the text they were parsed from). */
export class DocComments {
  private readonly documented = new Map<string, ts.SourceFile>();

  /**
   * @param originalText the text of a file as it is on disk, or `undefined` when the program
   *   parsed it as it is (then it has its comments already)
   */
  constructor(private readonly originalText: (file: ts.SourceFile) => string | undefined) {}

  /** Gives the declarations of the name at `position` of `file` their documentation comments. */
  attachDocComments(checker: ts.TypeChecker, file: ts.SourceFile, position: number): void {
    const name = identifierAt(file, position);
    if (name === undefined) return;
    const symbol = checker.getSymbolAtLocation(name);
    if (symbol === undefined) return;
    const symbols = symbol.flags & ts.SymbolFlags.Alias ? [symbol, checker.getAliasedSymbol(symbol)] : [symbol];
    for (const declaration of symbols.flatMap((s) => s.declarations ?? [])) this.attach(declaration);
  }

  private attach(declaration: ts.Node): void {
    const file = declaration.getSourceFile();
    const twinFile = this.twinOf(file);
    if (twinFile === undefined) return;
    const chain: ts.Node[] = [];
    for (let node: ts.Node | undefined = declaration; node !== undefined && node !== file; node = node.parent) chain.unshift(node);
    let twin: ts.Node = twinFile;
    for (const node of chain) {
      const next = ts.forEachChild(twin, (child) => (child.kind === node.kind && child.pos === node.pos && child.end === node.end ? child : undefined));
      if (next === undefined) return;
      twin = next;
      const docs = (twin as Documented).jsDoc;
      if (docs !== undefined && (node as Documented).jsDoc === undefined) (node as Documented).jsDoc = docs;
    }
  }

  private twinOf(file: ts.SourceFile): ts.SourceFile | undefined {
    const known = this.documented.get(file.fileName);
    if (known !== undefined && known.text.length === file.text.length) return known;
    const text = this.originalText(file);
    if (text === undefined || text === file.text) return undefined;
    const twin = ts.createSourceFile(file.fileName, text, file.languageVersion, true);
    this.documented.set(file.fileName, twin);
    return twin;
  }
}

/** The identifier that `position` touches (inside it or right after it). */
function identifierAt(file: ts.SourceFile, position: number): ts.Identifier | undefined {
  let found: ts.Identifier | undefined;
  const visit = (node: ts.Node): void => {
    if (node.getStart(file) > position || node.end < position) return;
    if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) found = ts.isIdentifier(node) ? node : found;
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

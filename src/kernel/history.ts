/**
 * The in-memory input/output history of this kernel session, answering `history_request`
 * (tail, range, search with glob patterns, unique, output) as IPython does.
 */

/** One executed cell. */
export interface HistoryEntry {
  readonly line: number;
  readonly input: string;
  /** The `text/plain` result, when the cell had one. */
  output: string | null;
}

/** A reply row: `[session, line, input]` or `[session, line, [input, output]]`. */
export type HistoryRow = [number, number, string] | [number, number, [string, string | null]];

/** What a `history_request` asks for (decoded from its content by `parseHistoryQuery` in requests.ts). */
export type HistoryQuery =
  | { readonly kind: "tail"; readonly n: number; readonly output: boolean }
  | { readonly kind: "range"; readonly session: number; readonly start: number; readonly stop: number | undefined; readonly output: boolean }
  | { readonly kind: "search"; readonly pattern: string; readonly n: number | undefined; readonly unique: boolean; readonly output: boolean };

/** History of the current session (session number 1; IPython numbers sessions from 1). */
export class History {
  /** The session number used in replies; negative session numbers in requests count back from it. */
  readonly session = 1;
  private readonly entries: HistoryEntry[] = [];

  /** Records a cell; returns the entry so its output can be filled in later. */
  add(line: number, input: string): HistoryEntry {
    const entry: HistoryEntry = { line, input, output: null };
    this.entries.push(entry);
    return entry;
  }

  /** Answers a query with rows in execution order. */
  query(query: HistoryQuery): HistoryRow[] {
    let selected: HistoryEntry[];
    switch (query.kind) {
      case "tail":
        selected = query.n <= 0 ? [] : this.entries.slice(-query.n);
        break;
      case "range": {
        const session = query.session <= 0 ? this.session + query.session : query.session;
        if (session !== this.session) return [];
        selected = this.entries.filter((e) => e.line >= query.start && (query.stop === undefined || e.line < query.stop));
        break;
      }
      case "search": {
        const pattern = globToRegExp(query.pattern);
        selected = this.entries.filter((e) => pattern.test(e.input));
        if (query.unique) {
          const seen = new Set<string>();
          const lastFirst = [...selected].reverse().filter((e) => (seen.has(e.input) ? false : (seen.add(e.input), true)));
          selected = lastFirst.reverse();
        }
        if (query.n !== undefined) selected = selected.slice(-query.n);
        break;
      }
    }
    return selected.map((e): HistoryRow => (query.output ? [this.session, e.line, [e.input, e.output]] : [this.session, e.line, e.input]));
  }
}

/** IPython's glob: `*` any run, `?` one character, `[...]` a class; matched against the whole input. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*") source += "[\\s\\S]*";
    else if (c === "?") source += "[\\s\\S]";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 1);
      if (close < 0) source += "\\[";
      else {
        const body = glob.slice(i + 1, close).replace(/^!/, "^").replace(/\\/g, "\\\\");
        source += `[${body}]`;
        i = close;
      }
    } else source += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

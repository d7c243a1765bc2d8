/**
 * The magic registry: the table of line and cell magics the kernel knows. Later magics (such as
 * `%%tune`) plug in with {@link MagicRegistry.register}.
 */
import { didYouMean } from "./suggest";
import { MagicError, type CellMagic, type LineMagic, type Magic } from "./types";

/** Line and cell magics by name. A line and a cell magic may share a name (`%time`, `%%time`). */
export class MagicRegistry {
  private readonly lineMagics = new Map<string, LineMagic>();
  private readonly cellMagics = new Map<string, CellMagic>();

  /**
   * Adds a magic.
   * @param replace allow replacing a magic of the same kind and name (otherwise that throws)
   * @throws Error for an invalid name or a duplicate
   */
  register(magic: Magic, replace = false): this {
    if (!/^[A-Za-z_]\w*$/.test(magic.name)) {
      throw new Error(`invalid magic name "${magic.name}": expected letters, digits and _ (not starting with a digit)`);
    }
    const table = magic.kind === "line" ? this.lineMagics : this.cellMagics;
    if (table.has(magic.name) && !replace) {
      throw new Error(`${prefix(magic.kind)}${magic.name} is already registered (pass replace=true to replace it)`);
    }
    if (magic.kind === "line") this.lineMagics.set(magic.name, magic);
    else this.cellMagics.set(magic.name, magic);
    return this;
  }

  /** The line magic `name`, or `undefined`. */
  findLine(name: string): LineMagic | undefined {
    return this.lineMagics.get(name);
  }

  /** The cell magic `name`, or `undefined`. */
  findCell(name: string): CellMagic | undefined {
    return this.cellMagics.get(name);
  }

  /**
   * The line magic `name`.
   * @throws MagicError naming the magics that exist, with the closest one
   */
  line(name: string, line?: number): LineMagic {
    const magic = this.lineMagics.get(name);
    if (magic === undefined) throw this.unknown("line", name, line);
    return magic;
  }

  /**
   * The cell magic `name`.
   * @throws MagicError naming the magics that exist, with the closest one
   */
  cell(name: string, line?: number): CellMagic {
    const magic = this.cellMagics.get(name);
    if (magic === undefined) throw this.unknown("cell", name, line);
    return magic;
  }

  /** The registered magics of one kind (or all, line magics first), sorted by name. */
  list(kind?: "line" | "cell"): Magic[] {
    const byName = (a: Magic, b: Magic): number => a.name.localeCompare(b.name);
    const lines = [...this.lineMagics.values()].sort(byName);
    const cells = [...this.cellMagics.values()].sort(byName);
    if (kind === "line") return lines;
    if (kind === "cell") return cells;
    return [...lines, ...cells];
  }

  private unknown(kind: "line" | "cell", name: string, line: number | undefined): MagicError {
    const same = kind === "line" ? this.lineMagics : this.cellMagics;
    const other = kind === "line" ? this.cellMagics : this.lineMagics;
    const otherKind = kind === "line" ? "cell" : "line";
    const written = `${prefix(kind)}${name}`;
    if (other.has(name)) {
      const where = otherKind === "cell" ? "on the first line of a cell" : "on a line of its own";
      return new MagicError(`${written} is not a ${kind} magic; ${prefix(otherKind)}${name} is a ${otherKind} magic: write it ${where}`, line);
    }
    const suggestion = didYouMean(name, same.keys(), (candidate) => `${prefix(kind)}${candidate}`);
    const existing = (magics: Map<string, Magic>, k: "line" | "cell"): string =>
      magics.size === 0 ? "none" : [...magics.keys()].sort().map((n) => `${prefix(k)}${n}`).join(", ");
    return new MagicError(
      `unknown ${kind} magic ${written}${suggestion} (line magics: ${existing(this.lineMagics, "line")}; cell magics: ${existing(this.cellMagics, "cell")})`,
      line,
    );
  }
}

/** `%` for line magics, `%%` for cell magics. */
export function prefix(kind: "line" | "cell"): "%" | "%%" {
  return kind === "line" ? "%" : "%%";
}

/** The plain-text tables the sampler benchmarks print. */

/** A regret or time for a table cell: 3 significant digits, exponent notation below 0.01. */
export function formatNumber(v: number): string {
  if (v === 0) return "0";
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  if (Math.abs(v) >= 0.01) return v.toPrecision(3);
  return v.toExponential(2);
}

/** `rows` (the first is the header) as aligned columns: the first left-aligned, the rest right, a dash rule under the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] as readonly string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  const line = (r: readonly string[]): string => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join("  ");
  const [head, ...body] = rows;
  return [line(head as readonly string[]), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/**
 * "Did you mean …?" suggestions for misspelt magic and option names.
 */

/**
 * The edit distance between `a` and `b` counting insertions, deletions, substitutions and
 * swaps of two adjacent characters as 1 each (optimal string alignment distance), so the common
 * typo `tmie` is 1 away from `time`.
 */
export function editDistance(a: string, b: string): number {
  // rows[i][j] = distance between a[0, i) and b[0, j)
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2][j - 2] + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length][b.length];
}

/**
 * The candidate closest to `name`, or `undefined` when none is close enough to be a plausible
 * typo (distance at most a third of the longer name, and at least one character, case ignored).
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(wanted.length, best.length) / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** `" (did you mean X?)"` when a close candidate exists, else the empty string. */
export function didYouMean(name: string, candidates: Iterable<string>, format: (n: string) => string = (n) => n): string {
  const best = closestName(name, candidates);
  return best === undefined ? "" : `; did you mean ${format(best)}?`;
}

/**
 * Pareto dominance for studies of several objectives: non-dominated sorting and crowding distance
 * (Deb, Pratap, Agarwal & Meyarivan 2002, "A fast and elitist multiobjective genetic algorithm:
 * NSGA-II") and the exact hypervolume of a front.
 *
 * Notation (every function works on minimisation; {@link toMinimization} flips maximised objectives):
 *   n            number of points (trials)
 *   m            number of objectives
 *   y_i ∈ ℝ^m    point i, `points[i]`                                   points: (n, m)
 *   y_i ≺ y_j    y_i dominates y_j: y_ik ≤ y_jk for every k, and < for some k
 *   F_1, F_2, …  fronts: F_1 = points no point dominates; F_r = those of the rest after F_1…F_{r−1}
 *   r ∈ ℝ^m      hypervolume reference point, worse than the front in every objective
 *   HV(Y; r)     Lebesgue measure of ⋃_{y ∈ Y} [y, r] (the boxes between each point and r)
 *
 * Equal points dominate neither each other: duplicates and ties share a front.
 */
import type { StudyDirection } from "./types";

/** A point in objective space (minimisation), one coordinate per objective. */
export type ObjectivePoint = readonly number[];

/** `values` as minimisation: maximised objectives negated. */
export function toMinimization(values: readonly number[], directions: readonly StudyDirection[]): number[] {
  if (values.length !== directions.length) {
    throw new RangeError(`expected ${directions.length} values (one per direction), but got ${values.length}`);
  }
  return values.map((v, k) => (directions[k] === "maximize" ? -v : v));
}

/** Whether `a` ≺ `b`: no worse in every objective and better in at least one (minimisation). */
export function dominates(a: ObjectivePoint, b: ObjectivePoint): boolean {
  let better = false;
  for (let k = 0; k < a.length; k++) {
    const ak = a[k] as number;
    const bk = b[k] as number;
    if (ak > bk) return false;
    if (ak < bk) better = true;
  }
  return better;
}

/**
 * The fronts F_1, F_2, … of `points` as lists of indices (ascending within a front): Deb's fast
 * non-dominated sort, O(m·n²). Every index appears in exactly one front.
 */
export function nonDominatedSort(points: readonly ObjectivePoint[]): number[][] {
  const n = points.length;
  // S_i: the points y_i dominates; c_i: how many points dominate y_i.
  const dominated: number[][] = Array.from({ length: n }, () => []);
  const dominatorCount = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = points[i] as ObjectivePoint;
      const b = points[j] as ObjectivePoint;
      if (dominates(a, b)) {
        (dominated[i] as number[]).push(j);
        dominatorCount[j] = (dominatorCount[j] as number) + 1;
      } else if (dominates(b, a)) {
        (dominated[j] as number[]).push(i);
        dominatorCount[i] = (dominatorCount[i] as number) + 1;
      }
    }
  }
  const fronts: number[][] = [];
  let current = dominatorCount.flatMap((c, i) => (c === 0 ? [i] : []));
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominated[i] as number[]) {
        dominatorCount[j] = (dominatorCount[j] as number) - 1;
        if (dominatorCount[j] === 0) next.push(j);
      }
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/** The indices of F_1, the points no other point dominates (ascending). */
export function paretoFrontIndices(points: readonly ObjectivePoint[]): number[] {
  return points.flatMap((p, i) => (points.some((q) => dominates(q, p)) ? [] : [i]));
}

/**
 * The crowding distance of each point of one front (same order as `front`):
 *   d_i = Σ_k (y_{next(i),k} − y_{prev(i),k}) / (max_k − min_k)
 * where prev/next are i's neighbours when the front is sorted on objective k; the two extremes of
 * each objective get +∞; an objective on which the front is flat adds nothing.
 */
export function crowdingDistance(front: readonly ObjectivePoint[]): number[] {
  const n = front.length;
  const distance = new Array<number>(n).fill(0);
  if (n === 0) return distance;
  const m = (front[0] as ObjectivePoint).length;
  for (let k = 0; k < m; k++) {
    const at = (i: number): number => (front[i] as ObjectivePoint)[k] as number;
    // Ties broken by index, so the result does not depend on the sort's stability.
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => at(a) - at(b) || a - b);
    const low = at(order[0] as number);
    const high = at(order[n - 1] as number);
    distance[order[0] as number] = Infinity;
    distance[order[n - 1] as number] = Infinity;
    const range = high - low;
    if (!(range > 0)) continue;
    for (let s = 1; s < n - 1; s++) {
      const i = order[s] as number;
      distance[i] = (distance[i] as number) + (at(order[s + 1] as number) - at(order[s - 1] as number)) / range;
    }
  }
  return distance;
}

/**
 * HV(Y; r), exactly. Points not strictly better than r in every objective add nothing and are
 * dropped. m = 1: r − min y; m = 2: a sweep, O(n log n); m ≥ 3: slicing on the last objective
 * (each slab between consecutive y_{·m} values is the (m−1)-d hypervolume of the points below it
 * times its thickness), O(n^{m−1} log n) — exact, meant for fronts of a few hundred points.
 */
export function hypervolume(points: readonly ObjectivePoint[], reference: ObjectivePoint): number {
  const m = reference.length;
  for (const p of points) {
    if (p.length !== m) throw new RangeError(`hypervolume: every point needs ${m} coordinates (the reference's), but got ${p.length}`);
  }
  const inside = points.filter((p) => p.every((v, k) => v < (reference[k] as number)));
  if (inside.length === 0) return 0;
  return hypervolumeOfInside(paretoFrontIndices(inside).map((i) => inside[i] as ObjectivePoint), reference);
}

/** HV of points that all strictly dominate r (the recursion of {@link hypervolume}). */
function hypervolumeOfInside(points: readonly ObjectivePoint[], reference: ObjectivePoint): number {
  const m = reference.length;
  if (m === 1) return (reference[0] as number) - Math.min(...points.map((p) => p[0] as number));
  if (m === 2) {
    // Sorted by y_1 ascending, a front has y_2 descending: each point adds the strip
    // (r_1 − y_1)·(previous y_2 − y_2), starting from r_2.
    const sorted = [...points].sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
    let volume = 0;
    let ceiling = reference[1] as number;
    for (const p of sorted) {
      const y2 = p[1] as number;
      if (y2 >= ceiling) continue;
      volume += ((reference[0] as number) - (p[0] as number)) * (ceiling - y2);
      ceiling = y2;
    }
    return volume;
  }
  // Slices on the last objective: between z_s and z_{s+1} (or r_m), the points with y_m ≤ z_s.
  const last = m - 1;
  const sorted = [...points].sort((a, b) => (a[last] as number) - (b[last] as number));
  const lower = reference.slice(0, last);
  let volume = 0;
  for (let s = 0; s < sorted.length; s++) {
    const z = (sorted[s] as ObjectivePoint)[last] as number;
    const top = s + 1 < sorted.length ? ((sorted[s + 1] as ObjectivePoint)[last] as number) : (reference[last] as number);
    if (top <= z) continue;
    const slab = sorted.slice(0, s + 1).map((p) => p.slice(0, last));
    volume += hypervolumeOfInside(paretoFrontIndices(slab).map((i) => slab[i] as ObjectivePoint), lower) * (top - z);
  }
  return volume;
}

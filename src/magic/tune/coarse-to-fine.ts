/**
 * Coarse to fine: a first, coarse search (random, grid) finds the promising region; a second one
 * searches inside it, starting from what the first learnt.
 *
 * - {@link narrow}: a smaller space around the best trials, as grammar lines to paste under a new
 *   `%%tune`. Of the complete trials, the best q (at least {@link MIN_TOP_TRIALS}) are "top"; each
 *   numeric parameter's new range is the top trials' range, widened by {@link MARGIN} of it on each
 *   side (on the log scale for log parameters) and kept inside the old bounds; a choice keeps the
 *   values the top trials took; a fixed value stays.
 * - {@link seedTrials}: `%%tune --from STUDY [--from-top K]` copies the earlier study's complete
 *   trials (its best K) into the new study before any sampling, as complete trials with the new
 *   space's distributions, so the samplers learn from them; trials outside the new space are left
 *   out (a point the space cannot hold would mislead them).
 */
import type { Distribution, FrozenTrial, Params, SearchSpace, StudyDirection } from "../../engine/types";
import { contains } from "../../engine/distributions";

/** The fewest top trials a narrowed range is drawn from. */
export const MIN_TOP_TRIALS = 3;
/** How much of the top trials' range is added on each side. */
export const MARGIN = 0.1;

/** What {@link narrow} proposes. */
export interface NarrowedSpace {
  readonly space: SearchSpace;
  /** The space as `%%tune` grammar lines, one parameter a line. */
  readonly lines: string;
  /** How many complete trials the ranges come from. */
  readonly fromTrials: number;
  /** The lines, as text. */
  toString(): string;
  /** The lines as the cell's output, so a cell that ends with `narrow(study)` shows them ready to paste. */
  [JUPYTER_DISPLAY](): { readonly "text/plain": string };
}

/** The kernel's display protocol (src/exec/display.ts): an object's own MIME bundle. */
const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

/** What a study offers to be narrowed or to seed another: its space, direction and trials. */
export interface CoarseStudy {
  readonly space: SearchSpace;
  readonly direction: StudyDirection;
  readonly trials: readonly FrozenTrial[];
}

/**
 * A smaller space around the best `q` of the complete trials.
 * @param q the fraction of complete trials that are "top" (0 < q ≤ 1, default 0.25)
 * @throws RangeError for a bad q; Error when the study has fewer than {@link MIN_TOP_TRIALS} complete trials
 */
export function narrow(study: CoarseStudy, q = 0.25): NarrowedSpace {
  if (!(q > 0 && q <= 1)) throw new RangeError(`narrow: q is the fraction of trials kept, in (0, 1], got ${q}`);
  const complete = bestFirst(study.trials, study.direction);
  if (complete.length < MIN_TOP_TRIALS) {
    throw new Error(`narrow: the study has ${complete.length} complete trial${complete.length === 1 ? "" : "s"}; at least ${MIN_TOP_TRIALS} are needed to see a region`);
  }
  const top = complete.slice(0, Math.max(MIN_TOP_TRIALS, Math.ceil(q * complete.length)));
  const space: Record<string, Distribution> = {};
  for (const [name, dist] of Object.entries(study.space)) {
    const values = top.map((trial) => trial.params[name]).filter((value) => value !== undefined);
    space[name] = values.length === 0 ? dist : narrowDistribution(dist, values);
  }
  const lines = Object.entries(space)
    .map(([name, dist]) => `${name}: ${grammarOf(dist)}`)
    .join("\n");
  return { space, lines, fromTrials: top.length, toString: () => lines, [JUPYTER_DISPLAY]: () => ({ "text/plain": lines }) };
}

/** The complete trials, best first (lowest number first on ties). */
function bestFirst(trials: readonly FrozenTrial[], direction: StudyDirection): FrozenTrial[] {
  const sign = direction === "minimize" ? 1 : -1;
  return trials
    .filter((trial) => trial.state === "complete" && trial.value !== undefined && Number.isFinite(trial.value))
    .sort((a, b) => sign * (a.value! - b.value!) || a.number - b.number);
}

/** One distribution narrowed to the values the top trials took (see the module comment). */
function narrowDistribution(dist: Distribution, values: readonly unknown[]): Distribution {
  switch (dist.kind) {
    case "float":
    case "int": {
      const numbers = values.filter((v): v is number => typeof v === "number");
      // u = log x on a log scale, x otherwise: the range [min u, max u] widened by MARGIN on each side
      const toU = (x: number): number => (dist.log ? Math.log(x) : x);
      const fromU = (u: number): number => (dist.log ? Math.exp(u) : u);
      const us = numbers.map(toU);
      const [uMin, uMax] = [Math.min(...us), Math.max(...us)];
      const pad = MARGIN * (uMax - uMin);
      let low = Math.max(dist.low, fromU(uMin - pad));
      let high = Math.min(dist.high, fromU(uMax + pad));
      if (dist.kind === "int") {
        // Stay on the step grid from the old low.
        low = dist.low + Math.floor((low - dist.low) / dist.step) * dist.step;
        high = dist.low + Math.ceil((high - dist.low) / dist.step) * dist.step;
        return { ...dist, low, high: Math.min(high, dist.high) };
      }
      if (dist.step !== undefined) {
        low = dist.low + Math.floor((low - dist.low) / dist.step + 1e-9) * dist.step;
        high = Math.min(dist.high, dist.low + Math.ceil((high - dist.low) / dist.step - 1e-9) * dist.step);
        return { ...dist, low: roundTo(low), high: roundTo(high) };
      }
      return low === high ? { kind: "fixed", value: roundTo(low) } : { ...dist, low: roundTo(low, "down"), high: roundTo(high, "up") };
    }
    case "categorical": {
      const kept = dist.choices.filter((choice) => values.some((value) => value === choice));
      return kept.length === 1 ? { kind: "fixed", value: kept[0]! } : { kind: "categorical", choices: kept };
    }
    case "fixed":
      return dist;
  }
}

/** `x` to 4 significant digits, rounded outward when a direction is given (so no top value falls outside). */
function roundTo(x: number, direction?: "down" | "up"): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const scale = 10 ** (Math.floor(Math.log10(Math.abs(x))) - 3);
  const round = direction === "down" ? Math.floor : direction === "up" ? Math.ceil : Math.round;
  return Number((round(x / scale) * scale).toPrecision(4));
}

/** A distribution as a grammar line's right-hand side (space-grammar.ts). */
export function grammarOf(dist: Distribution): string {
  switch (dist.kind) {
    case "float":
      if (dist.step !== undefined) return `float(${dist.low}, ${dist.high}${dist.log ? ", log" : ""}, step=${dist.step})`;
      return dist.log ? `loguniform(${dist.low}, ${dist.high})` : `uniform(${dist.low}, ${dist.high})`;
    case "int":
      return `int(${dist.low}, ${dist.high}${dist.log ? ", log" : ""}${dist.step !== 1 ? `, step=${dist.step}` : ""})`;
    case "categorical":
      return `choice(${dist.choices.map((choice) => JSON.stringify(choice)).join(", ")})`;
    case "fixed":
      return JSON.stringify(dist.value);
  }
}

/** A trial to copy into the new study. */
export interface SeedTrial {
  readonly params: Params;
  readonly distributions: SearchSpace;
  readonly value: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly userAttrs: Readonly<Record<string, unknown>>;
}

/**
 * The earlier study's complete trials (its best `top`, when given) that the new space holds, ready
 * to add as complete trials: each keeps only the new space's parameters, with the new
 * distributions, and records where it came from (user attribute "seededFrom").
 * @returns the trials to add and how many were left out because the new space cannot hold them
 */
export function seedTrials(from: CoarseStudy, fromName: string, space: SearchSpace, top?: number): { readonly trials: SeedTrial[]; readonly outside: number } {
  const complete = bestFirst(from.trials, from.direction);
  const chosen = top === undefined ? complete : complete.slice(0, top);
  const trials: SeedTrial[] = [];
  let outside = 0;
  for (const trial of chosen) {
    const params: Record<string, Params[string]> = {};
    let holds = true;
    for (const [name, dist] of Object.entries(space)) {
      const value = dist.kind === "fixed" && trial.params[name] === undefined ? dist.value : trial.params[name];
      if (value === undefined || !contains(dist, value)) {
        holds = false;
        break;
      }
      params[name] = value;
    }
    if (!holds) {
      outside++;
      continue;
    }
    trials.push({ params, distributions: space, value: trial.value!, metrics: trial.metrics, userAttrs: { seededFrom: `${fromName}#${trial.number}` } });
  }
  return { trials, outside };
}

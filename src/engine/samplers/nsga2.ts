/**
 * NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002), as Optuna's NSGAIISampler: a genetic algorithm
 * for several objectives (one works too). Trials are grouped in generations of `populationSize`
 * by number (trial n belongs to generation ⌊n / P⌋), so the sampler keeps no state: a resumed study
 * rebuilds the same populations from its stored trials.
 *
 * Notation:
 *   P          population size; generation g = trials g·P … (g+1)·P − 1
 *   Q_g        complete trials of generation g (failed ones leave gaps)
 *   R_g        the parent population generation g+1 breeds from:
 *              R_0 = elite(Q_0), R_g = elite(R_{g−1} ∪ Q_g)
 *   elite(S)   the best P of S: whole fronts F_1, F_2, … (non-dominated sorting) while they fit,
 *              then the last front's members of largest crowding distance
 *   ≺_c        crowded comparison: lower front rank wins, then larger crowding distance
 *   u ∈ [0,1]  a parameter's position in the unit interval (`toUnit`/`fromUnit`: log scales,
 *              integer and step cells and categorical indices included)
 *
 * A child of generation g ≥ 1 has two parents, each the ≺_c-winner of a binary tournament in
 * R_{g−1}. With probability `crossoverProbability` its parameters are crossed: "uniform" takes
 * each from the second parent with probability `swappingProbability`; "sbx" (simulated binary
 * crossover, distribution index η) blends numeric positions u and swaps categoricals uniformly.
 * Without crossover the child copies the first parent. Each parameter is then redrawn uniformly
 * with probability `mutationProbability` (default 1 / number of parameters), and so is any the
 * parents lack. Generation 0, and any generation whose parents have no complete trial, is
 * uniform random.
 *
 * Every draw comes from (seed, trial number, parameter name), so sampling a whole space jointly
 * or one parameter at a time (define-by-run) gives the same child. Not implemented: Optuna's
 * constraints (infeasible trials would need a constraint function's values stored per trial).
 */
import { contains, distributionsEqual, fromUnit, toUnit } from "../distributions";
import { createRng, type Rng } from "../../common/random";
import { crowdingDistance, nonDominatedSort, toMinimization } from "../pareto";
import { trialValues, type Distribution, type FrozenTrial, type Params, type ParamValue, type Sampler, type SamplingContext, type StudyDirection } from "../types";
import { RandomSampler } from "./random";

/** How two parents' parameters are combined. */
export type NSGA2Crossover = "uniform" | "sbx";

/** Options of {@link NSGA2Sampler}. */
export interface NSGA2SamplerOptions {
  /** All randomness comes from this seed (default 0). */
  readonly seed?: number;
  /** P: trials per generation and size of the parent population (default 50, at least 2). */
  readonly populationSize?: number;
  /** Default "uniform" (Optuna's default); "sbx" for simulated binary crossover of numbers. */
  readonly crossover?: NSGA2Crossover;
  /** Probability that a child's parameters are crossed rather than copied from one parent (default 0.9). */
  readonly crossoverProbability?: number;
  /** Uniform crossover: probability of taking each parameter from the second parent (default 0.5). */
  readonly swappingProbability?: number;
  /** SBX distribution index η: larger keeps children nearer their parents (default 20). */
  readonly sbxEta?: number;
  /** Probability of redrawing each parameter uniformly (default 1 / number of parameters). */
  readonly mutationProbability?: number;
}

/** A member of a population: a complete trial, its minimisation point, front rank and crowding distance. */
export interface PopulationMember {
  readonly trial: FrozenTrial;
  readonly point: readonly number[];
  readonly rank: number;
  readonly crowding: number;
}

/** NSGA-II sampling (see the module comment). */
export class NSGA2Sampler implements Sampler {
  readonly name = "nsga2";
  readonly supportsMultiObjective = true;
  readonly seed: number;
  readonly populationSize: number;
  readonly crossover: NSGA2Crossover;
  readonly crossoverProbability: number;
  readonly swappingProbability: number;
  readonly sbxEta: number;
  readonly mutationProbability: number | undefined;
  private readonly random: RandomSampler;

  constructor(options: NSGA2SamplerOptions = {}) {
    const seed = options.seed ?? 0;
    if (!Number.isFinite(seed)) throw new RangeError(`NSGA2Sampler: \`seed\` must be a finite number, but got seed=${seed}`);
    const populationSize = options.populationSize ?? 50;
    if (!Number.isSafeInteger(populationSize) || populationSize < 2) {
      throw new RangeError(`NSGA2Sampler: \`populationSize\` must be an integer of at least 2, but got populationSize=${populationSize}`);
    }
    const crossover = options.crossover ?? "uniform";
    if (crossover !== "uniform" && crossover !== "sbx") {
      throw new RangeError(`NSGA2Sampler: \`crossover\` must be "uniform" or "sbx", but got ${JSON.stringify(crossover)}`);
    }
    for (const key of ["crossoverProbability", "swappingProbability", "mutationProbability"] as const) {
      const p = options[key];
      if (p !== undefined && !(p >= 0 && p <= 1)) throw new RangeError(`NSGA2Sampler: \`${key}\` must be in [0, 1], but got ${key}=${p}`);
    }
    const eta = options.sbxEta ?? 20;
    if (!(eta > 0 && Number.isFinite(eta))) throw new RangeError(`NSGA2Sampler: \`sbxEta\` must be a positive number, but got sbxEta=${eta}`);
    this.seed = seed;
    this.populationSize = populationSize;
    this.crossover = crossover;
    this.crossoverProbability = options.crossoverProbability ?? 0.9;
    this.swappingProbability = options.swappingProbability ?? 0.5;
    this.sbxEta = eta;
    this.mutationProbability = options.mutationProbability;
    this.random = new RandomSampler({ seed });
  }

  sample(context: SamplingContext): Params {
    const generation = Math.floor(context.trialNumber / this.populationSize);
    if (generation === 0) return this.random.sample(context);
    const parents = parentPopulation(context.trials, generation, this.populationSize, context.directions ?? [context.direction]);
    if (parents.length === 0) return this.random.sample(context);
    const rng = createRng(this.seed, "nsga2", context.trialNumber);
    const first = tournament(parents, rng).trial;
    const second = tournament(parents, rng).trial;
    const cross = rng.next() < this.crossoverProbability;
    const parameterCount = new Set([...Object.keys(first.distributions), ...Object.keys(context.space)]).size;
    const mutation = this.mutationProbability ?? 1 / Math.max(1, parameterCount);
    const params: Record<string, ParamValue> = {};
    for (const [name, dist] of Object.entries(context.space)) {
      const draw = createRng(this.seed, "nsga2", context.trialNumber, name);
      const mutate = draw.next() < mutation;
      const a = inheritedValue(first, name, dist);
      const b = inheritedValue(second, name, dist);
      if (mutate || a === undefined) params[name] = fromUnit(dist, draw.next());
      else if (!cross || b === undefined) params[name] = a.value;
      else params[name] = this.crossed(dist, a.value, b.value, draw);
    }
    return params;
  }

  /** One parameter of a child of parents holding `a` and `b` (see the module comment). */
  private crossed(dist: Distribution, a: ParamValue, b: ParamValue, draw: Rng): ParamValue {
    const numeric = dist.kind === "float" || dist.kind === "int";
    if (this.crossover === "uniform" || !numeric) return draw.next() < this.swappingProbability ? b : a;
    const [c1, c2] = simulatedBinaryCrossover(toUnit(dist, a), toUnit(dist, b), this.sbxEta, draw);
    const child = draw.next() < 0.5 ? c1 : c2;
    return fromUnit(dist, Math.min(1, Math.max(0, child)));
  }
}

/** Parent `trial`'s value of `name` when it was drawn from the same distribution, else undefined. */
function inheritedValue(trial: FrozenTrial, name: string, dist: Distribution): { value: ParamValue } | undefined {
  const known = trial.distributions[name];
  if (known === undefined || !distributionsEqual(known, dist) || !(name in trial.params)) return undefined;
  const value = trial.params[name] as ParamValue;
  return contains(dist, value) ? { value } : undefined;
}

/**
 * R_{g−1}, the parents of generation g ≥ 1: R_0 = elite(Q_0), R_h = elite(R_{h−1} ∪ Q_h). Only
 * complete trials with one value per direction count.
 */
export function parentPopulation(
  trials: readonly FrozenTrial[],
  generation: number,
  populationSize: number,
  directions: readonly StudyDirection[],
): PopulationMember[] {
  const byGeneration: FrozenTrial[][] = Array.from({ length: generation }, () => []);
  for (const trial of trials) {
    if (trial === undefined || trial.state !== "complete") continue;
    const h = Math.floor(trial.number / populationSize);
    if (h >= generation || trialValues(trial)?.length !== directions.length) continue;
    (byGeneration[h] as FrozenTrial[]).push(trial);
  }
  let population: PopulationMember[] = [];
  for (const offspring of byGeneration) {
    const pool = [...population.map((m) => m.trial), ...offspring];
    population = eliteSelection(pool, populationSize, directions);
  }
  return population;
}

/** The best `size` of `pool` by front, then crowding distance (ties: lower trial number). */
function eliteSelection(pool: readonly FrozenTrial[], size: number, directions: readonly StudyDirection[]): PopulationMember[] {
  const points = pool.map((t) => toMinimization(trialValues(t) as readonly number[], directions));
  const chosen: PopulationMember[] = [];
  const fronts = nonDominatedSort(points);
  for (let rank = 0; rank < fronts.length && chosen.length < size; rank++) {
    const front = fronts[rank] as number[];
    const crowding = crowdingDistance(front.map((i) => points[i] as number[]));
    const members = front.map((i, j) => ({ trial: pool[i] as FrozenTrial, point: points[i] as number[], rank, crowding: crowding[j] as number }));
    if (chosen.length + members.length > size) {
      members.sort((x, y) => y.crowding - x.crowding || x.trial.number - y.trial.number);
    }
    chosen.push(...members.slice(0, size - chosen.length));
  }
  return chosen;
}

/** The ≺_c-winner of two members drawn at random (the first on a tie). */
function tournament(population: readonly PopulationMember[], rng: Rng): PopulationMember {
  const a = population[rng.int(population.length)] as PopulationMember;
  const b = population[rng.int(population.length)] as PopulationMember;
  if (a.rank !== b.rank) return a.rank < b.rank ? a : b;
  return b.crowding > a.crowding ? b : a;
}

/**
 * Simulated binary crossover of x₁, x₂ ∈ [0, 1] bounded to [0, 1] (Deb & Agrawal 1995; the
 * bounded form of Deb's NSGA-II code): with y₁ ≤ y₂ the parents sorted and μ uniform,
 *   β_low = 1 + 2·y₁ / (y₂ − y₁),  β_high = 1 + 2·(1 − y₂) / (y₂ − y₁)
 *   α = 2 − β^{−(η+1)};  β_q = (μα)^{1/(η+1)} if μ ≤ 1/α, else (1 / (2 − μα))^{1/(η+1)}
 *   c₁ = ½·((y₁ + y₂) − β_q(low)·(y₂ − y₁)),  c₂ = ½·((y₁ + y₂) + β_q(high)·(y₂ − y₁))
 * Equal parents give two copies.
 */
export function simulatedBinaryCrossover(x1: number, x2: number, eta: number, rng: Rng): [number, number] {
  const y1 = Math.min(x1, x2);
  const y2 = Math.max(x1, x2);
  const spread = y2 - y1;
  if (spread < 1e-14) return [x1, x2];
  const mu = rng.next();
  const betaQ = (beta: number): number => {
    const alpha = 2 - beta ** -(eta + 1);
    return mu <= 1 / alpha ? (mu * alpha) ** (1 / (eta + 1)) : (1 / (2 - mu * alpha)) ** (1 / (eta + 1));
  };
  const c1 = 0.5 * (y1 + y2 - betaQ(1 + (2 * y1) / spread) * spread);
  const c2 = 0.5 * (y1 + y2 + betaQ(1 + (2 * (1 - y2)) / spread) * spread);
  return [Math.min(1, Math.max(0, c1)), Math.min(1, Math.max(0, c2))];
}

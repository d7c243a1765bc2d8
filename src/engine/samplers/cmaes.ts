/**
 * CMA-ES (covariance matrix adaptation evolution strategy) for the numeric parameters of a space,
 * as Optuna's CmaEsSampler does with the `cmaes` library: integers and stepped floats with a margin
 * so that they do not freeze, IPOP restarts, and an independent sampler for categoricals.
 *
 * The sampler keeps no state between calls: each call rebuilds the CMA state from the context.
 *  1. The numeric parameters with more than one value are the CMA coordinates, each in the unit
 *     interval of `toUnit` (log scales, ints and steps have their cells there); categoricals,
 *     fixed and one-valued parameters come from the random sampler it holds (a space with no CMA
 *     coordinate is sampled by it entirely).
 *  2. The usable trials are the complete and pruned ones with a finite value (a pruned trial
 *     counts with its last reported value) whose distributions are the space's, in trial-number
 *     order. Before `startupTrials` of them, the start-up sampler (scrambled Sobol) answers.
 *  3. Otherwise the run starts at m₀ = the cube's centre (`initialMean: "centre"`, the default, as
 *     Optuna's CmaEsSampler does) or the best start-up point (`"best-startup"`), σ₀ = `sigma0`,
 *     C = I, λ = `popsize` (default 4 + ⌊3 ln n⌋), and the trials after the start-up ones are
 *     replayed in generations of λ, each one CMA update (cmaes/cma.ts, active CMA as the `cmaes`
 *     library's; a discrete value enters at the centre of its cell). After a generation that
 *     meets a stopping test (σ or the fitness range collapsed, C ill-conditioned), IPOP restarts:
 *     λ doubles, σ and C start again, and m is a uniform point drawn from (seed, restart index).
 *     Trials that do not fill a generation, and running trials, are pending: the new point is
 *     drawn from the current distribution. Defaults measured with bench:tpe-cmaes' functions at
 *     100 evaluations (median regret, seeds 0–19; Optuna 3.1's CmaEsSampler,
 *     which starts at the centre with σ₀ = 1/6 after one random trial, on the same seeds:
 *     hartmann6 0.275, ackley5 6.44, rosenbrock4 44.7, branin 0.0135): from the centre with
 *     σ₀ = 0.1 after one start-up trial, 0.266, 4.31, 28.1, 0.0070; from the best of 10 start-up
 *     points, 0.200, 8.58, 48.3, 0.0016 (it misses ackley5, whose optimum is the centre); from
 *     the centre with σ₀ = 1/6, 0.323, 5.68, 26.5, 0.0142. On seeds 20–39 the default gets 0.245,
 *     4.57, 45.9, 0.0095 against Optuna's 0.323, 5.97, 48.4, 0.0104.
 *  4. The point is drawn from N(m, σ²·A·C·A) with an RNG derived from (seed, trial number),
 *     redrawn up to ten times when it leaves the unit cube and then clipped, and mapped back with
 *     `fromUnit`.
 * In a conditional space (engine/conditions.ts), the CMA coordinates are the numeric parameters
 * with no condition (every trial holds them) and the conditional ones come from the independent
 * sampler, as categoricals do: a covariance over coordinates that come and go is not defined.
 * So the answer depends only on the seed and the context, and a resumed study draws the same trials.
 */
import { createRng } from "../../common/random";
import { CmaState, defaultPopulation, type CellOf } from "../cmaes/cma";
import { cardinality, fromUnit, toUnit } from "../distributions";
import type { Distribution, FrozenTrial, Params, ParamValue, Sampler, SamplingContext, SearchSpace } from "../types";
import { RandomSampler } from "./random";
import { fitsSpace } from "./tpe";
import { hasConditions, unconditionalSpace } from "../conditions";

/** Options of {@link CmaEsSampler}. */
export interface CmaEsSamplerOptions {
  /** All randomness comes from this seed (default 0). */
  readonly seed?: number;
  /** Complete or pruned trials from the start-up sampler before CMA-ES takes over (default 1, as Optuna's). */
  readonly startupTrials?: number;
  /** Where the first run starts: the centre of the unit cube (default, as Optuna's) or the best start-up point. */
  readonly initialMean?: "centre" | "best-startup";
  /**
   * The initial step size in the unit cube (default 0.1; on bench:tpe-cmaes' functions at 100
   * evaluations from the centre, 0.1 did better than 0.08, 0.125 and Optuna's 1/6, and IPOP
   * restarts widen the search later).
   */
  readonly sigma0?: number;
  /** The initial population size λ (default 4 + ⌊3 ln n⌋ for n numeric parameters; at least 2). */
  readonly popsize?: number;
  /** `"ipop"` restarts with a doubled population when a run stops (default); `"none"` never restarts. */
  readonly restartStrategy?: "ipop" | "none";
  /** Lower-bound the probability that an integer or stepped value leaves its cell (default true). */
  readonly withMargin?: boolean;
  /** Start-up trials from a scrambled Sobol sequence rather than independent uniforms (default true). */
  readonly sobolStartup?: boolean;
}

/** The CMA run a replay ends with: its state and how many restarts led to it. */
export interface ReplayedRun {
  readonly state: CmaState;
  readonly restarts: number;
  /** Usable trials after the start-up ones that are not yet part of a told generation. */
  readonly pending: number;
}

/** The CMA-ES sampler (see the module comment). */
export class CmaEsSampler implements Sampler {
  readonly name = "cmaes";
  readonly seed: number;
  readonly startupTrials: number;
  private readonly sigma0: number;
  private readonly initialMean: "centre" | "best-startup";
  private readonly popsize: number | undefined;
  private readonly restartStrategy: "ipop" | "none";
  private readonly withMargin: boolean;
  private readonly startup: RandomSampler;
  private readonly independent: RandomSampler;

  constructor(options: CmaEsSamplerOptions = {}) {
    const seed = validated("seed", options.seed ?? 0, Number.isFinite, "a finite number");
    const isCount = (minimum: number) => (v: number) => Number.isSafeInteger(v) && v >= minimum;
    this.seed = seed;
    this.startupTrials = validated("startupTrials", options.startupTrials ?? 1, isCount(0), "a non-negative integer");
    this.sigma0 = validated("sigma0", options.sigma0 ?? 0.1, (v) => Number.isFinite(v) && v > 0, "a positive number");
    this.initialMean = validated("initialMean", options.initialMean ?? "centre", (v) => v === "centre" || v === "best-startup", '"centre" or "best-startup"');
    this.popsize = options.popsize === undefined ? undefined : validated("popsize", options.popsize, isCount(2), "an integer of at least 2");
    this.restartStrategy = validated("restartStrategy", options.restartStrategy ?? "ipop", (v) => v === "ipop" || v === "none", '"ipop" or "none"');
    this.withMargin = options.withMargin ?? true;
    this.startup = new RandomSampler({ seed, sobol: options.sobolStartup ?? true });
    this.independent = new RandomSampler({ seed });
  }

  sample(context: SamplingContext): Params {
    if (hasConditions(context.space)) {
      const searched = this.sample({ ...context, space: unconditionalSpace(context.space) });
      const params: Record<string, ParamValue> = { ...this.independent.sample(context), ...searched };
      return Object.fromEntries(Object.keys(context.space).map((name) => [name, params[name] as ParamValue]));
    }
    const { space } = context;
    const names = cmaNames(space);
    if (names.length === 0) return this.independent.sample(context);
    const usable = usableTrials(context);
    if (usable.length < Math.max(1, this.startupTrials)) return this.startup.sample(context);

    const run = this.replay(space, usable);
    const u = run.state.sample(createRng(this.seed, "cmaes", context.trialNumber));
    const params: Record<string, ParamValue> = { ...this.independent.sample(context) };
    names.forEach((name, j) => (params[name] = fromUnit(space[name]!, Math.min(1, Math.max(0, u[j] as number)))));
    // Keep the space's key order.
    return Object.fromEntries(Object.keys(space).map((name) => [name, params[name] as ParamValue]));
  }

  /**
   * The CMA run that `usable` trials (complete or pruned, fitting `space`, in number order) lead
   * to: the start-up trials (which set the initial mean with `initialMean: "best-startup"`) are
   * skipped, the rest are told a generation of λ at a time.
   */
  replay(space: SearchSpace, usable: readonly FrozenTrial[]): ReplayedRun {
    const names = cmaNames(space);
    const dists = names.map((name) => space[name]!);
    const value = (t: FrozenTrial): number => t.value as number;
    const point = (t: FrozenTrial): number[] => names.map((name, j) => toUnit(dists[j]!, t.params[name] as ParamValue));
    const cellOf: CellOf | undefined = this.withMargin ? (j, u) => cellAt(dists[j]!, u) : undefined;
    const startup = usable.slice(0, this.startupTrials);
    const best = startup.reduce<FrozenTrial | undefined>((b, t) => (b === undefined || value(t) < value(b) ? t : b), undefined);
    const lambda0 = this.popsize ?? defaultPopulation(names.length);
    const start = best === undefined || this.initialMean === "centre" ? names.map(() => 0.5) : point(best);
    let state = new CmaState(start, this.sigma0, lambda0, cellOf);
    let restarts = 0;
    let next = startup.length;
    while (usable.length - next >= state.params.lambda) {
      const generation = usable.slice(next, next + state.params.lambda);
      next += generation.length;
      state.tell(generation.map(point), generation.map(value));
      if (this.restartStrategy === "ipop" && state.shouldStop()) {
        restarts++;
        const rng = createRng(this.seed, "cmaes", "restart", restarts);
        state = new CmaState(names.map(() => rng.next()), this.sigma0, lambda0 * 2 ** restarts, cellOf);
      }
    }
    return { state, restarts, pending: usable.length - next };
  }
}

/** `value` when `ok(value)`, else a RangeError in Optuna's style ("`name` must be …, but got name=…"). */
function validated<T extends number | string>(name: string, value: T, ok: (value: T) => boolean, what: string): T {
  if (ok(value)) return value;
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  throw new RangeError(`CmaEsSampler: \`${name}\` must be ${what}, but got ${name}=${shown}`);
}

/** The parameters CMA-ES searches: numeric ones with more than one value, in the space's order. */
export function cmaNames(space: SearchSpace): string[] {
  return Object.keys(space).filter((name) => {
    const dist = space[name]!;
    return (dist.kind === "float" || dist.kind === "int") && cardinality(dist) > 1;
  });
}

/**
 * The trials a replay reads, in number order: complete or pruned with a finite value, fitting
 * the space; values negated when the study maximises, so that smaller is better.
 */
export function usableTrials(context: SamplingContext): FrozenTrial[] {
  const sign = context.direction === "maximize" ? -1 : 1;
  return context.trials
    .filter((t) => t.number !== context.trialNumber && (t.state === "complete" || t.state === "pruned"))
    .filter((t) => t.value !== undefined && Number.isFinite(t.value) && fitsSpace(t, context.space))
    .sort((a, b) => a.number - b.number)
    .map((t) => ({ ...t, value: sign * (t.value as number) }));
}

/**
 * The unit-interval cell [lo, hi) of the value at `u` for a discrete distribution (found by
 * bisection on `fromUnit`, which also covers the log-width cells of log-scaled ints), or
 * undefined for a continuous one.
 */
export function cellAt(dist: Distribution, u: number): readonly [number, number] | undefined {
  if (cardinality(dist) === Infinity) return undefined;
  const value = fromUnit(dist, u);
  const edge = (inside: number, outside: number): number => {
    if (fromUnit(dist, outside) === value) return outside;
    for (let i = 0; i < 50; i++) {
      const mid = (inside + outside) / 2;
      if (fromUnit(dist, mid) === value) inside = mid;
      else outside = mid;
    }
    return (inside + outside) / 2;
  };
  return [edge(u, 0), edge(u, 1)];
}

/**
 * `--strategy auto` (the default): the strategy chosen from the space and the trial budget, with one
 * sentence saying why. The rule comes from `npm run bench:samplers` (seeds 0–9, medians; see
 * bench/README.md) and the GP's cost per suggestion:
 * - a finite space whose every point fits in the budget → grid: nothing is tried twice and nothing
 *   is missed;
 * - up to {@link GP_MAX_DIMENSIONS} numeric parameters → the GP (bayes): it had the lowest regret
 *   at 20 and 40 trials on branin, hartmann6, rosenbrock4 and ackley5 against our TPE, CMA-ES and
 *   random search and Optuna's TPE; it conditions on at most 300 trials (the best half and a
 *   spread of the rest: `GPSamplerOptions.maxModelTrials`, which bounds its time per suggestion,
 *   69 ms at 500 trials), so past {@link GP_MAX_TRIALS} trials the study hands over to TPE, which
 *   learns from every trial so far (the GP trials included); whether the GP would do better past
 *   200 trials has not been measured;
 * - a conditional space (`name: … if parent OP value`) follows the same rule: the GP imputes a
 *   parameter a trial does not hold at the centre of its range, so it models every parameter; on
 *   bench:samplers' conditional-layers space (100 trials, 10 seeds) it reached a median regret of
 *   4.3e-5 where our TPE (group decomposition) reached 0.019 (0.030 over seeds 0–49) and Optuna
 *   3.1's TPE 0.014 (0.025 over seeds 0–49; seed by seed our TPE is lower on 23 of those 50 and
 *   higher on 27, sign test p = 0.67: a tie);
 * - mostly categorical parameters (at least as many as numeric ones) → TPE: its Parzen estimators
 *   model choices natively, where the GP and CMA-ES relax or ignore them;
 * - more numeric parameters → CMA-ES when the budget allows ≥ {@link CMAES_TRIALS_PER_DIMENSION}
 *   trials a dimension (it tied Optuna's CMA-ES on hartmann6 at 100 trials), else TPE;
 * - with `--pruner hyperband`, BOHB: TPE fitted at the largest budget with enough observations,
 *   so the many trials Hyperband stops early still teach the sampler.
 */
import type { SearchSpace } from "../../engine/types";
import { finiteSpaceSize } from "../../engine/search-space";
import { hasConditions } from "../../engine/conditions";
import type { PrunerName, Strategy } from "./options";
import { counted } from "../../common/describe";

/** A strategy `auto` can choose. */
export type ConcreteStrategy = Exclude<Strategy, "auto">;

/** What `auto` chose, and why. */
export interface AutoChoice {
  readonly strategy: ConcreteStrategy;
  /** One sentence for the cell's output. */
  readonly reason: string;
  /** A later hand-over: from this trial number on, `strategy` gives way to `then`. */
  readonly switchTo?: { readonly strategy: ConcreteStrategy; readonly atTrial: number; readonly reason: string };
}

/** The GP is chosen up to this many numeric parameters. */
export const GP_MAX_DIMENSIONS = 10;
/** After this many trials the GP hands over to TPE. */
export const GP_MAX_TRIALS = 200;
/** CMA-ES needs about this many trials per numeric parameter to adapt its covariance. */
export const CMAES_TRIALS_PER_DIMENSION = 10;

/**
 * Chooses a strategy for `space` and a budget of `planned` trials.
 * @param planned the trials the search plans (`--trials`, or the default)
 * @param pruner the search's `--pruner`
 */
export function chooseStrategy(space: SearchSpace, planned: number, pruner: PrunerName = "none"): AutoChoice {
  const distributions = Object.values(space).filter((dist) => dist.kind !== "fixed");
  const categorical = distributions.filter((dist) => dist.kind === "categorical").length;
  const numeric = distributions.length - categorical;
  const size = finiteSpaceSize(space);
  if (size !== undefined && size <= planned) {
    return { strategy: "grid", reason: `the space has ${counted(size, "point")} and the budget of ${counted(planned, "trial")} covers them all` };
  }
  if (distributions.length === 0) return { strategy: "random", reason: "every parameter is fixed" };
  if (pruner === "hyperband") {
    return { strategy: "bohb", reason: "--pruner hyperband: BOHB's TPE learns from the trials Hyperband stops early, at the largest budget with enough of them" };
  }
  if (categorical >= numeric && categorical > 0) {
    return { strategy: "tpe", reason: `${categorical} of the ${counted(distributions.length, "parameter")} are choices, which TPE models natively` };
  }
  if (numeric <= GP_MAX_DIMENSIONS) {
    const conditional = Object.values(space).filter((dist) => dist.condition !== undefined).length;
    const imputed = conditional === 0 ? "" : ` (it imputes the ${conditional} conditional one${conditional === 1 ? "" : "s"} where absent)`;
    const reason = `${counted(numeric, "numeric parameter")}${categorical > 0 ? ` and ${counted(categorical, "choice")}` : ""} and ${counted(planned, "trial")}: the Gaussian process finds good values in the fewest trials${imputed}`;
    if (planned <= GP_MAX_TRIALS) return { strategy: "bayes", reason };
    return {
      strategy: "bayes",
      reason: `${reason}; from trial ${GP_MAX_TRIALS} on, TPE takes over`,
      switchTo: { strategy: "tpe", atTrial: GP_MAX_TRIALS, reason: `the GP models a subset of at most 300 trials; TPE learns from every trial so far` },
    };
  }
  if (planned >= CMAES_TRIALS_PER_DIMENSION * numeric) {
    return { strategy: "cmaes", reason: `${counted(numeric, "numeric parameter")} and ${counted(planned, "trial")} (≥ ${CMAES_TRIALS_PER_DIMENSION} a dimension): CMA-ES adapts to many dimensions` };
  }
  return { strategy: "tpe", reason: `${counted(numeric, "numeric parameter")} but only ${counted(planned, "trial")}: too few for the GP's or CMA-ES's models of so many dimensions` };
}

/** Fewer trials than this leave NSGA-II no room for generations: random search then. */
export const NSGA2_MIN_TRIALS = 12;

/**
 * NSGA-II's population for a budget of `planned` trials: about a fifth of it, so that at least
 * five generations breed (between 4 and Optuna's default of 50).
 */
export function nsga2PopulationSize(planned: number): number {
  return Math.min(50, Math.max(4, Math.round(planned / 5)));
}

/**
 * Chooses a strategy for a study of several objectives: grid when the budget covers a finite
 * space, random for a budget under {@link NSGA2_MIN_TRIALS}; the GP on ParEGO's random
 * scalarisations (bayes) for up to {@link GP_MAX_DIMENSIONS} numeric parameters (choices fewer
 * than them, no conditions) and up to {@link GP_MAX_TRIALS} trials; else NSGA-II (TPE and CMA-ES
 * optimise one objective).
 *
 * The GP's rule comes from `npm run bench:samplers -- --two-objective-only` (ZDT1-3, seeds 0-4,
 * median hypervolume, Optuna 3.1 measured in the same run, `--dimensions 10`): at 50 evaluations
 * ParEGO reached 120.1 / 120.1 / 115.6 against 98.3 / 78.6 / 101.4 for NSGA-II with auto's
 * population, 99.1 / 86.1 / 102.3 for Optuna's NSGA-II and 104.7 / 88.5 / 101.8 for its TPE; at
 * 100 evaluations 120.6 / 120.3 / 128.3 against 103.9 / 88.8 / 107.3, 99.2 / 86.1 / 103.5 and
 * 109.6 / 90.6 / 105.3 (a loaded machine). ParEGO costs a GP fit per trial (≈ 0.1–0.3 s at 100
 * trials, loaded), nothing beside a model's training. ZDT's fronts lie on the bounds of the box
 * (x₁… = 0), which favours a model-based search; not measured past 100 trials (hence the GP's
 * budget, {@link GP_MAX_TRIALS}, as for one objective).
 */
export function chooseStrategyForSeveral(space: SearchSpace, planned: number, objectives: number): AutoChoice {
  const size = finiteSpaceSize(space);
  const trials = `${planned} trial${planned === 1 ? "" : "s"}`;
  if (size !== undefined && size <= planned) {
    return { strategy: "grid", reason: `the space has ${size} point${size === 1 ? "" : "s"} and the budget of ${trials} covers them all` };
  }
  if (planned < NSGA2_MIN_TRIALS) {
    return { strategy: "random", reason: `${objectives} objectives but only ${trials}: too few for NSGA-II's generations (it needs ${NSGA2_MIN_TRIALS})` };
  }
  const distributions = Object.values(space).filter((dist) => dist.kind !== "fixed");
  const categorical = distributions.filter((dist) => dist.kind === "categorical").length;
  const numeric = distributions.length - categorical;
  if (!hasConditions(space) && numeric > 0 && categorical < numeric && numeric <= GP_MAX_DIMENSIONS && planned <= GP_MAX_TRIALS) {
    return {
      strategy: "bayes",
      reason: `${objectives} objectives, ${numeric} numeric parameter${numeric === 1 ? "" : "s"} and ${trials}: the Gaussian process on random weightings of the objectives (ParEGO) finds a better front than NSGA-II at such budgets`,
    };
  }
  const population = nsga2PopulationSize(planned);
  return {
    strategy: "nsga2",
    reason: `${objectives} objectives: NSGA-II evolves the Pareto front, in generations of ${population} over ${trials}`,
  };
}

/**
 * The (μ/μ_w, λ)-CMA-ES of Hansen's tutorial ("The CMA Evolution Strategy: A Tutorial", 2016),
 * with rank-one and rank-μ covariance updates, cumulative step-size adaptation, a margin for
 * discrete coordinates and the stopping tests that trigger IPOP restarts. Plain maths on the unit
 * cube [0, 1]ⁿ: the sampler (samplers/cmaes.ts) maps parameters in and out and replays trials.
 *
 * Notation (n coordinates, generation g):
 *   m ∈ ℝⁿ the mean, σ > 0 the step size, C = B·D²·Bᵀ the covariance (eigendecomposition by
 *   ml-matrix), p_σ and p_c the evolution paths, A = diag(a) ≥ 1 the margin scaling of the
 *   discrete coordinates. A candidate is x = m + σ·A·y with y = B·D·z, z ~ N(0, I).
 * Default parameters (tutorial, table 1 and eqs. 49–58: active CMA, as the `cmaes` library that
 * Optuna's CmaEsSampler uses), α_cov = 2:
 *   λ = 4 + ⌊3 ln n⌋, μ = ⌊λ/2⌋, w'_i = ln((λ+1)/2) − ln i (i = 1…λ), μ_eff = (Σ_{i≤μ} w'_i)²/Σ_{i≤μ} w'_i²,
 *   μ⁻_eff the same over i > μ; w_i = w'_i/Σ_{w'>0} w' for i ≤ μ (Σ = 1) and
 *   w_i = α_min·w'_i/Σ_{w'<0} |w'| for i > μ (negative, the worst are pushed out of C), with
 *   α_min = min(1 + c_1/c_μ, 1 + 2μ⁻_eff/(μ_eff + 2), (1 − c_1 − c_μ)/(n·c_μ));
 *   c_c = (4 + μ_eff/n)/(n + 4 + 2μ_eff/n), c_σ = (μ_eff + 2)/(n + μ_eff + 5),
 *   c_1 = α_cov/((n + 1.3)² + μ_eff), c_μ = min(1 − c_1, α_cov(μ_eff − 2 + 1/μ_eff)/((n + 2)² + α_cov·μ_eff/2)),
 *   d_σ = 1 + 2·max(0, √((μ_eff − 1)/(n + 1)) − 1) + c_σ, E‖N(0, I)‖ ≈ √n(1 − 1/(4n) + 1/(21n²)).
 * Update (ranked steps y_1…y_λ, best first): m += σ·A·Σ_{i≤μ} w_i·y_i;
 *   C ← (1 + c_1·δ(h_σ) − c_1 − c_μ·Σw)·C + c_1·p_c·p_cᵀ + c_μ·Σ_i w°_i·y_i·y_iᵀ, with w°_i = w_i
 *   for w_i ≥ 0 and w_i·n/‖C^{−1/2}·y_i‖² for w_i < 0 (so a negative update stays bounded).
 *   Measured with bench:tpe-cmaes' functions (seeds 0–19, 100 evaluations, from the centre with
 *   σ₀ = 0.1): positive weights only, median regret on hartmann6 0.344 and rosenbrock4 37.7;
 *   active, 0.266 and 28.1 (the "positive only" run sets the negative weights to 0).
 * Margin (after Hamano et al. 2022, "CMA-ES with Margin", in its simpler documented form): for a
 * discrete coordinate j whose mean lies in the cell [lo, hi), let d be the distance from m_j to
 * the nearest cell boundary inside (0, 1); a_j = max(1, d / (z_{1−α}·σ·√C_jj)) with
 * α = 1/(n·λ), so the marginal probability of leaving the mean's cell across that boundary is
 * at least α and an integer never freezes. A is recomputed from (m, σ, C) each generation, and
 * the update reads y = A⁻¹(x − m)/σ, the step in the space where N(0, C) lives.
 * Stopping (IPOP restarts are the caller's): σ·max_j √C_jj < 1e−6 (σ collapsed: a millionth of
 * a parameter's range is finer than any hyperparameter needs; Hansen's 1e−11·σ₀ is for
 * numerics), the best and worst values of the last 10 + ⌈30n/λ⌉ generations within 1e−12
 * (fitness range collapsed), cond(C) > 1e14, or a non-finite state.
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import type { Rng } from "../../common/random";
import { normalCdf } from "../gp/acquisition";

/** The unit-cube cell [lo, hi) of a discrete coordinate at `u`, or undefined for a continuous one. */
export type CellOf = (dimension: number, u: number) => readonly [number, number] | undefined;

/** The strategy parameters of one population size (see the module comment). */
export interface CmaParameters {
  readonly lambda: number;
  readonly mu: number;
  readonly weights: readonly number[];
  readonly muEff: number;
  readonly cc: number;
  readonly cs: number;
  readonly c1: number;
  readonly cmu: number;
  readonly ds: number;
  readonly chiN: number;
}

const TOL_X = 1e-6;
const TOL_FUN = 1e-12;
const MAX_CONDITION = 1e14;
const MIN_EIGENVALUE = 1e-30;
/** α_cov of the tutorial's learning rates c_1 and c_μ. */
const ALPHA_COV = 2;
/** Draws outside the unit cube are redrawn this many times, then clipped. */
const RESAMPLES = 10;

/** The default population size 4 + ⌊3 ln n⌋. */
export function defaultPopulation(n: number): number {
  return 4 + Math.floor(3 * Math.log(n));
}

/** Hansen's default strategy parameters for n coordinates and population λ, negative weights included. */
export function cmaParameters(n: number, lambda: number): CmaParameters {
  const mu = Math.floor(lambda / 2);
  const raw = Array.from({ length: lambda }, (_, i) => Math.log((lambda + 1) / 2) - Math.log(i + 1));
  const best = raw.slice(0, mu);
  const worst = raw.slice(mu);
  const effective = (w: readonly number[]): number => w.reduce((s, v) => s + v, 0) ** 2 / w.reduce((s, v) => s + v * v, 0);
  const muEff = effective(best);
  const muEffMinus = worst.length === 0 ? 0 : effective(worst);
  const c1 = ALPHA_COV / ((n + 1.3) ** 2 + muEff);
  const cmu = Math.min(1 - c1 - 1e-8, (ALPHA_COV * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + (ALPHA_COV * muEff) / 2));
  const cs = (muEff + 2) / (n + muEff + 5);
  const alphaMin = Math.min(1 + c1 / cmu, 1 + (2 * muEffMinus) / (muEff + 2), (1 - c1 - cmu) / (n * cmu));
  const positiveSum = raw.filter((w) => w > 0).reduce((s, w) => s + w, 0);
  const negativeSum = raw.filter((w) => w < 0).reduce((s, w) => s - w, 0);
  return {
    lambda,
    mu,
    weights: raw.map((w) => (w >= 0 ? w / positiveSum : (alphaMin * w) / negativeSum)),
    muEff,
    cc: (4 + muEff / n) / (n + 4 + (2 * muEff) / n),
    cs,
    c1,
    cmu,
    ds: 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cs,
    chiN: Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n)),
  };
}

/** z with Φ(z) = p, by bisection on Φ (p in (½, 1)). */
export function normalQuantile(p: number): number {
  let low = 0;
  let high = 40;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (normalCdf(mid) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** A standard normal draw (Box–Muller; 1 − next() keeps the logarithm's argument in (0, 1]). */
function standardNormal(rng: Rng): number {
  const radius = Math.sqrt(-2 * Math.log(1 - rng.next()));
  return radius * Math.cos(2 * Math.PI * rng.next());
}

/** The state of one CMA-ES run: built at (m₀, σ₀), advanced a generation at a time by {@link tell}. */
export class CmaState {
  readonly n: number;
  readonly params: CmaParameters;
  mean: number[];
  sigma: number;
  /** Generations told so far. */
  generation = 0;
  private cov: Matrix;
  private ps: number[];
  private pc: number[];
  private basis!: Matrix;
  private scales!: number[];
  private condition = 1;
  private margin: number[] = [];
  /** [best, worst] of each recent generation, for the fitness-range test. */
  private readonly history: [number, number][] = [];
  private readonly cellOf: CellOf | undefined;

  constructor(mean: readonly number[], sigma: number, lambda: number, cellOf?: CellOf) {
    this.n = mean.length;
    this.params = cmaParameters(this.n, lambda);
    this.mean = [...mean];
    this.sigma = sigma;
    this.cov = Matrix.eye(this.n);
    this.ps = new Array<number>(this.n).fill(0);
    this.pc = new Array<number>(this.n).fill(0);
    this.cellOf = cellOf;
    this.decompose();
  }

  /** The covariance C (a copy). */
  covariance(): number[][] {
    return this.cov.to2DArray();
  }

  /** The margin scaling a_j of each coordinate (1 for continuous ones). */
  margins(): readonly number[] {
    return this.margin;
  }

  /** A draw of m + σ·A·B·D·z inside the unit cube: redrawn up to {@link RESAMPLES} times, then clipped. */
  sample(rng: Rng): number[] {
    let x: number[] = this.mean;
    for (let attempt = 0; attempt < RESAMPLES; attempt++) {
      const dz = this.scales.map((d) => d * standardNormal(rng));
      const y = this.basis.mmul(Matrix.columnVector(dz)).getColumn(0);
      x = this.mean.map((m, j) => m + this.sigma * (this.margin[j] as number) * (y[j] as number));
      if (x.every((v) => v >= 0 && v <= 1)) return x;
    }
    return x.map((v) => Math.min(1, Math.max(0, v)));
  }

  /**
   * One generation's update from λ evaluated points (values to minimise; ties keep the given
   * order): the mean, both paths, C (rank-one and rank-μ) and σ, then A for the next generation.
   */
  tell(points: readonly (readonly number[])[], values: readonly number[]): void {
    const { n, params: p } = this;
    const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number) || a - b);
    // y_k = A⁻¹(x_k − m)/σ, ranked best first; the mean moves by the μ best.
    const steps = order.map((i) => (points[i] as readonly number[]).map((x, j) => (x - (this.mean[j] as number)) / (this.sigma * (this.margin[j] as number))));
    const yw = new Array<number>(n).fill(0);
    steps.slice(0, p.mu).forEach((y, k) => y.forEach((v, j) => (yw[j] = (yw[j] as number) + (p.weights[k] as number) * v)));
    this.mean = this.mean.map((m, j) => m + this.sigma * (this.margin[j] as number) * (yw[j] as number));

    const cs = Math.sqrt(p.cs * (2 - p.cs) * p.muEff);
    const whitened = this.whiten(yw);
    this.ps = this.ps.map((v, j) => (1 - p.cs) * v + cs * (whitened[j] as number));
    const psNorm = Math.hypot(...this.ps);
    const hs = psNorm / Math.sqrt(1 - (1 - p.cs) ** (2 * (this.generation + 1))) < (1.4 + 2 / (n + 1)) * p.chiN ? 1 : 0;
    const cc = Math.sqrt(p.cc * (2 - p.cc) * p.muEff);
    this.pc = this.pc.map((v, j) => (1 - p.cc) * v + hs * cc * (yw[j] as number));

    // Active update: w°_k = w_k, or w_k·n/‖C^{-1/2}·y_k‖² for the negative weights of the worst.
    const deltaH = (1 - hs) * p.cc * (2 - p.cc);
    const weightSum = p.weights.reduce((s, w) => s + w, 0);
    const next = this.cov.clone().mul(1 + p.c1 * deltaH - p.c1 - p.cmu * weightSum);
    const pcColumn = Matrix.columnVector(this.pc);
    next.add(pcColumn.mmul(pcColumn.transpose()).mul(p.c1));
    steps.forEach((y, k) => {
      const w = p.weights[k] as number;
      const scaled = w >= 0 ? w : (w * n) / (this.whiten(y).reduce((s, v) => s + v * v, 0) + 1e-8);
      const column = Matrix.columnVector(y);
      next.add(column.mmul(column.transpose()).mul(p.cmu * scaled));
    });
    this.cov = next.add(next.transpose()).mul(0.5);
    this.sigma *= Math.exp((p.cs / p.ds) * (psNorm / p.chiN - 1));
    this.generation++;
    this.history.push([Math.min(...values), Math.max(...values)]);
    if (this.history.length > this.historyLength()) this.history.shift();
    this.decompose();
  }

  /** Whether this run has converged or degenerated, so that IPOP should restart (module comment). */
  shouldStop(): boolean {
    const state = [...this.mean, this.sigma, ...this.scales];
    if (!state.every(Number.isFinite) || this.sigma <= 0) return true;
    const spread = Math.max(...this.cov.diag().map((c) => Math.sqrt(Math.max(c, 0))));
    if (this.sigma * spread < TOL_X) return true;
    if (this.condition > MAX_CONDITION) return true;
    if (this.history.length >= this.historyLength()) {
      const all = this.history.flat();
      if (Math.max(...all) - Math.min(...all) < TOL_FUN) return true;
    }
    return false;
  }

  /** C^{-1/2}·y = B·D⁻¹·Bᵀ·y. */
  private whiten(y: readonly number[]): number[] {
    const rotated = this.basis.transpose().mmul(Matrix.columnVector([...y])).getColumn(0).map((v, i) => v / (this.scales[i] as number));
    return this.basis.mmul(Matrix.columnVector(rotated)).getColumn(0);
  }

  private historyLength(): number {
    return 10 + Math.ceil((30 * this.n) / this.params.lambda);
  }

  /** B and D from C (eigenvalues floored at a tiny positive number), then the margin A. */
  private decompose(): void {
    const evd = new EigenvalueDecomposition(this.cov, { assumeSymmetric: true });
    const eigenvalues = evd.realEigenvalues.map((v) => Math.max(v, MIN_EIGENVALUE));
    this.basis = evd.eigenvectorMatrix;
    this.scales = eigenvalues.map(Math.sqrt);
    this.condition = Math.max(...eigenvalues) / Math.min(...eigenvalues);
    this.margin = this.computeMargin();
  }

  /** a_j = max(1, d_j / (z_{1−α}·σ·√C_jj)) for discrete coordinates (module comment). */
  private computeMargin(): number[] {
    const z = normalQuantile(1 - 1 / (this.n * this.params.lambda));
    const diagonal = this.cov.diag();
    return this.mean.map((m, j) => {
      const cell = this.cellOf?.(j, Math.min(1 - 1e-12, Math.max(0, m)));
      if (cell === undefined) return 1;
      const [lo, hi] = cell;
      const distances = [...(lo > 0 ? [m - lo] : []), ...(hi < 1 ? [hi - m] : [])].map((d) => Math.max(d, 0));
      if (distances.length === 0) return 1;
      const sd = this.sigma * Math.sqrt(Math.max(diagonal[j] as number, MIN_EIGENVALUE));
      const needed = Math.min(...distances) / (z * sd);
      return Number.isFinite(needed) ? Math.max(1, needed) : 1;
    });
  }
}

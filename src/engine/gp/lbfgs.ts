/**
 * A compact box-constrained L-BFGS minimiser (projected quasi-Newton steps with an active set and
 * a backtracking Armijo line search). Used to fit GP hyperparameters and to polish acquisition
 * maxima; it is small because both problems are small (at most a few dozen variables).
 *
 * Notation and shapes:
 *   N          the number of variables;  x, g, lower, upper  (N)
 *   s_k, y_k   (N) the last `memory` steps x_{k+1} − x_k and gradient changes g_{k+1} − g_k
 *   free set   the coordinates not held at a bound by a gradient pushing outwards
 *   direction  d = −H·g on the free set (two-loop recursion), 0 elsewhere; x(η) = clamp(x + η·d)
 */

/** f(x) and ∇f(x) (N); a non-finite value marks x as infeasible (the line search backs off). */
export type ObjectiveWithGradient = (x: Float64Array) => { value: number; gradient: Float64Array };

/** Options of {@link minimizeBounded}. */
export interface MinimizeOptions {
  /** Iteration limit (default 100). */
  readonly maxIterations?: number;
  /** Stop when the largest projected gradient entry is below this (default 1e-5). */
  readonly gradientTolerance?: number;
  /** Stop when an iteration improves f by less than this, relatively (default 1e-9). */
  readonly relativeTolerance?: number;
  /** Number of (s, y) pairs kept (default 6). */
  readonly memory?: number;
}

/** Where the minimiser stopped. */
export interface MinimizeResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  readonly evaluations: number;
}

/** Minimises `objective` over the box [lower, upper] from `start` (clamped into the box). */
export function minimizeBounded(
  objective: ObjectiveWithGradient,
  start: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
  options: MinimizeOptions = {},
): MinimizeResult {
  const N = start.length;
  if (lower.length !== N || upper.length !== N) {
    throw new RangeError(`minimizeBounded: start, lower and upper need equal lengths, but got ${N}, ${lower.length}, ${upper.length}`);
  }
  const maxIterations = options.maxIterations ?? 100;
  const gradientTolerance = options.gradientTolerance ?? 1e-5;
  const relativeTolerance = options.relativeTolerance ?? 1e-9;
  const memory = options.memory ?? 6;
  const clamp = (v: number, i: number): number => Math.min(upper[i] as number, Math.max(lower[i] as number, v));

  let x: Float64Array = Float64Array.from(start, clamp);
  const first = objective(x);
  let value = first.value;
  let gradient: Float64Array = first.gradient;
  let evaluations = 1;
  if (!Number.isFinite(value)) return { x, value, iterations: 0, evaluations };
  const steps: Float64Array[] = [];
  const changes: Float64Array[] = [];
  let iterations = 0;

  for (; iterations < maxIterations; iterations++) {
    // Free coordinates: not at a bound that the descent direction −g would cross.
    const free = new Uint8Array(N);
    let projectedNorm = 0;
    for (let i = 0; i < N; i++) {
      const gi = gradient[i] as number;
      const atLower = (x[i] as number) <= (lower[i] as number) && gi > 0;
      const atUpper = (x[i] as number) >= (upper[i] as number) && gi < 0;
      if (!atLower && !atUpper) {
        free[i] = 1;
        projectedNorm = Math.max(projectedNorm, Math.abs(gi));
      }
    }
    if (projectedNorm < gradientTolerance) break;

    let direction = twoLoopDirection(gradient, free, steps, changes);
    let slope = dot(direction, gradient);
    if (!(slope < 0)) {
      steps.length = 0;
      changes.length = 0;
      direction = twoLoopDirection(gradient, free, steps, changes);
      slope = dot(direction, gradient);
    }
    // First step without curvature information: move at most 1 unit along the largest coordinate.
    let eta = steps.length === 0 ? Math.min(1, 1 / projectedNorm) : 1;
    let accepted: { x: Float64Array; value: number; gradient: Float64Array } | undefined;
    for (let trial = 0; trial < 30; trial++, eta *= 0.5) {
      const candidate = Float64Array.from(x, (xi, i) => clamp(xi + eta * (direction[i] as number), i));
      let decrease = 0;
      for (let i = 0; i < N; i++) decrease += (gradient[i] as number) * ((candidate[i] as number) - (x[i] as number));
      if (decrease >= 0) continue;
      const result = objective(candidate);
      evaluations++;
      if (Number.isFinite(result.value) && result.value <= value + 1e-4 * decrease) {
        accepted = { x: candidate, value: result.value, gradient: result.gradient };
        break;
      }
    }
    if (accepted === undefined) {
      if (steps.length === 0) break;
      steps.length = 0;
      changes.length = 0;
      continue;
    }
    const s = Float64Array.from(accepted.x, (v, i) => v - (x[i] as number));
    const y = Float64Array.from(accepted.gradient, (v, i) => v - (gradient[i] as number));
    if (dot(s, y) > 1e-12) {
      steps.push(s);
      changes.push(y);
      if (steps.length > memory) {
        steps.shift();
        changes.shift();
      }
    }
    const improvement = value - accepted.value;
    x = accepted.x;
    value = accepted.value;
    gradient = accepted.gradient;
    if (improvement <= relativeTolerance * Math.max(1, Math.abs(value))) {
      iterations++;
      break;
    }
  }
  return { x, value, iterations, evaluations };
}

/** d = −H·g restricted to the free coordinates (two-loop recursion over the stored pairs). */
function twoLoopDirection(gradient: Float64Array, free: Uint8Array, steps: Float64Array[], changes: Float64Array[]): Float64Array {
  const q = Float64Array.from(gradient, (g, i) => (free[i] ? g : 0));
  const k = steps.length;
  const alphas = new Float64Array(k);
  const restrictedDot = (a: Float64Array, b: Float64Array): number => {
    let sum = 0;
    for (let i = 0; i < a.length; i++) if (free[i]) sum += (a[i] as number) * (b[i] as number);
    return sum;
  };
  const rhos = steps.map((s, j) => restrictedDot(s, changes[j] as Float64Array));
  for (let j = k - 1; j >= 0; j--) {
    const rho = rhos[j] as number;
    if (!(rho > 1e-12)) continue;
    const a = restrictedDot(steps[j] as Float64Array, q) / rho;
    alphas[j] = a;
    const y = changes[j] as Float64Array;
    for (let i = 0; i < q.length; i++) if (free[i]) q[i] = (q[i] as number) - a * (y[i] as number);
  }
  if (k > 0) {
    const s = steps[k - 1] as Float64Array;
    const y = changes[k - 1] as Float64Array;
    const yy = restrictedDot(y, y);
    const gamma = yy > 0 ? restrictedDot(s, y) / yy : 1;
    if (gamma > 0) for (let i = 0; i < q.length; i++) q[i] = (q[i] as number) * gamma;
  }
  for (let j = 0; j < k; j++) {
    const rho = rhos[j] as number;
    if (!(rho > 1e-12)) continue;
    const y = changes[j] as Float64Array;
    const b = restrictedDot(y, q) / rho;
    const s = steps[j] as Float64Array;
    for (let i = 0; i < q.length; i++) if (free[i]) q[i] = (q[i] as number) + ((alphas[j] as number) - b) * (s[i] as number);
  }
  return q.map((v, i) => (free[i] ? -v : 0));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/**
 * The standard test functions of the sampler benchmark, with the bounds and known minima of
 * ../shared/bench/peers.json.
 */
import type { SearchSpace } from "../src/engine/types";

/** A test function to minimise over a box. */
export interface TestFunction {
  /** The key used in peers.json. */
  readonly name: string;
  /** (dimensions) lower and upper bounds. */
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  /** The known global minimum f*. */
  readonly minimum: number;
  /**
   * The value f₂ of the best local minimum that is not global, when known: a run whose best value
   * is below f₂ has reached the global minimum's basin (bench:samplers' `--per-seed` table).
   */
  readonly secondMinimum?: number;
  /**
   * For a function that is a sum of wells (Hartmann-6): the 1-based index of the well that
   * dominates at x, and the wells holding the global and the second minimum.
   */
  readonly wells?: { readonly of: (x: readonly number[]) => number; readonly global: number; readonly second: number };
  readonly evaluate: (x: readonly number[]) => number;
}

/** Branin–Hoo on x1 ∈ [−5, 10], x2 ∈ [0, 15]; f* = 0.397887 (three global minima). */
export const branin: TestFunction = {
  name: "branin",
  lower: [-5, 0],
  upper: [10, 15],
  minimum: 0.397887,
  evaluate: ([x1, x2]) => {
    const a = 1;
    const b = 5.1 / (4 * Math.PI ** 2);
    const c = 5 / Math.PI;
    const r = 6;
    const s = 10;
    const t = 1 / (8 * Math.PI);
    const u = x1 as number;
    const v = x2 as number;
    return a * (v - b * u * u + c * u - r) ** 2 + s * (1 - t) * Math.cos(u) + s;
  },
};

const HARTMANN_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const HARTMANN_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));
const HARTMANN_ALPHA = [1, 1.2, 3, 3.2];

/** The terms w_i(x) = α_i·exp(−Σ_j A_ij (x_j − P_ij)²) of Hartmann-6, f = −Σ_i w_i (4). */
function hartmannWells(x: readonly number[]): number[] {
  return HARTMANN_ALPHA.map((alpha, i) => {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += (HARTMANN_A[i]?.[j] as number) * ((x[j] as number) - (HARTMANN_P[i]?.[j] as number)) ** 2;
    return alpha * Math.exp(-inner);
  });
}

/**
 * Hartmann-6 on [0, 1]^6; f* = −3.32237 at (0.2017, 0.1500, 0.4769, 0.2753, 0.3117, 0.6573).
 * Its second minimum, f₂ = −3.20316 at (0.4047, 0.8824, 0.8461, 0.5740, 0.1389, 0.0385), lies in the
 * well of the fourth term, which is wide along x3 and x5 (A = 0.05 and 0.1): a far larger basin
 * than the global one, in the third term's well.
 */
export const hartmann6: TestFunction = {
  name: "hartmann6",
  lower: Array(6).fill(0),
  upper: Array(6).fill(1),
  minimum: -3.32237,
  secondMinimum: -3.20316,
  // The global minimum lies where the third well dominates, the second minimum in the fourth's.
  wells: {
    of: (x) => {
      const w = hartmannWells(x);
      return w.indexOf(Math.max(...w)) + 1;
    },
    global: 3,
    second: 4,
  },
  evaluate: (x) => -hartmannWells(x).reduce((sum, w) => sum + w, 0),
};

/** Rosenbrock in 4 dimensions on [−5, 10]^4; f* = 0 at (1, 1, 1, 1). */
export const rosenbrock4: TestFunction = {
  name: "rosenbrock4",
  lower: Array(4).fill(-5),
  upper: Array(4).fill(10),
  minimum: 0,
  evaluate: (x) => {
    let total = 0;
    for (let i = 0; i < x.length - 1; i++) {
      const a = x[i] as number;
      const b = x[i + 1] as number;
      total += 100 * (b - a * a) ** 2 + (1 - a) ** 2;
    }
    return total;
  },
};

/** Ackley in 5 dimensions on [−32.768, 32.768]^5; f* = 0 at the centre. */
export const ackley5: TestFunction = {
  name: "ackley5",
  lower: Array(5).fill(-32.768),
  upper: Array(5).fill(32.768),
  minimum: 0,
  evaluate: (x) => {
    const d = x.length;
    let squares = 0;
    let cosines = 0;
    for (const v of x) {
      squares += v * v;
      cosines += Math.cos(2 * Math.PI * v);
    }
    return -20 * Math.exp(-0.2 * Math.sqrt(squares / d)) - Math.exp(cosines / d) + 20 + Math.E;
  },
};

/** The centres C (m, 4) of Shekel's wells, one row per well, and their widths β (m). */
const SHEKEL_CENTRES = [
  [4, 4, 4, 4],
  [1, 1, 1, 1],
  [8, 8, 8, 8],
  [6, 6, 6, 6],
  [3, 7, 3, 7],
  [2, 9, 2, 9],
  [5, 5, 3, 3],
  [8, 1, 8, 1],
  [6, 2, 6, 2],
  [7, 3.6, 7, 3.6],
];
const SHEKEL_WIDTHS = [0.1, 0.2, 0.2, 0.4, 0.4, 0.6, 0.3, 0.7, 0.5, 0.5];

/**
 * Shekel with m wells on [0, 10]^4: f(x) = −Σ_{i<m} 1 / (‖x − C_i‖² + β_i), flat between narrow
 * wells, the deepest at (4, 4, 4, 4); f* = −10.1532 (m = 5), −10.4029 (7), −10.5364 (10). A
 * stand-in for the held-out multimodal 4-d functions of issue 14 (not in peers.json).
 */
function shekel(m: 5 | 7 | 10, minimum: number): TestFunction {
  return {
    name: `shekel${m}`,
    lower: Array(4).fill(0),
    upper: Array(4).fill(10),
    minimum,
    evaluate: (x) => {
      let total = 0;
      for (let i = 0; i < m; i++) {
        const centre = SHEKEL_CENTRES[i] as number[];
        let squared = SHEKEL_WIDTHS[i] as number;
        for (let j = 0; j < 4; j++) squared += ((x[j] as number) - (centre[j] as number)) ** 2;
        total -= 1 / squared;
      }
      return total;
    },
  };
}

/** Shekel-5, -7 and -10 (see {@link shekel}). */
export const shekel5 = shekel(5, -10.1532);
export const shekel7 = shekel(7, -10.4029);
export const shekel10 = shekel(10, -10.5364);

/** Every benchmark function with peer figures in peers.json, in the order of the report. */
export const TEST_FUNCTIONS: readonly TestFunction[] = [branin, hartmann6, rosenbrock4, ackley5];

/** Functions run only when named (`--functions shekel5,…`): no peer figures, not in the default run. */
export const EXTRA_FUNCTIONS: readonly TestFunction[] = [shekel5, shekel7, shekel10];

/** The search space of a test function: one uniform float x0, x1, … per dimension. */
export function functionSpace(fn: TestFunction): SearchSpace {
  const space: Record<string, SearchSpace[string]> = {};
  fn.lower.forEach((low, i) => {
    space[`x${i}`] = { kind: "float", low, high: fn.upper[i] as number, log: false };
  });
  return space;
}

/** The point of a parameter set x0, x1, … of {@link functionSpace}. */
export function functionPoint(fn: TestFunction, params: Readonly<Record<string, unknown>>): number[] {
  return fn.lower.map((_, i) => params[`x${i}`] as number);
}

/**
 * A two-objective test problem to minimise over [0, 1]^n (both objectives), with the reference
 * point its hypervolume is measured against.
 */
export interface TwoObjectiveFunction {
  readonly name: string;
  /** n, the number of variables x0 … x(n−1). */
  readonly dimensions: number;
  /** r: worse than every point the search can reach on [0, 1]^n in both objectives. */
  readonly reference: readonly [number, number];
  readonly evaluate: (x: readonly number[]) => [number, number];
}

/**
 * The ZDT problems (Zitzler, Deb & Thiele 2000) on x ∈ [0, 1]^n:
 *   f₁ = x₀,  g = 1 + 9·Σ_{i≥1} x_i / (n − 1),  f₂ = g·h(f₁, g)
 * with h = 1 − √(f₁/g) (ZDT1, convex front), 1 − (f₁/g)² (ZDT2, concave) and
 * 1 − √(f₁/g) − (f₁/g)·sin(10π·f₁) (ZDT3, disconnected). The front is g = 1 (x₁… = 0).
 * Over the box g ≤ 10 and f₂ ≤ 10, so r = (11, 11) bounds every point, as in Optuna's and
 * pymoo's benchmarks of a search far from converged (a budget of a few hundred evaluations).
 */
function zdt(name: string, dimensions: number, h: (f1: number, g: number) => number): TwoObjectiveFunction {
  if (!Number.isInteger(dimensions) || dimensions < 2) throw new RangeError(`${name} needs at least 2 dimensions, but got ${dimensions}`);
  return {
    name,
    dimensions,
    reference: [11, 11],
    evaluate: (x) => {
      const f1 = x[0] as number;
      let sum = 0;
      for (let i = 1; i < dimensions; i++) sum += x[i] as number;
      const g = 1 + (9 * sum) / (dimensions - 1);
      return [f1, g * h(f1, g)];
    },
  };
}

/** ZDT1 in `dimensions` variables (the standard n = 30 by default). */
export function zdt1(dimensions = 30): TwoObjectiveFunction {
  return zdt("zdt1", dimensions, (f1, g) => 1 - Math.sqrt(f1 / g));
}

/** ZDT2 in `dimensions` variables (the standard n = 30 by default). */
export function zdt2(dimensions = 30): TwoObjectiveFunction {
  return zdt("zdt2", dimensions, (f1, g) => 1 - (f1 / g) ** 2);
}

/** ZDT3 in `dimensions` variables (the standard n = 30 by default). */
export function zdt3(dimensions = 30): TwoObjectiveFunction {
  return zdt("zdt3", dimensions, (f1, g) => 1 - Math.sqrt(f1 / g) - (f1 / g) * Math.sin(10 * Math.PI * f1));
}

/** The two-objective problems of the benchmark, by name, in `dimensions` variables. */
export function twoObjectiveFunctions(dimensions = 30): readonly TwoObjectiveFunction[] {
  return [zdt1(dimensions), zdt2(dimensions), zdt3(dimensions)];
}

/** The search space of a two-objective problem: floats x0 … x(n−1) in [0, 1]. */
export function twoObjectiveSpace(fn: TwoObjectiveFunction): SearchSpace {
  const space: Record<string, SearchSpace[string]> = {};
  for (let i = 0; i < fn.dimensions; i++) space[`x${i}`] = { kind: "float", low: 0, high: 1, log: false };
  return space;
}

// ---- mixed spaces -------------------------------------------------------------------------

/**
 * A test function over a mixed search space (integer, log-scaled, categorical and conditional
 * parameters): what `bench/samplers-mixed.ts` minimises, with the same definition in
 * `bench/optuna-mixed.py` for Optuna.
 */
export interface MixedFunction {
  readonly name: string;
  /** One line on what the space holds. */
  readonly description: string;
  readonly space: SearchSpace;
  /** The known global minimum f*. */
  readonly minimum: number;
  /** f of a trial's parameters (the active ones only, in a conditional space). */
  readonly evaluate: (params: Readonly<Record<string, unknown>>) => number;
}

const ACTIVATION_PENALTY: Readonly<Record<string, number>> = { relu: 0, elu: 0.15, tanh: 0.4, sigmoid: 1 };

/**
 * A stand-in for a training loss: lr log-uniform in [1e-5, 1] (best 10^−2.5), units a log-scaled
 * integer in [8, 1024] (best 128), batch an integer in [16, 256] with step 16 (best 64), and an
 * activation choice (relu best). f = (log10 lr + 2.5)² + (log2 units − 7)²/4 + ((batch − 64)/64)²
 * + penalty(activation) + 0.3·sin²(log2 units): bumpy along units, f* = 0.
 */
export const mixedTraining: MixedFunction = {
  name: "mixed-training",
  description: "lr log float, units log int, batch stepped int, activation choice of 4",
  space: {
    lr: { kind: "float", low: 1e-5, high: 1, log: true },
    units: { kind: "int", low: 8, high: 1024, log: true, step: 1 },
    batch: { kind: "int", low: 16, high: 256, log: false, step: 16 },
    activation: { kind: "categorical", choices: ["relu", "elu", "tanh", "sigmoid"] },
  },
  minimum: 0,
  evaluate: (p) => {
    const lr = Math.log10(p["lr"] as number) + 2.5;
    const units = Math.log2(p["units"] as number) - 7;
    const batch = ((p["batch"] as number) - 64) / 64;
    return lr ** 2 + units ** 2 / 4 + batch ** 2 + (ACTIVATION_PENALTY[p["activation"] as string] ?? 1) + 0.3 * Math.sin(Math.PI * units) ** 2;
  },
};

/** The optimum of each active x_i of {@link conditionalLayers}, and the floor each depth adds. */
const LAYER_TARGETS = [0.7, 0.25, 0.6] as const;
const DEPTH_FLOOR = [0.6, 0.25, 0] as const;

/**
 * A conditional space: `layers` ∈ {1, 2, 3} chooses how many of x1..x3 ∈ [0, 1] are active
 * (x2 if layers ≥ 2, x3 if layers ≥ 3), and a log-scaled lr ∈ [1e-4, 1e-1] is always there.
 * f = floor(layers) + Σ_{i ≤ layers} 4·(x_i − t_i)² + (log10 lr + 2)², with floors 0.6, 0.25, 0
 * and targets t = (0.7, 0.25, 0.6): the deepest model is best but has the most to tune; f* = 0.
 */
export const conditionalLayers: MixedFunction = {
  name: "conditional-layers",
  description: "layers int 1-3 choosing which of x1..x3 exist, lr log float",
  space: {
    layers: { kind: "int", low: 1, high: 3, log: false, step: 1 },
    x1: { kind: "float", low: 0, high: 1, log: false },
    x2: { kind: "float", low: 0, high: 1, log: false, condition: { parent: "layers", operator: ">=", value: 2 } },
    x3: { kind: "float", low: 0, high: 1, log: false, condition: { parent: "layers", operator: ">=", value: 3 } },
    lr: { kind: "float", low: 1e-4, high: 1e-1, log: true },
  },
  minimum: 0,
  evaluate: (p) => {
    const layers = p["layers"] as number;
    let total = DEPTH_FLOOR[layers - 1] as number;
    for (let i = 0; i < layers; i++) total += 4 * ((p[`x${i + 1}`] as number) - (LAYER_TARGETS[i] as number)) ** 2;
    return total + (Math.log10(p["lr"] as number) + 2) ** 2;
  },
};

/** The mixed spaces of the sampler benchmark. */
export const MIXED_FUNCTIONS: readonly MixedFunction[] = [mixedTraining, conditionalLayers];

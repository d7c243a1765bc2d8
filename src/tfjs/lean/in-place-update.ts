/**
 * The optimizer update of the lean step without kernels: tfjs's `applyGradients` of Adam, SGD,
 * momentum and RMSprop replayed by one JavaScript loop per variable over the buffers in the backend's memory
 * (`backend-memory.ts`: on wasm the optimizer's state in place and the weights into a new buffer
 * each, since its matrix products cache packed weights by tensor id; on cpu new buffers), writing
 * the model's weights and the optimizer's own state variables (Adam's moments and accumulated β
 * powers, momentum's accumulations, RMSprop's mean squares, moments and mean gradients) and counting the step with the optimizer's own
 * `incrementIterations()`. tfjs's Adam runs 14 kernels per variable (56 for two Dense layers, ~5
 * µs of engine overhead each on wasm, for ~10⁴ parameters): that was 60 % of the lean step's time.
 *
 * Bit for bit tfjs's update: each float32 operation of tfjs's `applyGradients`, in its order, as
 * one float64 operation rounded once to float32 (`fround`), which is the correctly rounded
 * float32 result for +, −, ×, ÷ and √ (float64 has more than 2·24 + 2 bits); the number
 * constants tfjs turns into float32 scalars (β₁, 1 − β₁, −η, ε, …) are rounded as it rounds them.
 * Notation: f = fround; per element of a variable θ with gradient g (tfjs's own code order):
 * - Adam (step t, â₁ = β₁ᵗ, â₂ = β₂ᵗ the accumulated powers it keeps):
 *   m ← f(f(m·f(β₁)) + f(g·f(1 − β₁)));  v ← f(f(v·f(β₂)) + f(f(g·g)·f(1 − β₂)));
 *   m̂ = f(m / f(1 − â₁));  v̂ = f(v / f(1 − â₂));
 *   θ ← f(f(f(m̂ / f(f(√v̂) + f(ε))) · f(−η)) + θ);  then â₁ ← f(â₁·f(β₁)), â₂ ← f(â₂·f(β₂)).
 * - SGD (c = its scalar −η):  θ ← f(f(c·g) + θ).
 * - momentum (μ its scalar): a ← f(f(μ·a) + g); θ ← f(f(c·a) + θ), Nesterov: θ ← f(f(c·f(g + f(a·μ))) + θ).
 * - RMSprop (decay ρ, momentum μ, rate η; mean square s, moment p, centered: mean gradient q):
 *   s ← f(f(s·f(ρ)) + f(f(g·g)·f(1 − ρ)));  plain: p ← f(f(p·f(μ)) + f(f(g·f(η)) / f(√f(s + f(ε)))));
 *   centered: q ← f(f(q·f(ρ)) + f(g·f(1 − ρ))), p ← f(f(p·f(μ)) + f(f(g·f(η)) / f(√f(s − f(f(q·q) + f(ε))))));
 *   θ ← f(θ − p).
 * Other optimizers (Adagrad, Adadelta, Adamax, …), a subclass that overrides `applyGradients`, a first
 * step (tfjs makes the state variables lazily) and other backends go through `applyGradients`.
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "../backend";
import { backendMemoryOf, type Rewrite } from "./backend-memory";

/** A variable and its gradient, in the order `minimize` gives the optimizer (its slots are by position). */
export type VariableGradient = readonly [tfjs.Variable, tfjs.Tensor];

/** The optimizer's update of one step: in place when it can, else `applyGradients`. */
export type OptimizerUpdate = (gradients: readonly VariableGradient[]) => void;

/** An optimizer's state slot as tfjs keeps it. */
interface Slot {
  readonly variable: tfjs.Variable;
}

/** The fields of tfjs's `AdamOptimizer` read and written here. */
interface AdamFields {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly accBeta1: tfjs.Variable;
  readonly accBeta2: tfjs.Variable;
  readonly accumulatedFirstMoment: readonly (Slot | undefined)[];
  readonly accumulatedSecondMoment: readonly (Slot | undefined)[];
}

/** The fields of tfjs's `SGDOptimizer` (and `MomentumOptimizer`) read here. */
interface SgdFields {
  /** The scalar −η. */
  readonly c: tfjs.Scalar;
}

/** The fields of tfjs's `MomentumOptimizer` read and written here. */
interface MomentumFields extends SgdFields {
  /** The scalar μ. */
  readonly m: tfjs.Scalar;
  readonly useNesterov: boolean;
  readonly accumulations: readonly (Slot | undefined)[];
}

/** The fields of tfjs's `RMSPropOptimizer` read and written here. */
interface RmsPropFields {
  readonly learningRate: number;
  readonly decay: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  readonly accumulatedMeanSquares: readonly (Slot | undefined)[];
  readonly accumulatedMoments: readonly (Slot | undefined)[];
  readonly accumulatedMeanGrads: readonly (Slot | undefined)[];
}

/** One optimizer's in-place update. */
interface InPlaceRule {
  /**
   * The state variables the update rewrites besides the weights, or undefined when tfjs has not
   * made them yet (the first step) or they do not fit the variables.
   */
  state(gradients: readonly VariableGradient[]): tfjs.Variable[] | undefined;
  /** Writes the new weights and state into `rewrite`'s targets. */
  apply(rewrite: Rewrite, gradients: readonly VariableGradient[]): void;
}

const f = Math.fround;

/** The variables of `slots` for `gradients` (position i ↔ gradient i), if all exist and fit. */
function slotVariables(slots: readonly (Slot | undefined)[], gradients: readonly VariableGradient[]): tfjs.Variable[] | undefined {
  if (slots.length < gradients.length) return undefined;
  const variables: tfjs.Variable[] = [];
  for (let i = 0; i < gradients.length; i++) {
    const slot = slots[i];
    if (slot === undefined || slot === null || slot.variable.size !== gradients[i]![0].size || slot.variable.dtype !== "float32") return undefined;
    variables.push(slot.variable);
  }
  return variables;
}

/** tfjs's `AdamOptimizer.applyGradients` (see the module comment). */
function adamRule(optimizer: tfjs.Optimizer): InPlaceRule {
  const adam = optimizer as unknown as AdamFields;
  const first = (gradients: readonly VariableGradient[]): tfjs.Variable[] | undefined => slotVariables(adam.accumulatedFirstMoment, gradients);
  const second = (gradients: readonly VariableGradient[]): tfjs.Variable[] | undefined => slotVariables(adam.accumulatedSecondMoment, gradients);
  return {
    state(gradients) {
      const m = first(gradients);
      const v = second(gradients);
      return m === undefined || v === undefined ? undefined : [...m, ...v, adam.accBeta1, adam.accBeta2];
    },
    apply(rewrite, gradients) {
      const moments = first(gradients)!;
      const squares = second(gradients)!;
      const beta1 = f(adam.beta1);
      const beta2 = f(adam.beta2);
      const oneMinusBeta1 = f(1 - adam.beta1);
      const oneMinusBeta2 = f(1 - adam.beta2);
      const epsilon = f(adam.epsilon);
      const minusLearningRate = f(-adam.learningRate);
      const accBeta1 = rewrite.read(adam.accBeta1)[0]!;
      const accBeta2 = rewrite.read(adam.accBeta2)[0]!;
      const oneMinusAccBeta1 = f(1 - accBeta1);
      const oneMinusAccBeta2 = f(1 - accBeta2);
      gradients.forEach(([variable, gradient], i) => {
        const g = rewrite.read(gradient);
        const [theta, thetaNext] = [rewrite.read(variable), rewrite.target(variable)];
        const [m, mNext] = [rewrite.read(moments[i]!), rewrite.target(moments[i]!)];
        const [v, vNext] = [rewrite.read(squares[i]!), rewrite.target(squares[i]!)];
        for (let j = 0; j < g.length; j++) {
          const gj = g[j]!;
          const mj = f(f(m[j]! * beta1) + f(gj * oneMinusBeta1));
          const vj = f(f(v[j]! * beta2) + f(f(gj * gj) * oneMinusBeta2));
          const mHat = f(mj / oneMinusAccBeta1);
          const vHat = f(vj / oneMinusAccBeta2);
          mNext[j] = mj;
          vNext[j] = vj;
          thetaNext[j] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + epsilon)) * minusLearningRate) + theta[j]!);
        }
      });
      rewrite.target(adam.accBeta1)[0] = f(accBeta1 * beta1);
      rewrite.target(adam.accBeta2)[0] = f(accBeta2 * beta2);
    },
  };
}

/** tfjs's `SGDOptimizer.applyGradients` (see the module comment). */
function sgdRule(optimizer: tfjs.Optimizer): InPlaceRule {
  const sgd = optimizer as unknown as SgdFields;
  return {
    state: () => [],
    apply(rewrite, gradients) {
      const c = rewrite.read(sgd.c)[0]!;
      for (const [variable, gradient] of gradients) {
        const g = rewrite.read(gradient);
        const [theta, thetaNext] = [rewrite.read(variable), rewrite.target(variable)];
        for (let j = 0; j < g.length; j++) thetaNext[j] = f(f(c * g[j]!) + theta[j]!);
      }
    },
  };
}

/** tfjs's `MomentumOptimizer.applyGradients` (see the module comment). */
function momentumRule(optimizer: tfjs.Optimizer): InPlaceRule {
  const momentum = optimizer as unknown as MomentumFields;
  return {
    state: (gradients) => slotVariables(momentum.accumulations, gradients),
    apply(rewrite, gradients) {
      const accumulations = slotVariables(momentum.accumulations, gradients)!;
      const c = rewrite.read(momentum.c)[0]!;
      const mu = rewrite.read(momentum.m)[0]!;
      const nesterov = momentum.useNesterov;
      gradients.forEach(([variable, gradient], i) => {
        const g = rewrite.read(gradient);
        const [theta, thetaNext] = [rewrite.read(variable), rewrite.target(variable)];
        const [a, aNext] = [rewrite.read(accumulations[i]!), rewrite.target(accumulations[i]!)];
        for (let j = 0; j < g.length; j++) {
          const gj = g[j]!;
          const aj = f(f(mu * a[j]!) + gj);
          aNext[j] = aj;
          thetaNext[j] = f(f(c * (nesterov ? f(gj + f(aj * mu)) : aj)) + theta[j]!);
        }
      });
    },
  };
}

/** tfjs's `RMSPropOptimizer.applyGradients` (see the module comment). */
function rmsPropRule(optimizer: tfjs.Optimizer): InPlaceRule {
  const rms = optimizer as unknown as RmsPropFields;
  const slots = (gradients: readonly VariableGradient[]): [tfjs.Variable[], tfjs.Variable[], tfjs.Variable[]] | undefined => {
    const squares = slotVariables(rms.accumulatedMeanSquares, gradients);
    const moments = slotVariables(rms.accumulatedMoments, gradients);
    const means = rms.centered ? slotVariables(rms.accumulatedMeanGrads, gradients) : [];
    return squares === undefined || moments === undefined || means === undefined ? undefined : [squares, moments, means];
  };
  return {
    state: (gradients) => slots(gradients)?.flat(),
    apply(rewrite, gradients) {
      const [squares, moments, means] = slots(gradients)!;
      const decay = f(rms.decay);
      const oneMinusDecay = f(1 - rms.decay);
      const momentum = f(rms.momentum);
      const learningRate = f(rms.learningRate);
      const epsilon = f(rms.epsilon);
      gradients.forEach(([variable, gradient], i) => {
        const g = rewrite.read(gradient);
        const [theta, thetaNext] = [rewrite.read(variable), rewrite.target(variable)];
        const [s, sNext] = [rewrite.read(squares[i]!), rewrite.target(squares[i]!)];
        const [p, pNext] = [rewrite.read(moments[i]!), rewrite.target(moments[i]!)];
        if (rms.centered) {
          const [q, qNext] = [rewrite.read(means[i]!), rewrite.target(means[i]!)];
          for (let j = 0; j < g.length; j++) {
            const gj = g[j]!;
            const sj = f(f(s[j]! * decay) + f(f(gj * gj) * oneMinusDecay));
            const qj = f(f(q[j]! * decay) + f(gj * oneMinusDecay));
            const contribution = f(f(gj * learningRate) / f(Math.sqrt(f(sj - f(f(qj * qj) + epsilon)))));
            const pj = f(f(p[j]! * momentum) + contribution);
            sNext[j] = sj;
            qNext[j] = qj;
            pNext[j] = pj;
            thetaNext[j] = f(theta[j]! - pj);
          }
        } else {
          for (let j = 0; j < g.length; j++) {
            const gj = g[j]!;
            const sj = f(f(s[j]! * decay) + f(f(gj * gj) * oneMinusDecay));
            const pj = f(f(p[j]! * momentum) + f(f(gj * learningRate) / f(Math.sqrt(f(sj + epsilon)))));
            sNext[j] = sj;
            pNext[j] = pj;
            thetaNext[j] = f(theta[j]! - pj);
          }
        }
      });
    },
  };
}

/** The in-place rule of an optimizer whose `applyGradients` is tfjs's own Adam, SGD, momentum or RMSprop one. */
function inPlaceRuleOf(tf: TensorFlow, optimizer: tfjs.Optimizer): InPlaceRule | undefined {
  const own = (optimizer as unknown as { applyGradients: unknown }).applyGradients;
  if (own === tf.AdamOptimizer.prototype.applyGradients) return adamRule(optimizer);
  if (own === tf.MomentumOptimizer.prototype.applyGradients) return momentumRule(optimizer);
  if (own === tf.SGDOptimizer.prototype.applyGradients) return sgdRule(optimizer);
  if (own === tf.RMSPropOptimizer.prototype.applyGradients) return rmsPropRule(optimizer);
  return undefined;
}

/** Whether an optimizer's update of the lean step runs in place on the active backend (else `applyGradients`). */
export function updatesInPlace(tf: TensorFlow, optimizer: tfjs.Optimizer): boolean {
  return inPlaceRuleOf(tf, optimizer) !== undefined && backendMemoryOf(tf) !== undefined;
}

/**
 * The update of one lean step for `optimizer`: in place (see the module comment) when the
 * optimizer is tfjs's Adam, SGD, momentum or RMSprop, the backend wasm or cpu and the optimizer's state
 * exists, else its `applyGradients`. Either way the gradients are left to the caller.
 * @param inPlace false: always `applyGradients` (benchmarks, equivalence tests)
 */
export function optimizerUpdate(tf: TensorFlow, optimizer: tfjs.Optimizer, inPlace = true): OptimizerUpdate {
  const applyGradients: OptimizerUpdate = (gradients) => optimizer.applyGradients(Object.fromEntries(gradients.map(([variable, gradient]) => [variable.name, gradient])));
  const rule = inPlace ? inPlaceRuleOf(tf, optimizer) : undefined;
  if (rule === undefined) return applyGradients;
  return (gradients) => {
    const memory = backendMemoryOf(tf);
    const state = rule.state(gradients);
    const weights = gradients.map(([variable]) => variable);
    if (memory === undefined || state === undefined || [...weights, ...state].some((variable) => variable.dtype !== "float32") || gradients.some(([variable, g]) => g.dtype !== "float32" || g.size !== variable.size)) {
      applyGradients(gradients);
      return;
    }
    const rewrite = memory.begin(weights, state);
    rule.apply(rewrite, gradients);
    rewrite.commit();
    (optimizer as unknown as { incrementIterations(): void }).incrementIterations();
  };
}

/**
 * Hypergradient descent (Baydin et al., "Online Learning Rate Adaptation with Hypergradient
 * Descent", ICLR 2018): the learning rate α is itself updated every step, by the derivative of the
 * loss with respect to α.
 *
 * Notation (step t = 1, 2, …; θ the weights, f the loss of a batch):
 *   g_t = ∇f(θ_{t−1})                  the gradient at step t
 *   d_t                                 the step's direction: θ_t = θ_{t−1} − α_t · d_t
 *                                       (SGD: d_t = g_t; Adam: d_t = m̂_t / (√v̂_t + ε))
 *   h_t = ∂f(θ_{t−1}) / ∂α_{t−1} = −g_t · d_{t−1}
 *                                       since θ_{t−1} = θ_{t−2} − α_{t−1} d_{t−1}
 *   additive rule:        α_t = α_{t−1} − β · h_t
 *   multiplicative rule:  α_t = α_{t−1} · (1 − β · h_t / (‖g_t‖ · ‖d_{t−1}‖))
 *                              = α_{t−1} · (1 + β · cos(g_t, d_{t−1}))
 * The additive rule is the paper's (its β depends on the scale of the gradients: 1e-3 for SGD and
 * 1e-7 for Adam there); the multiplicative rule, from the same paper's discussion, is scale-free,
 * keeps α positive for β < 1, and is the default here. At t = 1 there is no d_0, so α_1 = α_0.
 *
 * The optimizers are TensorFlow.js optimizers (`tf.Optimizer`): pass one to `model.compile`. α and
 * d_{t−1} live in tensors, so a step never waits for the backend; {@link HypergradientOptimizer.currentLearningRate}
 * reads α when asked (the trainer records it once per epoch).
 */
import type * as tfjs from "@tensorflow/tfjs";
import type { TensorFlow } from "./backend";

/** How α adapts. */
export type HypergradientRule = "multiplicative" | "additive";

/** Options of {@link sgdHD} and {@link adamHD}. */
export interface HypergradientOptions {
  /** β, the hypergradient step (default 0.02 multiplicative; additive: 1e-3 for SGD, 1e-7 for Adam). */
  readonly hyperLearningRate?: number;
  /** Default "multiplicative" (see the module comment). */
  readonly rule?: HypergradientRule;
}

/** Adam's own options. */
export interface AdamHDOptions extends HypergradientOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
}

/** What a hypergradient optimizer adds to `tf.Optimizer`. */
export interface HypergradientOptimizer extends tfjs.Optimizer {
  /** Marks the optimizer for the trainer and the model transfer. */
  readonly hypergradient: true;
  /** α_0, the learning rate it started with. */
  readonly initialLearningRate: number;
  readonly rule: HypergradientRule;
  /** β. */
  readonly hyperLearningRate: number;
  /** α now (reads one number from the backend). */
  currentLearningRate(): number;
  /** h_t of the last step (0 before the second step); for tests and diagnostics. */
  lastHypergradient(): number;
}

/** Default β per rule and base optimizer. */
const DEFAULT_BETA = { multiplicative: { sgd: 0.02, adam: 0.02 }, additive: { sgd: 1e-3, adam: 1e-7 } } as const;

/** Whether an optimizer adapts its learning rate by hypergradient descent. */
export function isHypergradientOptimizer(optimizer: unknown): optimizer is HypergradientOptimizer {
  return typeof optimizer === "object" && optimizer !== null && (optimizer as { hypergradient?: unknown }).hypergradient === true;
}

/**
 * SGD with hypergradient descent on its learning rate (SGD-HD).
 * @throws RangeError for a learning rate or β that is not positive and finite, or β ≥ 1 (multiplicative)
 */
export function sgdHD(tf: TensorFlow, learningRate: number, options: HypergradientOptions = {}): HypergradientOptimizer {
  const classes = hypergradientClasses(tf);
  return new classes.SGD(learningRate, checkedRule(options.rule), beta(options, "sgd"));
}

/**
 * Adam with hypergradient descent on its learning rate (Adam-HD).
 * @throws RangeError as {@link sgdHD}
 */
export function adamHD(tf: TensorFlow, learningRate: number, options: AdamHDOptions = {}): HypergradientOptimizer {
  const classes = hypergradientClasses(tf);
  return new classes.Adam(
    learningRate,
    checkedRule(options.rule),
    beta(options, "adam"),
    options.beta1 ?? 0.9,
    options.beta2 ?? 0.999,
    options.epsilon ?? tf.backend().epsilon(),
  );
}

/**
 * The hypergradient version of a compiled model's optimizer, with the same settings and α_0 = its
 * learning rate: SGD → SGD-HD, Adam → Adam-HD; `undefined` for any other optimizer.
 */
export function hypergradientVersionOf(tf: TensorFlow, optimizer: tfjs.Optimizer, options: HypergradientOptions = {}): HypergradientOptimizer | undefined {
  if (isHypergradientOptimizer(optimizer)) return optimizer;
  const config = optimizer.getConfig() as Record<string, unknown>;
  const rate = config["learningRate"];
  if (typeof rate !== "number") return undefined;
  const className = (optimizer.constructor as { className?: string }).className;
  if (className === "SGD") return sgdHD(tf, rate, options);
  if (className === "Adam") {
    const number = (key: string): number | undefined => (typeof config[key] === "number" ? (config[key] as number) : undefined);
    const adamOptions: { -readonly [K in keyof AdamHDOptions]: AdamHDOptions[K] } = { ...options };
    const [beta1, beta2, epsilon] = [number("beta1"), number("beta2"), number("epsilon")];
    if (beta1 !== undefined) adamOptions.beta1 = beta1;
    if (beta2 !== undefined) adamOptions.beta2 = beta2;
    if (epsilon !== undefined) adamOptions.epsilon = epsilon;
    return adamHD(tf, rate, adamOptions);
  }
  return undefined;
}

function checkedRule(rule: HypergradientRule | undefined): HypergradientRule {
  const checked = rule ?? "multiplicative";
  if (checked !== "multiplicative" && checked !== "additive") {
    throw new RangeError(`hypergradient rule must be "multiplicative" or "additive", but got ${JSON.stringify(rule)}`);
  }
  return checked;
}

function beta(options: HypergradientOptions, base: "sgd" | "adam"): number {
  const rule = checkedRule(options.rule);
  const value = options.hyperLearningRate ?? DEFAULT_BETA[rule][base];
  if (!(value > 0) || !Number.isFinite(value) || (rule === "multiplicative" && value >= 1)) {
    throw new RangeError(`hypergradient β must be positive and finite${rule === "multiplicative" ? " and below 1" : ""}, but got ${value}`);
  }
  return value;
}

function checkedLearningRate(learningRate: number): number {
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new RangeError(`the initial learning rate must be positive and finite, but got ${learningRate}`);
  }
  return learningRate;
}

/** One optimizer state variable per model variable, named for `getWeights`. */
interface SlotVariable {
  readonly originalName: string;
  readonly variable: tfjs.Variable;
}

/** A tensor with a name, as `tf.Optimizer.getWeights` returns them. */
type NamedTensor = { name: string; tensor: tfjs.Tensor };

type GradientsArgument = tfjs.NamedTensorMap | NamedTensor[];

/** The classes built on one TensorFlow.js namespace (the optimizers must extend its `Optimizer`). */
interface HypergradientClasses {
  readonly SGD: new (learningRate: number, rule: HypergradientRule, beta: number) => HypergradientOptimizer;
  readonly Adam: new (learningRate: number, rule: HypergradientRule, beta: number, beta1: number, beta2: number, epsilon: number) => HypergradientOptimizer;
}

const CLASSES_KEY = Symbol.for("tunelab.tfjs.hypergradientClasses");

/** The classes for `tf`, defined and registered for serialisation once per process. */
function hypergradientClasses(tf: TensorFlow): HypergradientClasses {
  const holder = tf as unknown as Record<symbol, HypergradientClasses | undefined>;
  const existing = holder[CLASSES_KEY];
  if (existing !== undefined) return existing;
  const classes = defineClasses(tf);
  Object.defineProperty(tf, CLASSES_KEY, { value: classes });
  return classes;
}

function defineClasses(tf: TensorFlow): HypergradientClasses {
  /** The variables and their gradients of one `applyGradients` call, in order. */
  const gradientsOf = (gradients: GradientsArgument): { name: string; gradient: tfjs.Tensor | null }[] =>
    Array.isArray(gradients)
      ? gradients.map((named) => ({ name: named.name, gradient: named.tensor }))
      : Object.keys(gradients).map((name) => ({ name, gradient: gradients[name] ?? null }));

  const registered = (name: string): tfjs.Variable => {
    const variable = tf.engine().registeredVariables[name];
    if (variable === undefined) throw new Error(`hypergradient optimizer: no variable named ${name}`);
    return variable;
  };

  /**
   * cos(g, d) = g·d / (‖g‖ ‖d‖), clipped to [−1, 1] against rounding, and 0 when either is 0 (the
   * norms are multiplied after their square roots, so tiny gradients do not underflow to 0/0).
   */
  const cosine = (dot: tfjs.Tensor, gradientNorm2: tfjs.Tensor, previousNorm2: tfjs.Tensor): tfjs.Tensor => {
    const norms = tf.mul(tf.sqrt(gradientNorm2), tf.sqrt(previousNorm2));
    const positive = tf.greater(norms, 0);
    return tf.where(positive, tf.clipByValue(tf.div(dot, tf.where(positive, norms, tf.onesLike(norms))), -1, 1), tf.zerosLike(norms));
  };

  /** What SGD-HD and Adam-HD share: α, d_{t−1}, the hypergradient update. */
  abstract class HypergradientBase extends tf.Optimizer implements HypergradientOptimizer {
    readonly hypergradient = true as const;
    readonly initialLearningRate: number;
    /** α. */
    protected alpha: tfjs.Variable;
    /** h of the last step. */
    protected hypergradientValue: tfjs.Variable;
    /** d_{t−1} per model variable (absent before the first step). */
    protected previousDirections: SlotVariable[] = [];

    constructor(learningRate: number, readonly rule: HypergradientRule, readonly hyperLearningRate: number) {
      super();
      this.initialLearningRate = checkedLearningRate(learningRate);
      this.alpha = tf.tidy(() => tf.variable(tf.scalar(learningRate), false));
      this.hypergradientValue = tf.tidy(() => tf.variable(tf.scalar(0), false));
    }

    currentLearningRate(): number {
      return this.alpha.dataSync()[0]!;
    }

    lastHypergradient(): number {
      return this.hypergradientValue.dataSync()[0]!;
    }

    /**
     * α_t from g_t and d_{t−1} (inside a tidy): returns α_t as a scalar tensor and stores h_t.
     * Before the first step (no d_0) α stays.
     */
    protected adaptLearningRate(pairs: readonly { gradient: tfjs.Tensor; previous: tfjs.Tensor | undefined }[]): tfjs.Scalar {
      const present = pairs.filter((pair): pair is { gradient: tfjs.Tensor; previous: tfjs.Tensor } => pair.previous !== undefined);
      if (present.length === 0) return this.alpha.clone() as tfjs.Scalar;
      // g · d_{t−1}, ‖g‖², ‖d_{t−1}‖² summed over every variable
      let dot: tfjs.Tensor = tf.scalar(0);
      let gradientNorm2: tfjs.Tensor = tf.scalar(0);
      let previousNorm2: tfjs.Tensor = tf.scalar(0);
      for (const { gradient, previous } of present) {
        dot = tf.add(dot, tf.sum(tf.mul(gradient, previous)));
        gradientNorm2 = tf.add(gradientNorm2, tf.sum(tf.square(gradient)));
        previousNorm2 = tf.add(previousNorm2, tf.sum(tf.square(previous)));
      }
      const h = tf.neg(dot); // h_t = −g_t · d_{t−1}
      this.hypergradientValue.assign(h as tfjs.Scalar);
      const next =
        this.rule === "additive"
          ? tf.sub(this.alpha, tf.mul(this.hyperLearningRate, h))
          : tf.mul(this.alpha, tf.add(1, tf.mul(this.hyperLearningRate, cosine(dot, gradientNorm2, previousNorm2))));
      this.alpha.assign(next as tfjs.Scalar);
      return this.alpha.clone() as tfjs.Scalar;
    }

    /** Stores d_t of variable `i` as the next step's d_{t−1}. */
    protected keepDirection(i: number, name: string, direction: tfjs.Tensor): void {
      const slot = this.previousDirections[i];
      if (slot === undefined) {
        this.previousDirections[i] = { originalName: `${name}/hypergradient_direction`, variable: tf.keep(tf.variable(direction, false)) };
      } else {
        slot.variable.assign(direction);
      }
    }

    override dispose(): void {
      tf.dispose([this.alpha, this.hypergradientValue, ...this.previousDirections.map((slot) => slot.variable)]);
    }

    /** Appended to the base optimizer's weights: α, then d_{t−1} per variable. */
    protected hypergradientWeights(): NamedTensor[] {
      return [{ name: "hypergradient/learning_rate", tensor: this.alpha }, ...this.previousDirections.map((slot) => ({ name: slot.originalName, tensor: slot.variable }))];
    }

    /** Restores what {@link hypergradientWeights} saved; returns the weights before them. */
    protected restoreHypergradientWeights(weights: NamedTensor[], directionCount: number): NamedTensor[] {
      const start = weights.findIndex((weight) => weight.name === "hypergradient/learning_rate");
      if (start < 0) return weights;
      this.alpha.assign(weights[start]!.tensor as tfjs.Scalar);
      tf.dispose(this.previousDirections.map((slot) => slot.variable));
      this.previousDirections = weights.slice(start + 1, start + 1 + directionCount).map((weight) => ({ originalName: weight.name, variable: tf.variable(weight.tensor, false) }));
      return weights.slice(0, start);
    }

    override getConfig(): tfjs.serialization.ConfigDict {
      return { learningRate: this.initialLearningRate, rule: this.rule, hyperLearningRate: this.hyperLearningRate };
    }
  }

  class SGDHD extends HypergradientBase {
    static get className(): string {
      return "SGDHD";
    }

    override applyGradients(variableGradients: GradientsArgument): void {
      const entries = gradientsOf(variableGradients);
      tf.tidy(() => {
        const pairs = entries.flatMap(({ gradient }, i) => (gradient === null ? [] : [{ gradient, previous: this.previousDirections[i]?.variable }]));
        const alpha = this.adaptLearningRate(pairs); // α_t
        entries.forEach(({ name, gradient }, i) => {
          if (gradient === null) return;
          const value = registered(name);
          value.assign(tf.sub(value, tf.mul(alpha, gradient))); // θ_t = θ_{t−1} − α_t g_t
          this.keepDirection(i, name, gradient); // d_t = g_t
        });
      });
      this.incrementIterations();
    }

    override async getWeights(): Promise<NamedTensor[]> {
      return [await this.saveIterations(), ...this.hypergradientWeights()];
    }

    override async setWeights(weights: NamedTensor[]): Promise<void> {
      const rest = await this.extractIterations(weights);
      this.restoreHypergradientWeights(rest, rest.length - 1);
    }

    static override fromConfig<T extends tfjs.serialization.Serializable>(
      cls: tfjs.serialization.SerializableConstructor<T>,
      config: tfjs.serialization.ConfigDict,
    ): T {
      return new (cls as unknown as new (...args: unknown[]) => T)(config["learningRate"], config["rule"], config["hyperLearningRate"]);
    }
  }

  class AdamHD extends HypergradientBase {
    static get className(): string {
      return "AdamHD";
    }

    private firstMoments: SlotVariable[] = [];
    private secondMoments: SlotVariable[] = [];

    constructor(learningRate: number, rule: HypergradientRule, beta: number, readonly beta1: number, readonly beta2: number, readonly epsilon: number) {
      super(learningRate, rule, beta);
    }

    override applyGradients(variableGradients: GradientsArgument): void {
      const entries = gradientsOf(variableGradients);
      const t = this.iterations + 1;
      tf.tidy(() => {
        const pairs = entries.flatMap(({ gradient }, i) => (gradient === null ? [] : [{ gradient, previous: this.previousDirections[i]?.variable }]));
        const alpha = this.adaptLearningRate(pairs); // α_t
        const firstCorrection = 1 - this.beta1 ** t; // 1 − β₁ᵗ
        const secondCorrection = 1 - this.beta2 ** t; // 1 − β₂ᵗ
        entries.forEach(({ name, gradient }, i) => {
          if (gradient === null) return;
          const value = registered(name);
          const m = (this.firstMoments[i] ??= { originalName: `${name}/m`, variable: tf.keep(tf.variable(tf.zerosLike(value), false)) }).variable;
          const v = (this.secondMoments[i] ??= { originalName: `${name}/v`, variable: tf.keep(tf.variable(tf.zerosLike(value), false)) }).variable;
          m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(gradient, 1 - this.beta1))); // m_t = β₁ m_{t−1} + (1 − β₁) g_t
          v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2))); // v_t = β₂ v_{t−1} + (1 − β₂) g_t²
          // d_t = m̂_t / (√v̂_t + ε)
          const direction = tf.div(tf.div(m, firstCorrection), tf.add(tf.sqrt(tf.div(v, secondCorrection)), this.epsilon));
          value.assign(tf.sub(value, tf.mul(alpha, direction))); // θ_t = θ_{t−1} − α_t d_t
          this.keepDirection(i, name, direction);
        });
      });
      this.incrementIterations();
    }

    override dispose(): void {
      super.dispose();
      tf.dispose([...this.firstMoments, ...this.secondMoments].map((slot) => slot.variable));
    }

    /** Iterations, m per variable, v per variable, α, d_{t−1} per variable. */
    override async getWeights(): Promise<NamedTensor[]> {
      const slots = [...this.firstMoments, ...this.secondMoments];
      return [await this.saveIterations(), ...slots.map((slot) => ({ name: slot.originalName, tensor: slot.variable })), ...this.hypergradientWeights()];
    }

    override async setWeights(weights: NamedTensor[]): Promise<void> {
      const rest = await this.extractIterations(weights);
      const start = rest.findIndex((weight) => weight.name === "hypergradient/learning_rate");
      const count = (start < 0 ? rest.length : start) / 2;
      const moments = this.restoreHypergradientWeights(rest, count);
      tf.dispose([...this.firstMoments, ...this.secondMoments].map((slot) => slot.variable));
      const slot = (weight: NamedTensor): SlotVariable => ({ originalName: weight.name, variable: tf.variable(weight.tensor, false) });
      this.firstMoments = moments.slice(0, count).map(slot);
      this.secondMoments = moments.slice(count, 2 * count).map(slot);
    }

    override getConfig(): tfjs.serialization.ConfigDict {
      return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
    }

    static override fromConfig<T extends tfjs.serialization.Serializable>(
      cls: tfjs.serialization.SerializableConstructor<T>,
      config: tfjs.serialization.ConfigDict,
    ): T {
      return new (cls as unknown as new (...args: unknown[]) => T)(
        config["learningRate"],
        config["rule"],
        config["hyperLearningRate"],
        config["beta1"],
        config["beta2"],
        config["epsilon"],
      );
    }
  }

  tf.serialization.registerClass(SGDHD);
  tf.serialization.registerClass(AdamHD);
  return { SGD: SGDHD, Adam: AdamHD };
}

/**
 * The search-space grammar of a `%%tune` cell body: one parameter a line.
 *
 * ```
 * units:      int(16, 256, log)          # integer, log scale
 * layers:     int(1, 4)                   # integer, linear
 * dropout:    uniform(0.0, 0.6)           # float; also float(0, 0.6, step=0.1)
 * lr:         loguniform(1e-4, 1e-1)      # float on a log scale; also float(1e-4, 0.1, log)
 * activation: choice("relu", "tanh")      # unordered choice of JSON values
 * batchSize:  [16, 32, 64]                # a plain list: a grid axis / categorical
 * epochs:     20                          # a fixed value
 * lr:         hypergradient(1e-3)         # --model: the optimizer's rate adapts while training
 * units2:     int(16, 256, log) if layers >= 2   # conditional: only when the test holds
 * ```
 *
 * A condition tests one parameter declared above with ==, !=, <, <=, >, >= or `in [v1, v2]`; the
 * parameter is absent from a trial when the test fails or its parent is itself absent
 * (engine/conditions.ts holds the rules).
 *
 * Blank lines and comments (`#` or `//` to the end of the line) are ignored. Every error names
 * the cell line and what was expected.
 */
import { MagicError } from "../types";
import type { Distribution, SearchSpace } from "../../engine/types";
import { validateDistribution } from "../../engine/distributions";
import { messageOf } from "../../common/errors";
import { parameterNameProblem } from "./names";
import { splitCondition, splitTopLevel, stripComment, tokenize, TokenReader, type Argument, type Token } from "./grammar-tokens";
import { conditionProblem } from "../../engine/conditions";
import type { ComparisonOperator, ParameterCondition } from "../../engine/types";

/** A parsed search space and, for each parameter, the cell line that declared it. */
export interface ParsedSpace {
  readonly space: SearchSpace;
  readonly lineOf: Readonly<Record<string, number>>;
  /** The learning-rate parameter written as `hypergradient(...)`, if any (at most one). */
  readonly hypergradient?: HypergradientParameter;
  /** Parameters marked `mutable` (changeable during training by --strategy pbt), in order. */
  readonly mutable?: readonly string[];
}

/**
 * `name: hypergradient(initial[, rule=multiplicative|additive][, beta=β])`: the parameter is the
 * initial learning rate (a value or a distribution), and the model's SGD or Adam optimizer adapts
 * it every step by hypergradient descent (see `src/tfjs/hypergradient.ts`).
 */
export interface HypergradientParameter {
  readonly name: string;
  readonly rule?: "multiplicative" | "additive";
  /** β. */
  readonly hyperLearningRate?: number;
}

/** The grammar, for `--help` and error messages. */
export const SPACE_GRAMMAR = `Search space: one parameter a line, "name: distribution".
  int(low, high[, log][, step=N])     integer in [low, high]
  float(low, high[, log][, step=S])   real number in [low, high]
  uniform(low, high)                  same as float(low, high)
  loguniform(low, high)               same as float(low, high, log)
  choice(v1, v2, ...)                 one of the values (numbers, "strings", true, false, null)
  [v1, v2, ...]                       a grid axis: one of the listed values
  value                               a fixed value (number, "string", true, false, null)
  hypergradient(initial[, rule=multiplicative|additive][, beta=B])
                                      --model: the learning rate the builder passes to SGD or
                                      Adam starts at initial (a value or any form above) and
                                      adapts every step by hypergradient descent; its trajectory
                                      is recorded per trial (history "lr")
  name: <any form above> if p OP v    conditional: the parameter exists only when the test on
                                      p, a parameter declared above, holds (OP: ==, !=, <, <=,
                                      >, >=; or "p in [v1, v2]"); absent from params otherwise,
                                      and absent when p itself is absent
  <any form above> mutable            --strategy pbt may change it while a member trains
Comments start with # or //.`;


/** The distribution calls of the grammar and how each is written. */
export const CALL_SIGNATURES: Readonly<Record<string, string>> = {
  int: "int(low, high[, log][, step=N])",
  float: "float(low, high[, log][, step=S])",
  uniform: "uniform(low, high)",
  loguniform: "loguniform(low, high)",
  choice: "choice(v1, v2, ...)",
  fixed: "fixed(value)",
};

/** Builds the distribution that a call such as `int(16, 256, log)` denotes. */
function callToDistribution(fn: string, args: readonly Argument[], line: number): Distribution {
  const signature = CALL_SIGNATURES[fn];
  if (signature === undefined) {
    throw new MagicError(
      `unknown distribution "${fn}": expected one of ${Object.keys(CALL_SIGNATURES).join(", ")}, a [list] or a value`,
      line,
    );
  }
  const fail = (problem: string): never => {
    throw new MagicError(`${problem}; expected ${signature}`, line);
  };
  const bare = args.find((a) => a.flag === true && !(a.text === "log" && (fn === "int" || fn === "float")));
  if (bare) {
    fail(`unexpected word "${bare.text}" (write strings in quotes: "${bare.text}")`);
  }
  if (fn === "choice") {
    if (args.length === 0) fail("choice() needs at least one value");
    const named = args.find((a) => a.name !== undefined);
    if (named) fail(`choice() takes no named argument "${named.name}"`);
    return { kind: "categorical", choices: args.map((a) => a.value) };
  }
  if (fn === "fixed") {
    if (args.length !== 1 || args[0]!.name !== undefined) fail(`fixed() takes exactly one value, got ${args.length}`);
    return { kind: "fixed", value: args[0]!.value };
  }
  const positional = args.filter((a) => a.name === undefined);
  const named = args.filter((a) => a.name !== undefined);
  const [lowArg, highArg, ...flags] = positional;
  if (lowArg === undefined || highArg === undefined) fail(`${fn}() needs low and high, got ${positional.length} value(s)`);
  const low = lowArg!.value;
  const high = highArg!.value;
  if (typeof low !== "number") fail(`low must be a number, got ${lowArg!.text}`);
  if (typeof high !== "number") fail(`high must be a number, got ${highArg!.text}`);
  let log = fn === "loguniform";
  let step: number | undefined;
  for (const flag of flags) {
    if (flag.flag === true) log = true;
    else fail(`unexpected argument "${flag.text}"`);
  }
  for (const arg of named) {
    if (arg.name === "step" && (fn === "int" || fn === "float")) {
      if (typeof arg.value !== "number") fail(`step must be a number, got ${arg.text}`);
      step = arg.value as number;
    } else if (arg.name === "log" && (fn === "int" || fn === "float") && typeof arg.value === "boolean") {
      log = arg.value;
    } else fail(`unexpected argument "${arg.text}"`);
  }
  if (fn === "int") return { kind: "int", low: low as number, high: high as number, log, step: step ?? 1 };
  return step === undefined
    ? { kind: "float", low: low as number, high: high as number, log }
    : { kind: "float", low: low as number, high: high as number, log, step };
}

/** Parses one distribution expression (the text after `name:`). */
export function parseDistribution(text: string, line: number): Distribution {
  const tokens = tokenize(text, line);
  if (tokens.length === 0) throw new MagicError(`expected a distribution after ":" (${CALL_SIGNATURES.int}, [a, b], ...)`, line);
  const reader = new TokenReader(tokens, line);
  const first = reader.peek()!;
  let distribution: Distribution;
  if (first.text === "[") {
    reader.next("[");
    const items = reader.list("]");
    if (items.length === 0) throw new MagicError("a [list] needs at least one value", line);
    const odd = items.find((a) => a.name !== undefined || a.flag === true);
    if (odd) throw new MagicError(`a [list] holds values (numbers, "strings", true, false, null), not ${odd.text}`, line);
    distribution = { kind: "categorical", choices: items.map((a) => a.value) };
  } else if (first.kind === "word" && tokens[1]?.text === "(") {
    reader.next("a distribution");
    reader.expect("(", '"("');
    distribution = callToDistribution(first.value, reader.list(")"), line);
  } else if (first.kind === "word" && !["true", "false", "null"].includes(first.value)) {
    throw new MagicError(
      `"${first.value}" is not a distribution: expected ${Object.values(CALL_SIGNATURES).join(", ")}, a [list] or a value`,
      line,
    );
  } else {
    distribution = { kind: "fixed", value: reader.scalar() };
  }
  if (!reader.atEnd()) {
    throw new MagicError(`unexpected "${reader.peek()!.text}" after the distribution`, line);
  }
  try {
    validateDistribution(distribution);
    return distribution;
  } catch (error) {
    throw new MagicError(messageOf(error), line);
  }
}

/** A parameter's name: a JavaScript identifier (`größe`, `学习率` too), so `params.name` reads it. */
const NAME = String.raw`[\p{ID_Start}_$][\p{ID_Continue}$\u200C\u200D]*`;
const PARAMETER_LINE = new RegExp(String.raw`^\s*(${NAME})\s*:(.*)$`, "u");
const CONDITION = new RegExp(String.raw`^\s*(${NAME})\s*(==|!=|<=|>=|<|>|in(?![\p{ID_Continue}$]))\s*(.*?)\s*$`, "su");
const CONDITION_FORM = `"p OP value" with OP one of ==, !=, <, <=, >, >= (for example "layers >= 2"), or "p in [v1, v2]"`;

/** Parses the text after `if`: `parent OP value` or `parent in [v1, v2]`. */
function parseCondition(text: string, line: number): ParameterCondition {
  const match = CONDITION.exec(text);
  if (match === null) throw new MagicError(`expected a condition after "if": ${CONDITION_FORM}, got "${text.trim()}"`, line);
  const parent = match[1]!;
  const operator = match[2]!;
  let tokens: Token[];
  try {
    tokens = tokenize(match[3]!, line);
  } catch (error) {
    throw new MagicError(`${messageOf(error).replace(/^line \d+: /, "")}; expected ${CONDITION_FORM} (one test per parameter)`, line);
  }
  const reader = new TokenReader(tokens, line);
  if (operator === "in") {
    reader.expect("[", `"[" after "in" (${CONDITION_FORM})`);
    const items = reader.list("]");
    const odd = items.find((a) => a.name !== undefined || a.flag === true);
    if (odd) throw new MagicError(`the list after "in" holds values (numbers, "strings", true, false, null), not ${odd.text}`, line);
    if (!reader.atEnd()) throw new MagicError(`unexpected "${reader.peek()!.text}" after the condition`, line);
    return { parent, operator: "in", values: items.map((a) => a.value) };
  }
  if (tokens.length === 0) throw new MagicError(`expected a value after "${parent} ${operator}" (a number, a "string", true, false or null)`, line);
  const value = reader.scalar();
  if (!reader.atEnd()) throw new MagicError(`unexpected "${reader.peek()!.text}" after the condition; expected ${CONDITION_FORM} (one test per parameter)`, line);
  return { parent, operator: operator as ComparisonOperator, value };
}

const HYPERGRADIENT_CALL = /^\s*hypergradient\s*\((.*)\)\s*$/s;

/** Parses the arguments of `hypergradient(...)`: the initial rate's distribution and the options. */
function parseHypergradient(name: string, inner: string, line: number): { distribution: Distribution; parameter: HypergradientParameter } {
  const signature = "hypergradient(initial[, rule=multiplicative|additive][, beta=B])";
  const [initial, ...rest] = splitTopLevel(inner);
  if (initial === undefined || initial.trim() === "") throw new MagicError(`hypergradient() needs the initial learning rate; expected ${signature}`, line);
  const distribution = parseDistribution(initial, line);
  const parameter: { name: string; rule?: "multiplicative" | "additive"; hyperLearningRate?: number } = { name };
  for (const option of rest) {
    const match = /^\s*(rule|beta)\s*=\s*(.*?)\s*$/.exec(option);
    if (match === null) throw new MagicError(`unexpected argument "${option.trim()}"; expected ${signature}`, line);
    if (match[1] === "rule") {
      const rule = match[2]!.replace(/^["']|["']$/g, "");
      if (rule !== "multiplicative" && rule !== "additive") throw new MagicError(`rule must be multiplicative or additive, got "${match[2]}"`, line);
      parameter.rule = rule;
    } else {
      const beta = Number(match[2]);
      if (match[2] === "" || !(beta > 0) || !Number.isFinite(beta)) throw new MagicError(`beta must be a positive number, got "${match[2]}"`, line);
      parameter.hyperLearningRate = beta;
    }
  }
  const numeric = distribution.kind === "fixed" ? typeof distribution.value === "number" && distribution.value > 0 : distribution.kind === "float" && distribution.low > 0;
  if (!numeric) throw new MagicError(`hypergradient()'s initial learning rate must be a positive number or a float range above 0, got "${initial.trim()}"`, line);
  return { distribution, parameter };
}

/**
 * Parses a `%%tune` body into a search space.
 * @param body the cell after the magic's line(s)
 * @param firstLine the 1-based cell line on which `body` starts
 * @throws MagicError naming the line and what was expected
 */
export function parseSearchSpace(body: string, firstLine: number): ParsedSpace {
  const space: Record<string, Distribution> = {};
  const lineOf: Record<string, number> = {};
  let hypergradient: HypergradientParameter | undefined;
  const mutable: string[] = [];
  body.split(/\r?\n/).forEach((raw, index) => {
    const line = firstLine + index;
    const text = stripComment(raw);
    if (text.trim() === "") return;
    const match = PARAMETER_LINE.exec(text);
    if (!match) {
      throw new MagicError(`expected "name: distribution" (for example "lr: loguniform(1e-4, 1e-1)"), got "${text.trim()}"`, line);
    }
    const name = match[1]!;
    const problem = parameterNameProblem(name);
    if (problem !== undefined) throw new MagicError(problem, line);
    if (Object.hasOwn(space, name)) {
      throw new MagicError(`parameter "${name}" is declared twice (first on line ${lineOf[name]})`, line);
    }
    const { distribution: expression, condition } = splitCondition(match[2]!);
    const marked = MUTABLE_MARKER.exec(expression);
    if (marked !== null) mutable.push(name);
    const form = marked === null ? expression : marked[1]!;
    const call = HYPERGRADIENT_CALL.exec(form);
    if (call !== null && condition !== undefined) {
      throw new MagicError(`a hypergradient(...) learning rate cannot be conditional: remove "if${condition}"`, line);
    }
    if (call !== null) {
      if (hypergradient !== undefined) {
        throw new MagicError(`only one parameter can be hypergradient(...): "${hypergradient.name}" already is (line ${lineOf[hypergradient.name]})`, line);
      }
      const parsed = parseHypergradient(name, call[1]!, line);
      space[name] = parsed.distribution;
      hypergradient = parsed.parameter;
    } else {
      const distribution = parseDistribution(form, line);
      space[name] = condition === undefined ? distribution : { ...distribution, condition: parseCondition(condition, line) };
    }
    lineOf[name] = line;
  });
  for (const name of Object.keys(space)) {
    const problem = conditionProblem(space, name);
    if (problem !== undefined) throw new MagicError(problem, lineOf[name]);
  }
  if (Object.keys(space).length === 0) {
    throw new MagicError(`the search space is empty: add lines such as "lr: loguniform(1e-4, 1e-1)" below the %%tune line`, firstLine);
  }
  return { space, lineOf, ...(hypergradient === undefined ? {} : { hypergradient }), ...(mutable.length === 0 ? {} : { mutable }) };
}

/** `<distribution> mutable`: the marker of a parameter that --strategy pbt may change during training. */
const MUTABLE_MARKER = /^(.*\S)\s+mutable\s*$/s;

/** The notebook variables a `%%tune` cell names (`--model`, `--objective`, `--data`, …). */
import { MagicError, type MagicContext } from "../types";
import { describeKind } from "../../common/describe";
import { isObjectProperty, quotedName, variableNameProblem } from "./names";

/**
 * A notebook variable, or a property path from one (`split.xTrain`, for the data options), or a
 * MagicError naming it and what was expected.
 */
export function lookupVariable(context: MagicContext, name: string, expected: string): unknown {
  const [head, ...path] = name.split(".");
  if (path.length === 0) return lookupName(context, name, expected);
  let value = lookupName(context, head!, expected);
  let reached = head!;
  for (const key of path) {
    const holder = value as Record<string, unknown> | null | undefined;
    if (holder === null || (typeof holder !== "object" && typeof holder !== "function") || isObjectProperty(key) || !(key in holder)) {
      throw new MagicError(`${quotedName(name)}: ${reached} is ${describeKind(value)} without a property "${key}"`, 1);
    }
    value = holder[key];
    reached = `${reached}.${key}`;
  }
  return value;
}

/** The notebook variable `name` itself. */
function lookupName(context: MagicContext, name: string, expected: string): unknown {
  const problem = variableNameProblem(name);
  if (problem !== undefined) throw new MagicError(`the ${expected}: ${problem}`, 1);
  if (isObjectProperty(name)) {
    // A scope lookup of `constructor` or `__proto__` finds the global object's, not a notebook variable.
    throw new MagicError(`"${name}" cannot name the ${expected}: every JavaScript object has a property of that name; use a variable of another name`, 1);
  }
  if (!context.has(name)) {
    throw new MagicError(`unknown ${expected} ${quotedName(name)}: define it in an earlier cell (and run that cell)`, 1);
  }
  return context.lookup(name);
}

/** A notebook function named by `--<option> name`, or a MagicError saying what `name` is instead. */
export function lookupFunction(context: MagicContext, name: string, option: string): (...args: never[]) => unknown {
  const value = lookupVariable(context, name, "function");
  if (typeof value !== "function") {
    throw new MagicError(`--${option} ${name}: expected a function, but ${name} is ${describeKind(value)}`, 1);
  }
  return value as (...args: never[]) => unknown;
}

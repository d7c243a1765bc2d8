/** The notebook variables a `%%tune` cell names (`--model`, `--objective`, `--data`, …). */
import { MagicError, type MagicContext } from "../types";
import { describeKind } from "../../common/describe";
import { isObjectProperty, quotedName, variableNameProblem } from "./names";

/** A notebook variable, or a MagicError naming it and what was expected. */
export function lookupVariable(context: MagicContext, name: string, expected: string): unknown {
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

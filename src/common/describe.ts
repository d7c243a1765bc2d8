/** Short descriptions of values for error messages ("expected a function, but lr is number 0.1"). */

/**
 * What kind of value `value` is: "a function", "an array of 3", "a Tensor" (class instances by
 * their class), "an object", "null", "undefined", and primitives with their value ("number 3",
 * `string "relu"`), so that a message says both what was expected and what came.
 */
export function describeKind(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "object") {
    const array = isArray(value);
    if (array === undefined) return "a revoked Proxy";
    if (array) return `an array of ${(value as unknown[]).length}`;
    const name = constructorName(value as object);
    return name !== undefined && name !== "Object" ? `a ${name}` : "an object";
  }
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return `a symbol (${String(value.description)})`;
  if (typeof value === "bigint") return `bigint ${value}n`;
  if (typeof value === "string" && value.length > LONGEST_SHOWN_STRING) {
    return `string ${JSON.stringify(value.slice(0, LONGEST_SHOWN_STRING))}… (${value.length} characters)`;
  }
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * A value an objective or a report gave, for messages: a number as itself (`NaN`, `Infinity`,
 * `0.5`), anything else by {@link describeKind} (`string "0.5"`, `an object`). Never throws, whatever
 * the value (a user's code may return a Proxy or an object whose `toString` throws).
 */
export function describeValue(value: unknown): string {
  return typeof value === "number" ? String(value) : describeKind(value);
}

/** Whether `value` is an array; `undefined` for a revoked Proxy (`Array.isArray` throws for one). */
function isArray(value: object): boolean | undefined {
  try {
    return Array.isArray(value);
  } catch {
    return undefined;
  }
}

/** The name of `value`'s constructor, or `undefined` (none, or reading it throws: a hostile Proxy). */
function constructorName(value: object): string | undefined {
  try {
    const name: unknown = value.constructor?.name;
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined;
  }
}

/** Longest string {@link describeKind} shows whole; longer ones are cut (messages stay readable). */
const LONGEST_SHOWN_STRING = 60;

/**
 * A value as it would be written in source: strings quoted, numbers, booleans and null as
 * themselves, other values as JSON where they have a JSON form, else their type.
 */
export function describeLiteral(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/** `n` with its noun, singular for one: "1 trial", "4 trials" (nouns that take an "s"). */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

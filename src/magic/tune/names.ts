/**
 * Which names a `%%tune` cell may bind: parameter names become keys of the `params` record the
 * model builder or objective reads, and `--out` becomes a notebook variable.
 */

/**
 * Properties every JavaScript object inherits (`constructor`, `toString`, `__proto__`, …): as a
 * parameter name, `params.toString` would be ambiguous and `__proto__` would not be a key at all.
 */
const OBJECT_PROPERTIES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Words that cannot name a variable (JavaScript's reserved words, strict mode's, and TypeScript's own). */
const RESERVED_WORDS: ReadonlySet<string> = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for function " +
    "if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "implements interface let package private protected public static yield await arguments eval " +
    "undefined NaN Infinity globalThis"
  ).split(" "),
);

/** A JavaScript identifier (what can name a notebook variable, reserved words aside). */
const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u;

/** Longest name a message shows whole. */
const LONGEST_SHOWN_NAME = 60;

/** `name` quoted for a message, cut after {@link LONGEST_SHOWN_NAME} characters (a message stays readable). */
export function quotedName(name: string): string {
  return name.length > LONGEST_SHOWN_NAME ? `${JSON.stringify(name.slice(0, LONGEST_SHOWN_NAME))}… (${name.length} characters)` : JSON.stringify(name);
}

/** Why `name` cannot name a notebook variable (not an identifier), or undefined when it can. */
export function variableNameProblem(name: string): string | undefined {
  if (IDENTIFIER.test(name)) return undefined;
  return `expected the name of a variable (letters, digits, _ or $, not starting with a digit), got ${quotedName(name)}`;
}

/** Whether every JavaScript object has a property `name` (so a scope lookup finds it without a definition). */
export function isObjectProperty(name: string): boolean {
  return OBJECT_PROPERTIES.has(name);
}

/** Why `name` cannot be a parameter of the search space, or undefined when it can. */
export function parameterNameProblem(name: string): string | undefined {
  if (OBJECT_PROPERTIES.has(name)) {
    return `"${name}" cannot name a parameter: every JavaScript object already has a property of that name, so params.${name} would not be the parameter (choose another name, e.g. "${name.replace(/^_+|_+$/g, "")}Value")`;
  }
  return undefined;
}

/** Why `name` cannot be the variable `--out` binds, or undefined when it can. */
export function outNameProblem(name: string): string | undefined {
  if (RESERVED_WORDS.has(name)) return `--out ${name}: "${name}" is a reserved word and cannot name a variable`;
  if (OBJECT_PROPERTIES.has(name)) return `--out ${name}: "${name}" is a property of every object and of the notebook's global scope; choose another name`;
  return undefined;
}

/** The notebook variables a `%%tune` cell reads, each with the option that names it. */
export interface CellInputs {
  readonly model?: string;
  readonly objective?: string;
  readonly data?: readonly string[];
  readonly validationData?: readonly string[];
  readonly test?: readonly string[];
  /** `FN` or `NAME=FN`. */
  readonly metricFn?: string;
}

/**
 * Why `--out name` would replace a variable the cell itself reads (`--objective f --out f` bound
 * the study to `f`, so the next run of the cell found a study where its function was), or
 * undefined when it reads none of that name. A data option's `split.xTrain` reads `split`.
 */
export function outShadowsInput(name: string, inputs: CellInputs): string | undefined {
  const read: [option: string, variable: string][] = [
    ...(inputs.model === undefined ? [] : [["--model", inputs.model] as [string, string]]),
    ...(inputs.objective === undefined ? [] : [["--objective", inputs.objective] as [string, string]]),
    ...(["data", "validationData", "test"] as const).flatMap((option) =>
      (inputs[option] ?? []).map((item): [string, string] => [`--${option === "validationData" ? "validation-data" : option}`, item.split(".")[0]!]),
    ),
    ...(inputs.metricFn === undefined ? [] : [["--metric-fn", inputs.metricFn.split("=").pop()!] as [string, string]]),
  ];
  const clash = read.find(([, variable]) => variable === name);
  if (clash === undefined) return undefined;
  return `--out ${name} would replace ${clash[0]}'s ${name}, which this cell reads (running it again would find a study there); bind the study to another name, e.g. --out ${name === "study" ? "search" : "study"}`;
}

/**
 * Distributions as plain values: constructors that validate, a JSON form, membership, the
 * conversion to an internal float (categorical → index) and back, and maps between a distribution
 * and the unit interval that the samplers draw from. This module gathers them; they live in
 * `distributions-rules.ts` (constructors, validation), `distributions-json.ts` (reading the JSON
 * form), `distributions-values.ts` (values and the unit-interval map) and `distributions-error.ts`
 * (the error and the JSON form, shared by the others).
 *
 * Unit-interval map (`fromUnit(d, u)`, u ∈ [0, 1)):
 * - float:        low + u·(high − low), or exp(log low + u·(log high − log low)) when `log`;
 * - float + step: the k-th of the n = ⌊(high − low)/step⌋ + 1 grid values, k = ⌊u·n⌋;
 * - int:          the k-th of the n = (high − low)/step + 1 values, k = ⌊u·n⌋;
 * - int + log:    round(exp(u-interpolation of log(low − ½) … log(high + ½))), so every integer
 *                 gets the log-width of its own cell;
 * - categorical:  choices[⌊u·n⌋];  fixed: its value.
 * `toUnit` is its inverse (the centre of the cell for discrete values).
 */
export { DistributionError, describeDistribution, distributionToJSON, type DistributionJSON } from "./distributions-error";
export { categorical, fixed, floatDistribution, intDistribution, validateDistribution, type FloatOptions, type IntOptions } from "./distributions-rules";
export { distributionFromJSON, distributionsEqual } from "./distributions-json";
export { cardinality, contains, enumerateValues, fromInternal, fromUnit, sampleUniform, snap, toInternal, toUnit } from "./distributions-values";

/**
 * Dropout multipliers drawn exactly as TensorFlow.js draws them for one model's batch, so that a
 * fused trial with dropout trains as the single trainer would, bit for bit.
 *
 * tfjs's `dropout(x, rate)` (a Dropout layer in training mode): with keep = 1 − rate (float32),
 * u ~ U[0, 1) of x's shape from `seedrandom.alea(String(seed))` in row-major order, seed the
 * layer's own or one draw of `Math.random()` per call,
 *   multiplier = floor(u + keep) / keep   (float32 arithmetic),   output = x · multiplier.
 * Here `random` stands for the trial's `Math.random` (the single trainer seeds it per epoch).
 */
import seedrandom from "seedrandom";

const f32 = Math.fround;

/**
 * One Dropout layer's multipliers for a batch of `rows` × `units` (row-major, as tfjs draws them).
 * @param layerSeed the layer's own seed, else undefined
 * @param random the trial's `Math.random` stand-in (one draw when the layer has no seed)
 */
export function dropoutMultipliers(rows: number, units: number, rate: number, layerSeed: number | undefined, random: () => number): Float32Array {
  const seed = layerSeed ?? random();
  const uniform = seedrandom.alea(seed.toString());
  const keep = f32(1 - rate);
  const kept = f32(1 / keep);
  const multipliers = new Float32Array(rows * units);
  // floor(f32(u + keep)) is 1 exactly when the sum reaches 1 in float32
  for (let i = 0; i < multipliers.length; i++) multipliers[i] = f32(f32(uniform()) + keep) >= 1 ? kept : 0;
  return multipliers;
}

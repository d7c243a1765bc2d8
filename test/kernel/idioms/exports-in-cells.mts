export const rate: number = 0.1;
export function scaled(x: number): number {
  return x * rate;
}
const base = 3;
export { base };
const hidden = 4;
export { hidden as shown };
export default function doubled(x: number): number {
  return 2 * x;
}
console.log(rate, scaled(10), base, hidden);
// %%
export interface Trial { id: number; value: number }
const trial: Trial = { id: 1, value: scaled(base) };
console.log(trial, hidden, doubled(base));
// %% value
scaled(hidden)

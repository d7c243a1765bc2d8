type Param = { name: string; low: number; high: number; log?: boolean };
type Choice<T> = { name: string; choices: readonly T[] };
function isChoice<T>(p: Param | Choice<T>): p is Choice<T> {
  return "choices" in p;
}
const space: (Param | Choice<string | number>)[] = [
  { name: "lr", low: 1e-4, high: 1e-1, log: true },
  { name: "act", choices: ["relu", "tanh"] },
  { name: "units", choices: [16, 32, 64] },
];
// %%
function describe<T extends { name: string }>(items: readonly T[], show: (item: T) => string): Record<string, string> {
  return Object.fromEntries(items.map((item) => [item.name, show(item)]));
}
// %%
const described = describe(space, (p) => (isChoice(p) ? p.choices.join("|") : `${p.low}..${p.high}${p.log ? " (log)" : ""}`));
console.log(described);
// %% value
Object.keys(described).length satisfies number

const v = await Promise.resolve(3);
// %%
const delayed = await new Promise((resolve) => setTimeout(() => resolve(v * 2), 5));
console.log(v, delayed);
// %%
let total = 0;
for (const p of [1, 2, 3].map((x) => Promise.resolve(x))) total += await p;
console.log(total);
// %%
const results = await Promise.allSettled([Promise.resolve(1), Promise.reject(new Error("no"))]);
console.log(results.map((r) => r.status));
try {
  await Promise.reject(new Error("caught"));
} catch (e) {
  console.log(e.message);
}
// %%
// An operand in parentheses or brackets: the compiler's diagnostic, which says a cell awaits, is not raised for these.
console.log(await (async () => v + 1)(), JSON.stringify(await (Promise.resolve([v]))));
// %%
const [first] = await [Promise.resolve(7)];
console.log(typeof first);

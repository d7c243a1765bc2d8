let limit = 3;
function* range(from = 0) {
  for (let i = from; i < limit; i++) yield i;
}
async function* ticks() {
  for (const i of range()) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    yield `tick ${i}`;
  }
}
// %%
console.log([...range()]);
limit = 5;
console.log([...range(2)]);
// %%
for await (const t of ticks()) console.log(t);
// %%
const it = range(4);
console.log(it.next(), it.next(), it.next());

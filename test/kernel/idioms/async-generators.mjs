async function* countdown(n) {
  while (n > 0) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    yield n--;
  }
}
// %%
const seen = [];
for await (const value of countdown(3)) seen.push(value);
console.log(seen);
// %%
const it = countdown(2);
console.log(await it.next(), await it.next(), await it.next());

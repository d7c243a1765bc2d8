let a = 1;
function f() {
  return "f";
}
class K {}
// %%
console.log({ a });
console.log(`${JSON.stringify({ a })}`);
// %%
const o = { f, K };
console.log(o.f(), o.K.name, (({ a }) => a)({ a }));
// %%
const best = 0.91, lr = 0.01;
console.log({ best, lr, nested: { a, best } });

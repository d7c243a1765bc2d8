let count = 0;
const bump = () => ++count;
// %%
bump();
bump();
console.log(count);
// %%
count = 10;
console.log(bump(), count);
// %%
function makeCounter() {
  let own = count;
  return () => ++own;
}
const next = makeCounter();
next();
console.log(next(), count);

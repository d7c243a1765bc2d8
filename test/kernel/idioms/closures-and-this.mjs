let count = 0;
const inc = () => ++count;
const model = {
  steps: 0,
  step() {
    this.steps++;
    return this;
  },
  get doubled() {
    return this.steps * 2;
  },
};
const fns = [];
for (let i = 0; i < 3; i++) fns.push(() => i * count);
// %%
inc();
inc();
model.step().step().step();
console.log(count, model.steps, model.doubled, fns.map((f) => f()));
// %%
count = 10;
console.log(fns.map((f) => f()), inc(), count);

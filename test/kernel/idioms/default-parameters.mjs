let base = 10;
const scale = 2;
// %%
function add(v, b = base, s = scale) {
  return (v + b) * s;
}
const arrow = ({ lr = base / 100 } = {}) => lr;
// %%
console.log(add(1), arrow(), arrow({ lr: 0.5 }));
// %%
base = 20;
console.log(add(1), add(1, 1), arrow());

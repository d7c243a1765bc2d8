let stored = 1;
const box = {
  get value() {
    return stored * 10;
  },
  set value(v) {
    stored = v;
  },
};
class Temperature {
  #celsius = 0;
  get fahrenheit() {
    return this.#celsius * 1.8 + 32;
  }
  set fahrenheit(f) {
    this.#celsius = (f - 32) / 1.8;
  }
}
// %%
box.value = 4;
console.log(box.value, stored);
// %%
stored = 7;
const t = new Temperature();
t.fahrenheit = 212;
console.log(box.value, Math.round(t.fahrenheit), Object.keys(box));

class Range {
  start = 0;
  end = 0;
  constructor(start = 0, end = 0) {
    this.start = start;
    this.end = end;
  }
  *[Symbol.iterator]() {
    for (let i = this.start; i < this.end; i++) yield i;
  }
}
function tag(strings, ...values) {
  return strings.raw.map((s, i) => s + (i < values.length ? `[${values[i]}]` : "")).join("");
}
// %%
const r = new Range(1, 4);
console.log([...r], Math.max(...r), Array.from(r, (x) => x * x));
// %%
const lr = 0.01;
console.log(tag`lr=${lr} epochs=${[...r].length}\n`);
// %% value
new Map([...r].map((x) => [x, String.fromCharCode(96 + x)]))

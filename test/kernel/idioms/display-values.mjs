class Point {
  x;
  y;
  constructor(x, y) {
    this.x = x;
    this.y = y;
  }
}
// %%
console.log(new Map([["a", { c: [1] }], ["b", { c: [1, 2] }]]), new Set([1, "two", [3]]));
console.log(new Uint8Array([1, 2, 3]), new Float64Array(2), new Point(1, 2));
console.log([1, , 3], { s: Symbol("s"), big: 10n, fn: function named() {}, arrow: () => 1 });
// %%
new Map([["k", new Set([1, 2])]]);
// %% value
new Set(["x", 1]);
// %% value
new Int16Array([-1, 2]);
// %% value
new Point(3, 4);
// %% value
[new Point(0, 0), null, undefined, "s", 1.5];
// %% value
new Promise(() => {});
// %% value
(x) => x * 2;
// %% value
(function () {});
// %% value
(class {});

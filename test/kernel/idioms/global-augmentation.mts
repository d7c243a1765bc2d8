declare global {
  var runCount: number;
  interface Array<T> {
    sumBy?(f: (x: T) => number): number;
  }
}
globalThis.runCount = 0;
Array.prototype.sumBy = function (f) {
  let total = 0;
  for (const x of this) total += f(x);
  return total;
};
// %%
runCount += 1;
console.log(runCount, [1, 2, 3].sumBy!((x) => x * 2));
// %%
function bump(): number {
  return ++globalThis.runCount;
}
console.log(bump(), runCount, typeof globalThis.runCount);

const { a: alpha, b = 2, ...rest } = { a: 1, c: 3, d: 4 };
const [first, , third = 30, ...others] = [10, 20, undefined, 40, 50];
let x = 0, y = 0;
// %%
console.log(alpha, b, rest, first, third, others);
// %%
({ x, y } = { x: 1, y: 2 });
console.log(x, y);
// %%
[x, y] = [y, x];
const { length: size, [0]: head } = "kernel";
console.log(x, y, size, head);
// %%
const pairs = new Map([["k1", 1], ["k2", 2]]);
for (const [key, { length }] of [...pairs].map(([k, v]) => [k, "v".repeat(v)])) console.log(key, length);

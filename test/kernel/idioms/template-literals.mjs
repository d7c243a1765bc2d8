let who = "world";
const n = 3;
function tag(strings, ...values) {
  return strings.raw.map((s, i) => `${s}${i < values.length ? `[${values[i]}]` : ""}`).join("");
}
// %%
console.log(`hello ${who}, ${n} times: ${`${n * 2}`.padStart(3, "0")}`);
console.log(tag`a${n}b${who}c\n`);
console.log(String.raw`x\ty${n}`);
// %%
who = "cells";
const greet = () => `hi ${who}`;
console.log(greet(), `multi
line ${n}`);

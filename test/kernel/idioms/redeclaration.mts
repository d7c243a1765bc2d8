let value: number = 1;
const label = "first";
function show(): string {
  return `value=${value}`;
}
// %%
console.log(value + 1, label, show());
// %%
let value: string = "text";
const label = 2;
// %%
console.log(value.toUpperCase(), label * 10);
// %%
function show(prefix: string): string {
  return `${prefix}${value}`;
}
class Item {
  a = 1;
}
// %%
console.log(show("> "), new Item());
// %%
class Item {
  b = "two";
}
console.log(new Item());

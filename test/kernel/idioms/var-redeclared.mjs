var count = 1;
var count = count + 1;
function readCount() {
  return count;
}
console.log(count, readCount());
// %%
var count = count * 10, twice = count * 2;
console.log(count, twice, readCount());
// %% value
count + twice

console.log(early());
function early() {
  return helper() + 1;
}
function helper() {
  return 41;
}
// %%
console.log(early(), helper());
// %%
const useIt = () => early() * 2;
console.log(useIt());

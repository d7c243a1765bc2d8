let n = 1;
var epochs = 3;
function g() {
  return n;
}
const builder = () => ({ epochs });
class Model {
  get epochs() {
    return epochs;
  }
}
// %%
n = 5;
epochs = 30;
// %%
console.log(g(), builder().epochs, new Model().epochs);
// %%
n += 1;
epochs++;
console.log(g(), builder().epochs, new Model().epochs);

var epochs: number = 20;
const epochsNow = (): number => epochs;
// %%
var epochs: number;
console.log(epochs, epochsNow());
// %%
var epochs: number = epochs + 5;
console.log(epochs, epochsNow());

let config = { model: { units: 8 }, tags: null };
let missing;
let handler = null;
// %%
console.log(config?.model?.units, config.tags?.[0], missing?.x, handler?.());
console.log(config.tags ?? "none", missing ?? 0, config.model.units || "zero");
// %%
missing ??= "set";
config.tags ||= ["a"];
config.model.units &&= config.model.units * 2;
console.log(missing, config.tags, config.model.units);

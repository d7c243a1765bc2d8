class Layer {
  static count = 0;
  constructor(readonly units: number) {
    Layer.count++;
  }
  describe(): string {
    return `Layer(${this.units})`;
  }
}
// %%
class Dense extends Layer {
  constructor(units: number, readonly activation = "relu") {
    super(units);
  }
  override describe(): string {
    return `Dense<${this.activation}>(${super.describe()})`;
  }
}
// %%
const layers: Layer[] = [new Layer(3), new Dense(4), new Dense(2, "tanh")];
console.log(layers.map((l) => l.describe()), Layer.count, layers[1] instanceof Layer, Object.getPrototypeOf(Dense) === Layer);
// %% value
layers.filter((l): l is Dense => l instanceof Dense).map((d) => d.activation)

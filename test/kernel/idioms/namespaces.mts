namespace Geometry {
  export const unit = 2;
  export function area(r: number): number {
    return Math.round(Math.PI * r * r * unit) / unit;
  }
  export namespace Nested {
    export const label = "nested";
  }
}
// %%
console.log(Geometry.area(1), Geometry.unit);
// %%
console.log(Geometry.Nested.label);
// %%
const area = Geometry.area;
console.log(area(2));
// %%
console.log(Geometry.area(3));

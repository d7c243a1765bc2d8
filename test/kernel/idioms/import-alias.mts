namespace Shapes {
  export const unit = 2;
  export namespace Circle {
    export function area(r: number): number {
      return r * r * 3;
    }
  }
  export interface Point {
    x: number;
  }
}
// %%
import unit = Shapes.unit;
import Circle = Shapes.Circle;
import Point = Shapes.Point;
const p: Point = { x: unit };
console.log(unit, Circle.area(p.x));
// %%
import area = Shapes.Circle.area;
console.log(area(unit), Circle.area(1));
// %% value
unit * 10

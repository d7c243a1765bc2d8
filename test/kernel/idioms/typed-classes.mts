interface Shape {
  area(): number;
}
abstract class Base implements Shape {
  static count = 0;
  protected constructor(readonly name: string) {
    Base.count++;
  }
  abstract area(): number;
  describe(): string {
    return `${this.name}: ${this.area().toFixed(2)}`;
  }
}
// %%
class Square extends Base {
  #side: number;
  constructor(side: number) {
    super("square");
    this.#side = side;
  }
  area(): number {
    return this.#side ** 2;
  }
  static unit(): Square {
    return new Square(1);
  }
}
// %%
const shapes: Shape[] = [new Square(3), Square.unit()];
console.log(shapes.map((s) => (s as Base).describe()), Base.count);
// %%
let sq: Square | undefined = new Square(2);
const total = shapes.reduce((sum, s) => sum + s.area(), sq?.area() ?? 0);
console.log(total, sq instanceof Base, sq.name);

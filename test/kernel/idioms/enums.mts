enum Direction {
  Up = 1,
  Down,
  Left = Up * 10,
}
enum Level {
  Low = "low",
  High = "high",
}
// %%
console.log(Direction.Down, Direction[2], Direction.Left, Level.High);
// %%
function describe(level: Level): string {
  switch (level) {
    case Level.Low:
      return "calm";
    case Level.High:
      return "busy";
  }
}
console.log(describe(Level.Low), Object.keys(Level), Object.values(Direction));
// %%
const byName: Record<string, Direction> = { up: Direction.Up };
console.log(byName, Direction[byName.up]);

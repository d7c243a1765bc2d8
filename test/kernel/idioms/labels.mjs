const grid = [
  [1, 2, 3],
  [4, -1, 6],
  [7, 8, 9],
];
// %%
let found = null;
outer: for (let r = 0; r < grid.length; r++) {
  for (let c = 0; c < grid[r].length; c++) {
    if (grid[r][c] < 0) {
      found = [r, c];
      break outer;
    }
  }
}
console.log(found);
// %%
let sum = 0;
rows: for (const row of grid) {
  for (const v of row) {
    if (v === 2) continue rows;
    sum += v;
  }
}
block: {
  if (sum > 0) break block;
  sum = -1;
}
console.log(sum);

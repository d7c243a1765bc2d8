import * as path from "node:path";
import { basename } from "node:path";
// %%
console.log(path.join("a", "b"), basename("/x/y.txt"));
// %%
import { extname } from "node:path";
import * as util from "node:util";
console.log(extname("f.ts"), util.format("%d items", 3));
// %%
console.log(path.sep, basename("/z"), extname("g.js"));

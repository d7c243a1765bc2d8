import * as path from "node:path";
// %%
console.log(path.basename("/a/b.txt"));
// %%
import * as path from "node:path";
import { basename } from "node:path";
console.log(path.dirname("/a/b.txt"), basename("/c/d"));
// %%
import { basename } from "node:path";
console.log(basename("/e/f"), path.sep);

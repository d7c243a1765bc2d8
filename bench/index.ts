/**
 * `npm run bench <name> [args...]`: runs one benchmark (bench/<name>.ts, compiled to dist/bench).
 * Each benchmark prints our figures beside the peer figures it compares with.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const available = readdirSync(__dirname)
  .filter((f) => f.endsWith(".js") && f !== "index.js")
  .map((f) => f.slice(0, -3));
const name = process.argv[2];
if (name === undefined || !existsSync(join(__dirname, `${name}.js`))) {
  console.error(`usage: npm run bench <name> [args...]\nbenchmarks: ${available.join(", ")}`);
  process.exit(2);
}
process.argv.splice(2, 1);
require(join(__dirname, `${name}.js`));

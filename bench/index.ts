/**
 * `npm run bench <name> [args...]`: runs one benchmark (bench/<name>.ts, compiled to dist/bench).
 * Each benchmark prints our figures beside the peer figures it compares with.
 */
import { join } from "node:path";

/** The benchmarks; the other files in bench/ are their helpers. */
const BENCHMARKS = ["samplers", "tpe-cmaes", "kernel", "tune", "workers", "hypergradient", "schedulers", "train-step"] as const;

const name = process.argv[2];
if (name === undefined || !(BENCHMARKS as readonly string[]).includes(name)) {
  console.error(`usage: npm run bench <name> [-- args...]\nbenchmarks: ${BENCHMARKS.join(", ")}`);
  process.exit(2);
}
process.argv.splice(2, 1);
require(join(__dirname, `${name}.js`));

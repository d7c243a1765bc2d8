#!/usr/bin/env node
/** Entry point of `tunelab run` on its own: `node dist/src/run/cli-main.js NOTEBOOK.ipynb [options]`. */
import { runCommand } from "./cli";

runCommand(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`tunelab run: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);

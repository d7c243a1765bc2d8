#!/usr/bin/env node
/**
 * `tunelab`: the command line of the kernel.
 *   tunelab kernel --connection-file F [--js] [--allow-unsigned-remote]
 *   tunelab install [--user | --sys-prefix | --prefix P] [--name N] [--display-name D]
 *   tunelab uninstall [--user | --sys-prefix | --prefix P] [--name N]
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { InstallTarget } from "./kernel/install";
import { exitProcess } from "./kernel/exit-guard";
// Each command loads what it needs when it runs: `tunelab kernel` starts reading the compiler's
// files before anything else loads (see the kernel case).

/** Read first thing, so that a parent dying while the kernel loads is still noticed. */
const LAUNCH_PARENT_PID = process.ppid;

const USAGE = `Usage: tunelab <command> [options]

Commands:
  kernel --connection-file FILE [--js]   run the kernel (Jupyter starts this from kernel.json);
         [--allow-unsigned-remote]       with an empty key it listens only on loopback or ipc
                                         unless this flag is given (anyone reaching the ports
                                         could run code)
  install [target] [--name N] [--display-name D]
                                         write the kernelspecs (N, default "tunelab", and N-js)
  uninstall [target] [--name N]          remove them
  warm-up                                make the compiler's code cache and keep the syntax trees of
                                         the libraries and of this folder's @types, so that the first
                                         kernel starts as fast as later ones (build and install run it)
  run NOTEBOOK.ipynb [options]           execute a notebook headless, without Jupyter (tunelab run --help)

Targets (where Jupyter looks for kernelspecs):
  --user            $JUPYTER_DATA_DIR, or ~/.local/share/jupyter
  --sys-prefix      <sys.prefix>/share/jupyter (/usr for Debian's python3, or $CONDA_PREFIX/$VIRTUAL_ENV)
  --prefix P        P/share/jupyter
  (none)            $JUPYTER_DATA_DIR if set, else /usr/local/share/jupyter

Options:
  -h, --help        show this help
  -v, --version     show the version`;

function fail(message: string): never {
  process.stderr.write(`tunelab: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function targetOf(values: { user?: boolean; "sys-prefix"?: boolean; prefix?: string }): InstallTarget {
  const chosen = [values.user === true, values["sys-prefix"] === true, values.prefix !== undefined].filter(Boolean).length;
  if (chosen > 1) fail("choose at most one of --user, --sys-prefix and --prefix");
  if (values.user === true) return { kind: "user" };
  if (values["sys-prefix"] === true) return { kind: "sys-prefix" };
  if (values.prefix !== undefined) return { kind: "prefix", prefix: values.prefix };
  return { kind: "default" };
}

/** Makes the compiler's code cache and syntax tree cache where they are missing (see src/exec/warm-up.ts); a failure is reported, not fatal. */
async function warmUp(): Promise<void> {
  const { codeCacheDir } = await import("./exec/code-cache");
  const { warmUpCompilerCache } = await import("./exec/warm-up");
  const directory = codeCacheDir();
  const started = performance.now();
  const outcome = await warmUpCompilerCache(directory);
  const ms = Math.round(performance.now() - started);
  if (outcome.status === "written") process.stdout.write(`Made the compiler's code cache in ${directory} (${ms} ms)\n`);
  else if (outcome.status === "failed") process.stderr.write(`tunelab: the compiler's code cache was not made (${outcome.reason ?? "unknown reason"}); the first kernel will make it\n`);
  if (outcome.trees !== undefined && outcome.trees.added > 0) process.stdout.write(`Kept the syntax trees of ${outcome.trees.added} library and @types files in ${directory}\n`);
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === "-v" || command === "--version") {
    const { tunelabVersion } = await import("./kernel/info");
    process.stdout.write(`tunelab ${tunelabVersion()}\n`);
    return;
  }
  const parse = (options: NonNullable<ParseArgsConfig["options"]>): Record<string, unknown> => {
    try {
      return parseArgs({ args: [...rest], options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: false, strict: true }).values;
    } catch (error) {
      return fail((error as Error).message);
    }
  };
  switch (command) {
    case "run": {
      const { runCommand } = await import("./run/cli");
      process.exitCode = await runCommand(rest);
      return;
    }
    case "kernel": {
      const values = parse({ "connection-file": { type: "string", short: "f" }, js: { type: "boolean" }, "allow-unsigned-remote": { type: "boolean" } }) as {
        "connection-file"?: string;
        js?: boolean;
        "allow-unsigned-remote"?: boolean;
        help?: boolean;
      };
      if (values.help === true) return void process.stdout.write(`${USAGE}\n`);
      const connectionFile = values["connection-file"];
      if (connectionFile === undefined) fail("kernel needs --connection-file FILE (Jupyter passes {connection_file})");
      // The compiler's files and the syntax tree cache are read on the thread pool while the kernel's modules load.
      const { codeCacheDir, prefetchCompilerCaches } = await import("./exec/code-cache");
      void prefetchCompilerCaches(codeCacheDir());
      const { startKernel } = await import("./kernel/kernel");
      await startKernel({
        connectionFile,
        language: values.js === true ? "javascript" : "typescript",
        parentPid: LAUNCH_PARENT_PID,
        allowUnsignedRemote: values["allow-unsigned-remote"] === true,
      });
      return;
    }
    case "install": {
      const values = parse({
        user: { type: "boolean" },
        "sys-prefix": { type: "boolean" },
        prefix: { type: "string" },
        name: { type: "string" },
        "display-name": { type: "string" },
      }) as { user?: boolean; "sys-prefix"?: boolean; prefix?: string; name?: string; "display-name"?: string; help?: boolean };
      if (values.help === true) return void process.stdout.write(`${USAGE}\n`);
      const displayName = values["display-name"];
      const { installKernelspecs } = await import("./kernel/install");
      const installed = installKernelspecs({ target: targetOf(values), name: values.name ?? "tunelab", ...(displayName === undefined ? {} : { displayName }) });
      for (const spec of installed) process.stdout.write(`Installed kernelspec ${spec.name} in ${spec.directory}\n`);
      await warmUp();
      return;
    }
    case "warm-up": {
      const values = parse({});
      if (values["help"] === true) return void process.stdout.write(`${USAGE}\n`);
      await warmUp();
      return;
    }
    case "uninstall": {
      const values = parse({ user: { type: "boolean" }, "sys-prefix": { type: "boolean" }, prefix: { type: "string" }, name: { type: "string" } }) as {
        user?: boolean;
        "sys-prefix"?: boolean;
        prefix?: string;
        name?: string;
        help?: boolean;
      };
      if (values.help === true) return void process.stdout.write(`${USAGE}\n`);
      const name = values.name ?? "tunelab";
      const { uninstallKernelspecs } = await import("./kernel/install");
      const removed = uninstallKernelspecs({ target: targetOf(values), name });
      if (removed.length === 0) fail(`no kernelspec named ${name} found there`);
      for (const directory of removed) process.stdout.write(`Removed ${directory}\n`);
      return;
    }
    default:
      fail(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`tunelab: ${(error as Error).message}\n`);
  exitProcess(1); // process.exit itself throws once the kernel has guarded it against cells

});

/**
 * Installs the kernelspecs from `kernel/` into a Jupyter data directory, following Jupyter's own
 * rules, with no Python involved.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";

/** Where to install: Jupyter's `--user`, `--sys-prefix`, `--prefix P`, or the default. */
export type InstallTarget = { readonly kind: "user" } | { readonly kind: "sys-prefix" } | { readonly kind: "prefix"; readonly prefix: string } | { readonly kind: "default" };

/** The environment the rules read (injected for tests). */
export interface InstallEnvironment {
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  /** `sys.prefix` of the system Python that runs Jupyter (`/usr` for Debian's). */
  readonly sysPrefix: string;
}

/** The kernelspecs this package provides: name suffix → template file in `kernel/`. */
const SPECS = [
  { suffix: "", template: "kernel.json" },
  { suffix: "-js", template: "kernel-js.json" },
] as const;

/** The `kernel/` directory of this installation. */
export function specSourceDir(): string {
  return path.resolve(__dirname, "..", "..", "..", "kernel");
}

/** The CLI script that `kernel.json` runs. */
export function cliScript(): string {
  return path.resolve(__dirname, "..", "cli.js");
}

/** The Jupyter data directory for `target` by Jupyter's rules. */
export function dataDir(target: InstallTarget, environment: InstallEnvironment): string {
  const { env, home, sysPrefix } = environment;
  const userDir = (): string => {
    if (env["JUPYTER_DATA_DIR"]) return path.resolve(env["JUPYTER_DATA_DIR"]);
    const xdg = env["XDG_DATA_HOME"];
    return path.join(xdg ? xdg : path.join(home, ".local", "share"), "jupyter");
  };
  switch (target.kind) {
    case "user":
      return userDir();
    case "sys-prefix":
      return path.join(env["CONDA_PREFIX"] ?? env["VIRTUAL_ENV"] ?? sysPrefix, "share", "jupyter");
    case "prefix":
      return path.join(path.resolve(target.prefix), "share", "jupyter");
    case "default":
      return env["JUPYTER_DATA_DIR"] ? path.resolve(env["JUPYTER_DATA_DIR"]) : "/usr/local/share/jupyter";
  }
}

/** The real environment of this process. */
export function currentEnvironment(): InstallEnvironment {
  return { env: process.env, home: homedir(), sysPrefix: "/usr" };
}

/** One written kernelspec. */
export interface InstalledSpec {
  readonly name: string;
  readonly directory: string;
}

/**
 * Writes `<data>/kernels/<name>` (TypeScript) and `<data>/kernels/<name>-js` (JavaScript) with
 * kernel.json whose argv runs this installation's node and CLI, plus the logos.
 */
export function installKernelspecs(options: { target: InstallTarget; name: string; displayName?: string; environment?: InstallEnvironment }): InstalledSpec[] {
  if (!/^[a-z0-9._-]+$/i.test(options.name)) {
    throw new Error(`invalid kernel name ${JSON.stringify(options.name)}: expected letters, digits, ".", "_" or "-"`);
  }
  const kernelsDir = path.join(dataDir(options.target, options.environment ?? currentEnvironment()), "kernels");
  const source = specSourceDir();
  const installed: InstalledSpec[] = [];
  for (const spec of SPECS) {
    const name = `${options.name}${spec.suffix}`;
    const directory = path.join(kernelsDir, name);
    const template = JSON.parse(readFileSync(path.join(source, spec.template), "utf8")) as { argv: string[]; display_name: string };
    const argv = [process.execPath, cliScript(), ...template.argv.slice(2)];
    const displayName = options.displayName === undefined ? template.display_name : spec.suffix === "" ? options.displayName : `${options.displayName} (JavaScript)`;
    mkdirSync(directory, { recursive: true });
    writeFileSync(path.join(directory, "kernel.json"), `${JSON.stringify({ ...template, argv, display_name: displayName }, null, 2)}\n`);
    for (const logo of ["logo-32x32.png", "logo-64x64.png"]) cpSync(path.join(source, logo), path.join(directory, logo));
    installed.push({ name, directory });
  }
  return installed;
}

/** Removes the kernelspecs written by {@link installKernelspecs}; returns the removed directories. */
export function uninstallKernelspecs(options: { target: InstallTarget; name: string; environment?: InstallEnvironment }): string[] {
  const kernelsDir = path.join(dataDir(options.target, options.environment ?? currentEnvironment()), "kernels");
  const removed: string[] = [];
  for (const spec of SPECS) {
    const directory = path.join(kernelsDir, `${options.name}${spec.suffix}`);
    if (!existsSync(path.join(directory, "kernel.json"))) continue;
    rmSync(directory, { recursive: true, force: true });
    removed.push(directory);
  }
  return removed;
}

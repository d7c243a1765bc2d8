/**
 * The newcomer's path, as the README gives it: `npm ci && npm run quickstart` in a fresh clone,
 * with an empty home folder, ends with an executed quickstart notebook that has its outputs and no
 * error. It catches what the other tests cannot: a dependency used but not declared (or declared
 * only as a dev dependency where the quickstart needs it), a file the build needs but git does
 * not track, and anything that only works thanks to state left in the developer's home folder.
 *
 * What it shares with this machine, and why that is still honest:
 * - npm's own package cache (`npm_config_cache`, the real one): a cache of registry tarballs,
 *   checked against package-lock.json's integrity hashes, which only saves downloads. It is not
 *   tunelab's state; tunelab keeps nothing in the home folder (nor in any cache).
 * - Debian's Jupyter, which `scripts/system-deps.sh` installs when missing.
 * The clone is of the committed HEAD: uncommitted changes are not part of it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import * as path from "node:path";
import { run } from "../kernel/helpers";
import { PLOTLY_MIME, text, type LooseOutput } from "../support/outputs";

/** The repository root (from `dist/test/newcomer/`). */
const ROOT = path.resolve(__dirname, "..", "..", "..");

type Output = LooseOutput;


/** Every path under `dir`, relative to it. */
function listAll(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(prefix, entry.name);
    return entry.isDirectory() ? [relative, ...listAll(path.join(dir, entry.name), relative)] : [relative];
  });
}

test("a fresh clone: npm ci && npm run quickstart, with an empty home folder", { timeout: 1_500_000 }, async (t) => {
  if (spawnSync("git", ["-C", ROOT, "rev-parse", "HEAD"]).status !== 0) {
    t.skip(`${ROOT} is not a git checkout`);
    return;
  }
  const work = mkdtempSync(path.join(tmpdir(), "tunelab-newcomer-"));
  const home = path.join(work, "home");
  const clone = path.join(work, "tunelab");
  try {
    const cloned = spawnSync("git", ["clone", "--quiet", ROOT, clone], { encoding: "utf8" });
    assert.equal(cloned.status, 0, cloned.stderr);
    mkdirSync(home);
    const npmCache = process.env["npm_config_cache"] ?? path.join(homedir(), ".npm");
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, npm_config_cache: npmCache, npm_config_prefer_offline: "true" };
    // Not inherited from an enclosing `npm test`: the clone's own package.json and paths only.
    for (const name of Object.keys(env)) if (name.startsWith("npm_") && name !== "npm_config_cache" && name !== "npm_config_prefer_offline") delete env[name];
    for (const name of ["JUPYTER_DATA_DIR", "JUPYTER_PATH", "TUNELAB_TFJS_BACKEND"]) delete env[name];
    env["PATH"] = (env["PATH"] ?? "").split(path.delimiter).filter((dir) => !dir.startsWith(ROOT + path.sep)).join(path.delimiter);

    const ci = await run("npm", ["ci", "--no-audit", "--no-fund"], { env, cwd: clone, timeoutMs: 600_000 });
    assert.equal(ci.code, 0, `npm ci failed:\n${ci.stderr.slice(-3000)}`);
    const quickstart = await run("npm", ["run", "quickstart"], { env, cwd: clone, timeoutMs: 900_000 });
    assert.equal(quickstart.code, 0, `npm run quickstart failed:\n${quickstart.stdout.slice(-2000)}\n${quickstart.stderr.slice(-3000)}`);

    const executed = path.join(clone, "build", "quickstart.ipynb");
    assert.ok(existsSync(path.join(clone, "build", "quickstart.html")), "the HTML export is written");
    const cells = (JSON.parse(readFileSync(executed, "utf8")) as { cells: { cell_type: string; outputs?: Output[] }[] }).cells.filter((c) => c.cell_type === "code");
    const outputs = cells.flatMap((c) => c.outputs ?? []);
    assert.deepEqual(outputs.filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`), [], "no cell failed");
    const streams = outputs.filter((o) => o.output_type === "stream").map((o) => text(o.text)).join("");
    assert.match(streams, /Study "study": 20 trials \(20 complete\)/);
    assert.ok(outputs.filter((o) => o.data?.[PLOTLY_MIME] !== undefined).length >= 6, "the figures are there");
    assert.ok(outputs.some((o) => o.data !== undefined && JSON.stringify(o.data).length > 1_000_000), "plotly.js is embedded (offline rendering)");
    assert.ok(statSync(executed).size < 6 * 1024 * 1024, `saved notebook is ${statSync(executed).size} bytes`);

    // Jupyter keeps its runtime files under HOME; tunelab writes nothing there.
    assert.deepEqual(listAll(home).filter((p) => /tunelab|plotly/i.test(p)), [], "nothing of tunelab's in the home folder");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

/**
 * `%%tune` loads PostgreSQL's driver only when a `postgresql://` storage is used: a kernel
 * without one does not pay for loading `pg` at start-up. Checked in a fresh Node process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";

const SRC = path.resolve(__dirname, "..", "..", "..", "src");

/** The modules under `node_modules/pg` a fresh process has loaded after requiring `modules` and running `then`. */
function pgModulesLoaded(modules: readonly string[], then = ""): string[] {
  const script = `
    ${modules.map((m) => `require(${JSON.stringify(path.join(SRC, m))});`).join("\n")}
    (async () => {
      ${then}
      const loaded = Object.keys(require.cache).filter((file) => /[\\\\/]node_modules[\\\\/]pg[\\\\/]/.test(file));
      process.stdout.write(JSON.stringify(loaded));
    })().catch((error) => { process.stdout.write(JSON.stringify(["failed: " + error.message])); });
  `;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" })) as string[];
}

test("the tune magics, the cell API and the engine load without pg", () => {
  assert.deepEqual(pgModulesLoaded(["magic/tune", "cell-api/session", "exec/engine"]), []);
});

test("opening a postgresql:// storage loads pg (the control: the check above can see it)", () => {
  const setup = JSON.stringify(path.join(SRC, "magic/tune/study-setup"));
  // Port 1 refuses the connection at once: the driver is loaded, the connection fails.
  const loaded = pgModulesLoaded(["magic/tune"], `await require(${setup}).openStorage("postgresql://nobody@127.0.0.1:1/none").catch(() => undefined);`);
  assert.ok(loaded.length > 0, "pg was not loaded by a postgresql:// storage");
});

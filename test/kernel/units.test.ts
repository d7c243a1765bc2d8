/** Connection files, history queries, cursor offsets and kernelspec installation rules. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { parseConnectionInfo } from "../../src/kernel/connection";
import { globToRegExp, History } from "../../src/kernel/history";
import { parseHistoryQuery } from "../../src/kernel/requests";
import { codePointsToUtf16, utf16ToCodePoints } from "../../src/kernel/offsets";
import { dataDir, installKernelspecs, uninstallKernelspecs } from "../../src/kernel/install";

const ports = { shell_port: 1, control_port: 2, iopub_port: 3, stdin_port: 4, hb_port: 5 };

test("connection files: defaults, bad ports and unknown signature schemes are refused with the field named", () => {
  const info = parseConnectionInfo({ ...ports, key: "k" });
  assert.equal(info.signatureScheme, "hmac-sha256");
  assert.equal(info.ip, "127.0.0.1");
  assert.throws(() => parseConnectionInfo({ ...ports, shell_port: "x" }), /"shell_port" must be a port number/);
  assert.throws(() => parseConnectionInfo({ ...ports, key: "k", signature_scheme: "hmac-md5" }), /unsupported "signature_scheme" "hmac-md5"; expected one of hmac-sha256/);
  assert.throws(() => parseConnectionInfo([]), /expected a JSON object/);
});

test("the kernel refuses to start with an unknown signature scheme", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tunelab-scheme-"));
  try {
    const file = path.join(dir, "connection.json");
    writeFileSync(file, JSON.stringify({ ...ports, ip: "127.0.0.1", transport: "tcp", key: "secret", signature_scheme: "hmac-md5" }));
    const cli = path.resolve(__dirname, "..", "..", "src", "cli.js");
    const result = spawnSync(process.execPath, [cli, "kernel", "--connection-file", file], { encoding: "utf8", timeout: 30_000 });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /unsupported "signature_scheme" "hmac-md5"; expected one of hmac-sha256/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("history: tail, range, glob search, unique, output", () => {
  const history = new History();
  ["let a = 1", "a + 1", "a + 1", "console.log(a)"].forEach((code, i) => (history.add(i + 1, code).output = code.startsWith("a") ? "2" : null));
  assert.deepEqual(history.query({ kind: "tail", n: 2, output: false }), [[1, 3, "a + 1"], [1, 4, "console.log(a)"]]);
  assert.deepEqual(history.query({ kind: "range", session: 0, start: 2, stop: 3, output: true }), [[1, 2, ["a + 1", "2"]]]);
  assert.equal(history.query({ kind: "search", pattern: "a +*", n: undefined, unique: false, output: false }).length, 2);
  assert.deepEqual(history.query({ kind: "search", pattern: "a +*", n: undefined, unique: true, output: false }), [[1, 3, "a + 1"]]);
  assert.ok(globToRegExp("con?ole.*").test("console.log(a)"));
  assert.ok(!globToRegExp("a").test("ab"), "a glob matches the whole input");
  assert.match(String(parseHistoryQuery({ hist_access_type: "everything" })), /must be "tail", "range" or "search"/);
});

test("cursor offsets convert between code points and UTF-16", () => {
  const code = "const s = '😀'; s.len";
  assert.equal(codePointsToUtf16(code, Array.from(code).length), code.length);
  assert.equal(utf16ToCodePoints(code, code.length), Array.from(code).length);
});

test("kernelspec directories follow Jupyter's rules", () => {
  const environment = (env: NodeJS.ProcessEnv) => ({ env, home: "/home/u", sysPrefix: "/usr" });
  assert.equal(dataDir({ kind: "user" }, environment({})), "/home/u/.local/share/jupyter");
  assert.equal(dataDir({ kind: "user" }, environment({ XDG_DATA_HOME: "/x" })), "/x/jupyter");
  assert.equal(dataDir({ kind: "user" }, environment({ JUPYTER_DATA_DIR: "/j" })), "/j");
  assert.equal(dataDir({ kind: "sys-prefix" }, environment({})), "/usr/share/jupyter");
  assert.equal(dataDir({ kind: "prefix", prefix: "/opt/p" }, environment({})), "/opt/p/share/jupyter");
  assert.equal(dataDir({ kind: "default" }, environment({})), "/usr/local/share/jupyter");
  assert.throws(() => installKernelspecs({ target: { kind: "user" }, name: "bad name" }), /invalid kernel name "bad name"/);
});

test("tunelab install/uninstall write kernelspecs that jupyter kernelspec list shows", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tunelab-install-"));
  try {
    const cli = path.resolve(__dirname, "..", "..", "src", "cli.js");
    const env = { ...process.env, JUPYTER_DATA_DIR: dir };
    const installed = spawnSync(process.execPath, [cli, "install", "--user", "--name", "tl-test", "--display-name", "TL"], { env, encoding: "utf8" });
    assert.equal(installed.status, 0, installed.stderr);
    assert.match(installed.stdout, new RegExp(`Installed kernelspec tl-test in ${path.join(dir, "kernels", "tl-test")}`));
    const spec = JSON.parse(readFileSync(path.join(dir, "kernels", "tl-test", "kernel.json"), "utf8")) as { argv: string[]; display_name: string; interrupt_mode: string };
    assert.deepEqual(spec.argv.slice(0, 3), [process.execPath, cli, "kernel"]);
    assert.equal(spec.display_name, "TL");
    assert.equal(spec.interrupt_mode, "message");
    assert.ok(existsSync(path.join(dir, "kernels", "tl-test-js", "logo-64x64.png")));
    const listed = spawnSync("/usr/bin/jupyter", ["kernelspec", "list", "--json"], { env, encoding: "utf8" });
    const names = Object.keys((JSON.parse(listed.stdout) as { kernelspecs: Record<string, unknown> }).kernelspecs);
    assert.ok(names.includes("tl-test") && names.includes("tl-test-js"), names.join(", "));
    const removed = spawnSync(process.execPath, [cli, "uninstall", "--user", "--name", "tl-test"], { env, encoding: "utf8" });
    assert.equal(removed.status, 0, removed.stderr);
    assert.ok(!existsSync(path.join(dir, "kernels", "tl-test")));
    const again = spawnSync(process.execPath, [cli, "uninstall", "--user", "--name", "tl-test"], { env, encoding: "utf8" });
    assert.equal(again.status, 2);
    assert.match(again.stderr, /no kernelspec named tl-test found/);
    const bad = spawnSync(process.execPath, [cli, "install", "--user", "--prefix", "/x"], { env, encoding: "utf8" });
    assert.match(bad.stderr, /choose at most one of --user, --sys-prefix and --prefix/);
    assert.equal(uninstallKernelspecs({ target: { kind: "user" }, name: "absent", environment: { env, home: dir, sysPrefix: "/usr" } }).length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

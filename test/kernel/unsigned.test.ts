/**
 * What an empty key means (issue 12): the kernel warns on loopback or ipc, refuses a non-loopback
 * address unless `--allow-unsigned-remote`, and, unsigned, still runs a real jupyter_client's code
 * on loopback. And the replay memory is jupyter_client's: 65,536 signatures.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseConnectionInfo, unsignedVerdict } from "../../src/kernel/connection";
import { createMessage } from "../../src/kernel/messages";
import { decodeMessage, encodeMessage, REPLAY_MEMORY, Signer } from "../../src/kernel/wire";
import { PYTHON, run } from "./helpers";

const CLI = path.resolve(__dirname, "..", "..", "src", "cli.js");

function connection(ip: string, key: string, transport = "tcp"): ReturnType<typeof parseConnectionInfo> {
  return parseConnectionInfo({ transport, ip, key, shell_port: 1, control_port: 2, iopub_port: 3, stdin_port: 4, hb_port: 5 });
}

test("an empty key warns on loopback and ipc, and is refused elsewhere unless allowed", () => {
  assert.equal(unsignedVerdict(connection("0.0.0.0", "secret"), false), undefined);
  for (const ip of ["127.0.0.1", "127.3.2.1", "localhost", "::1"]) {
    const verdict = unsignedVerdict(connection(ip, ""), false);
    assert.equal(verdict?.refuse, false, ip);
    assert.match(verdict?.message ?? "", /empty key/);
  }
  assert.equal(unsignedVerdict(connection("/tmp/kernel", "", "ipc"), false)?.refuse, false);
  for (const ip of ["0.0.0.0", "192.168.1.7", "::", "example.org"]) {
    const refused = unsignedVerdict(connection(ip, ""), false);
    assert.equal(refused?.refuse, true, ip);
    assert.match(refused?.message ?? "", /--allow-unsigned-remote/);
    const allowed = unsignedVerdict(connection(ip, ""), true);
    assert.equal(allowed?.refuse, false, ip);
    assert.match(allowed?.message ?? "", /anyone who reaches these ports can run code/);
  }
});

test("the replay memory holds 65,536 signatures, then forgets the oldest tenth", () => {
  assert.equal(REPLAY_MEMORY, 65_536);
  const sender = new Signer("key");
  const receiver = new Signer("key");
  const first = encodeMessage(createMessage("kernel_info_request", "s", {}), sender);
  assert.ok(decodeMessage(first, receiver).ok);
  for (let i = 1; i < REPLAY_MEMORY; i++) assert.ok(decodeMessage(encodeMessage(createMessage("kernel_info_request", "s", { i }), sender), receiver).ok);
  assert.equal(pick(decodeMessage(first, receiver)), "replayed-signature", "the first of 65,536 is still remembered");
  decodeMessage(encodeMessage(createMessage("kernel_info_request", "s", { i: -1 }), sender), receiver);
  assert.ok(decodeMessage(first, receiver).ok, "past the limit the oldest are forgotten");
});

function pick(result: ReturnType<typeof decodeMessage>): string {
  return result.ok ? "ok" : result.reason;
}

/** Five ports free now on 127.0.0.1. */
async function freePorts(): Promise<number[]> {
  const servers = await Promise.all(
    [0, 1, 2, 3, 4].map(
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const server = createServer();
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function connectionFile(dir: string, ip: string): Promise<string> {
  const [shell, control, iopub, stdin, hb] = await freePorts();
  const file = path.join(dir, `kernel-${ip}.json`);
  const content = { transport: "tcp", ip, key: "", signature_scheme: "hmac-sha256", shell_port: shell, control_port: control, iopub_port: iopub, stdin_port: stdin, hb_port: hb };
  writeFileSync(file, JSON.stringify(content));
  return file;
}

test("tunelab kernel refuses 0.0.0.0 with an empty key, unless --allow-unsigned-remote", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tunelab-unsigned-"));
  try {
    const file = await connectionFile(dir, "0.0.0.0");
    const refused = await run(process.execPath, [CLI, "kernel", "-f", file], { env: process.env, timeoutMs: 60_000 });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /refusing to listen on tcp:\/\/0\.0\.0\.0 with an empty key/);
    const allowed = await untilStderr([CLI, "kernel", "-f", file, "--allow-unsigned-remote"], /unsigned messages accepted on tcp:\/\/0\.0\.0\.0/);
    assert.ok(allowed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("with an empty key on loopback the kernel warns, then runs a real client's unsigned requests", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tunelab-unsigned-"));
  const file = await connectionFile(dir, "127.0.0.1");
  const kernel = spawn(process.execPath, [CLI, "kernel", "-f", file], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  kernel.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    const client = [
      "import sys",
      "from jupyter_client import BlockingKernelClient",
      "kc = BlockingKernelClient(connection_file=sys.argv[1]); kc.load_connection_file(); kc.start_channels()",
      "kc.wait_for_ready(timeout=60)",
      "reply = kc.execute_interactive('6 * 7', timeout=60, output_hook=lambda m: print(m['content'].get('data', {}).get('text/plain', '')) if m['msg_type'] == 'execute_result' else None)",
      "print(reply['content']['status'])",
    ].join("\n");
    const result = await run(PYTHON, ["-c", client, file], { env: { ...process.env, PYTHONWARNINGS: "ignore" }, timeoutMs: 90_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.trim().split("\n"), ["42", "ok"]);
    assert.match(stderr, /the connection file has an empty key: messages are not signed/);
  } finally {
    kernel.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts the CLI with `args`, resolves true once stderr matches `pattern` (then kills it). */
function untilStderr(args: readonly string[], pattern: RegExp): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no ${pattern} on stderr within 60 s:\n${stderr}`));
    }, 60_000);
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (pattern.test(stderr)) {
        clearTimeout(timer);
        child.kill("SIGKILL");
        resolve(true);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (!pattern.test(stderr)) reject(new Error(`exited (${code}) without ${pattern}:\n${stderr}`));
    });
  });
}

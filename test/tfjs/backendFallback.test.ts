// Fallbacks, with module loading simulated. A file of its own: each test file runs in its own
// process, and these tests switch the process's engine to the cpu backend.
import { test } from "node:test";
import assert from "node:assert/strict";
import { selectBackend } from "../../src/tfjs/backend";

function failing(failures: Readonly<Record<string, Error>>): (id: string) => unknown {
  return (id) => {
    const failure = failures[id];
    if (failure !== undefined) throw failure;
    return require(id);
  };
}

test("when tfjs-node is present but broken the reason quotes its error, and wasm is used", async () => {
  const loaded = await selectBackend({
    requireModule: failing({ "@tensorflow/tfjs-node": new Error("libtensorflow.so.2: cannot open shared object file") }),
  });
  assert.equal(loaded.backend, "wasm");
  assert.match(loaded.reason, /tfjs-node failed to load: libtensorflow\.so\.2: cannot open shared object file/);
});

test("a tfjs-node module that registers no tensorflow backend is skipped", async () => {
  const loaded = await selectBackend({
    requireModule: (id) => require(id === "@tensorflow/tfjs-node" ? "@tensorflow/tfjs" : id),
    order: ["tensorflow", "wasm"],
  });
  assert.equal(loaded.backend, "wasm");
  assert.match(loaded.reason, /tfjs-node loaded but its tensorflow backend did not start/);
});

test("when wasm fails too, the cpu backend is used and both reasons are given", async () => {
  const loaded = await selectBackend({
    requireModule: failing({ "@tensorflow/tfjs-backend-wasm": new Error("no WebAssembly here") }),
    order: ["tensorflow", "wasm", "cpu"],
  });
  // wasm was initialised by the earlier tests of this file, so make it fail at require time only
  assert.equal(loaded.backend, "cpu");
  assert.equal(loaded.tf.getBackend(), "cpu");
  assert.match(loaded.reason, /tfjs-node not installed; wasm failed: no WebAssembly here/);
  assert.match(loaded.description, /^TensorFlow\.js \d+\.\d+\.\d+ backend: cpu \(/);
});

test("when nothing starts, the error lists every reason", async () => {
  await assert.rejects(
    selectBackend({ requireModule: failing({ "@tensorflow/tfjs-backend-wasm": new Error("no wasm") }), order: ["tensorflow", "wasm"] }),
    /no TensorFlow\.js backend could be started: tfjs-node not installed; wasm failed: no wasm/,
  );
});

/** Wire framing and signing: round trips, constant-time verification, replays, malformed frames. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createMessage } from "../../src/kernel/messages";
import { decodeMessage, encodeMessage, Signer } from "../../src/kernel/wire";

const KEY = "0123456789abcdef";
const message = () => createMessage("execute_request", "session-1", { code: "1 + 1" });

test("a signed message decodes back to itself, with its identities", () => {
  const original = message();
  const frames = encodeMessage(original, new Signer(KEY), [Buffer.from("client-7")]);
  const decoded = decodeMessage(frames, new Signer(KEY));
  assert.ok(decoded.ok, JSON.stringify(decoded));
  assert.deepEqual(decoded.envelope.message.header, original.header);
  assert.deepEqual(decoded.envelope.message.content, { code: "1 + 1" });
  assert.equal(Buffer.from(decoded.envelope.identities[0] as Uint8Array).toString(), "client-7");
});

test("the signature is HMAC-SHA256 of the four JSON frames, as jupyter_client computes it", () => {
  const frames = encodeMessage(message(), new Signer(KEY));
  const hmac = createHmac("sha256", KEY);
  for (const part of frames.slice(2, 6)) hmac.update(part);
  assert.equal(frames[1]?.toString(), hmac.digest("hex"));
});

test("a wrong or missing signature is rejected before JSON parsing", () => {
  const frames = encodeMessage(message(), new Signer(KEY));
  const tampered = [...frames];
  tampered[5] = Buffer.from('{"code": "process.exit(1)"}');
  assert.deepEqual(pick(decodeMessage(tampered, new Signer(KEY))), "bad-signature");
  const unsigned = [...frames];
  unsigned[1] = Buffer.from("");
  assert.deepEqual(pick(decodeMessage(unsigned, new Signer(KEY))), "bad-signature");
  const garbage = [...frames];
  garbage[3] = Buffer.from("{not json");
  assert.equal(pick(decodeMessage(garbage, new Signer(KEY))), "bad-signature", "garbage under a stale signature");
});

test("a replayed signature is rejected; the replay memory is bounded", () => {
  const signer = new Signer(KEY, 2);
  const first = encodeMessage(message(), new Signer(KEY));
  assert.ok(decodeMessage(first, signer).ok);
  assert.equal(pick(decodeMessage(first, signer)), "replayed-signature");
  decodeMessage(encodeMessage(message(), new Signer(KEY)), signer);
  decodeMessage(encodeMessage(message(), new Signer(KEY)), signer);
  assert.ok(decodeMessage(first, signer).ok, "the oldest signature was forgotten after 2 newer ones");
});

test("correctly signed garbage JSON, truncated and oversized messages are dropped with a reason", () => {
  const signer = new Signer(KEY);
  const garbageParts = [Buffer.from("{not json"), Buffer.from("{}"), Buffer.from("{}"), Buffer.from("{}")];
  const garbage = [Buffer.from("<IDS|MSG>"), Buffer.from(new Signer(KEY).sign(garbageParts)), ...garbageParts];
  assert.equal(pick(decodeMessage(garbage, signer)), "bad-json");
  const frames = encodeMessage(message(), new Signer(KEY));
  assert.equal(pick(decodeMessage(frames.slice(0, 3), signer)), "truncated");
  assert.equal(pick(decodeMessage([Buffer.from("x")], signer)), "no-delimiter");
  assert.equal(pick(decodeMessage(frames, signer, { maxMessageBytes: 100, maxIdentities: 16 })), "oversized");
  const noType = createMessage("", "s", {});
  assert.equal(pick(decodeMessage(encodeMessage(noType, new Signer(KEY)), signer)), "bad-header");
});

test("with an empty key messages are neither signed nor checked (as the spec allows)", () => {
  const frames = encodeMessage(message(), new Signer(""));
  assert.equal(frames[1]?.toString(), "");
  assert.ok(decodeMessage(frames, new Signer("")).ok);
});

function pick(result: ReturnType<typeof decodeMessage>): string {
  return result.ok ? "ok" : result.reason;
}

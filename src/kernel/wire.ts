/**
 * Wire framing and signing of Jupyter messages:
 * `[identities..., "<IDS|MSG>", hmac, header, parent_header, metadata, content, buffers...]`.
 * The HMAC-SHA256 signature is checked (in constant time) before any JSON is parsed, and each
 * signature is accepted once (replays are rejected), as jupyter_client does.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Envelope, Header, Message } from "./messages";

const DELIMITER = Buffer.from("<IDS|MSG>");

/** Limits that protect the kernel from oversized input. */
export interface WireLimits {
  /** Largest accepted sum of frame sizes, in bytes. */
  readonly maxMessageBytes: number;
  /** Most routing identities accepted before the delimiter. */
  readonly maxIdentities: number;
}

/** 64 MiB and 16 identities; `TUNELAB_MAX_MESSAGE_BYTES` overrides the size (see transport.ts). */
export const DEFAULT_WIRE_LIMITS: WireLimits = { maxMessageBytes: 64 * 1024 * 1024, maxIdentities: 16 };

/** How many recent signatures are remembered to refuse replays: jupyter_client's `Session.digest_history_size`. */
export const REPLAY_MEMORY = 65_536;

/** Why a multipart message was dropped. */
export type DecodeFailure =
  | "no-delimiter"
  | "too-many-identities"
  | "truncated"
  | "oversized"
  | "bad-signature"
  | "replayed-signature"
  | "bad-json"
  | "bad-header";

/** Result of decoding: a message, or the reason it was dropped (with detail for the log). */
export type DecodeResult =
  | { readonly ok: true; readonly envelope: Envelope }
  | { readonly ok: false; readonly reason: DecodeFailure; readonly detail: string };

/** Signs and verifies messages with HMAC-SHA256; remembers recent signatures to refuse replays. */
export class Signer {
  private readonly key: Buffer;
  private readonly seen = new Set<string>();

  /**
   * @param key the connection file's key; empty disables signing (as the spec allows)
   * @param maxRemembered how many recent signatures are kept to detect replays (as jupyter_client's
   *   Session: {@link REPLAY_MEMORY}, a tenth forgotten when full)
   */
  constructor(key: string, private readonly maxRemembered = REPLAY_MEMORY) {
    this.key = Buffer.from(key, "utf8");
  }

  /** Whether messages are signed at all. */
  get enabled(): boolean {
    return this.key.length > 0;
  }

  /** Hex HMAC of the four JSON frames; `""` when signing is disabled. */
  sign(parts: readonly Uint8Array[]): string {
    if (!this.enabled) return "";
    const hmac = createHmac("sha256", this.key);
    for (const part of parts) hmac.update(part);
    return hmac.digest("hex");
  }

  /** Checks `signature` against the frames in constant time, then refuses it if already seen. */
  verify(signature: Uint8Array, parts: readonly Uint8Array[]): "ok" | "bad-signature" | "replayed-signature" {
    if (!this.enabled) return "ok";
    const expected = Buffer.from(this.sign(parts), "ascii");
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "bad-signature";
    const text = expected.toString("ascii");
    if (this.seen.has(text)) return "replayed-signature";
    this.remember(text);
    return "ok";
  }

  /**
   * As jupyter_client's `Session._add_digest`: past the limit a tenth of the memory is forgotten at
   * once (jupyter_client picks at random; here the oldest go).
   */
  private remember(signature: string): void {
    this.seen.add(signature);
    if (this.seen.size <= this.maxRemembered) return;
    let drop = Math.max(Math.floor(this.seen.size / 10), this.seen.size - this.maxRemembered);
    for (const old of this.seen) {
      if (drop-- <= 0) break;
      this.seen.delete(old);
    }
  }
}

/** Serialises `message` into frames, prefixed by `identities` (a topic for iopub). */
export function encodeMessage(message: Message, signer: Signer, identities: readonly Uint8Array[] = []): Buffer[] {
  const parts = [
    Buffer.from(JSON.stringify(message.header)),
    Buffer.from(JSON.stringify(message.parent_header)),
    Buffer.from(JSON.stringify(message.metadata)),
    Buffer.from(JSON.stringify(message.content)),
  ];
  return [
    ...identities.map((id) => Buffer.from(id)),
    DELIMITER,
    Buffer.from(signer.sign(parts)),
    ...parts,
    ...message.buffers.map((b) => Buffer.from(b)),
  ];
}

/** Parses and verifies a multipart message. Never throws: failures are returned with a reason. */
export function decodeMessage(frames: readonly Uint8Array[], signer: Signer, limits: WireLimits = DEFAULT_WIRE_LIMITS): DecodeResult {
  let total = 0;
  for (const frame of frames) total += frame.length;
  if (total > limits.maxMessageBytes) {
    return { ok: false, reason: "oversized", detail: `${total} bytes, limit ${limits.maxMessageBytes}` };
  }
  const delimiterAt = frames.findIndex((f) => f.length === DELIMITER.length && DELIMITER.equals(f));
  if (delimiterAt < 0) return { ok: false, reason: "no-delimiter", detail: `${frames.length} frames, no "<IDS|MSG>"` };
  if (delimiterAt > limits.maxIdentities) {
    return { ok: false, reason: "too-many-identities", detail: `${delimiterAt} identities, limit ${limits.maxIdentities}` };
  }
  const rest = frames.slice(delimiterAt + 1);
  if (rest.length < 5) {
    return { ok: false, reason: "truncated", detail: `expected signature + 4 JSON frames after the delimiter, got ${rest.length} frames` };
  }
  const [signature, ...others] = rest as [Uint8Array, ...Uint8Array[]];
  const jsonParts = others.slice(0, 4);
  const verdict = signer.verify(signature, jsonParts);
  if (verdict !== "ok") return { ok: false, reason: verdict, detail: "message not executed" };
  let parsed: unknown[];
  try {
    parsed = jsonParts.map((p) => JSON.parse(Buffer.from(p).toString("utf8")) as unknown);
  } catch (error) {
    return { ok: false, reason: "bad-json", detail: (error as Error).message };
  }
  const [header, parent, metadata, content] = parsed;
  const headerProblem = checkHeader(header);
  if (headerProblem) return { ok: false, reason: "bad-header", detail: headerProblem };
  if (!isObject(parent) || !isObject(metadata) || !isObject(content)) {
    return { ok: false, reason: "bad-json", detail: "parent_header, metadata and content must be JSON objects" };
  }
  return {
    ok: true,
    envelope: {
      identities: frames.slice(0, delimiterAt).map((f) => Buffer.from(f)),
      message: {
        header: header as unknown as Header,
        parent_header: parent as unknown as Header,
        metadata,
        content,
        buffers: others.slice(4).map((b) => Buffer.from(b)),
      },
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkHeader(header: unknown): string | undefined {
  if (!isObject(header)) return "header must be a JSON object";
  for (const field of ["msg_id", "msg_type"] as const) {
    if (typeof header[field] !== "string" || header[field] === "") return `header.${field} must be a non-empty string`;
  }
  for (const field of ["session", "username", "version"] as const) {
    if (header[field] !== undefined && typeof header[field] !== "string") return `header.${field} must be a string`;
  }
  return undefined;
}

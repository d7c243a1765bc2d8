/** The connection file Jupyter writes for a kernel: where to bind and how to sign. */
import { readFileSync } from "node:fs";

/** Parsed and validated connection file. */
export interface ConnectionInfo {
  readonly transport: "tcp" | "ipc";
  readonly ip: string;
  readonly shellPort: number;
  readonly controlPort: number;
  readonly iopubPort: number;
  readonly stdinPort: number;
  readonly hbPort: number;
  /** HMAC key; empty means messages are not signed (allowed by the spec, not recommended). */
  readonly key: string;
  readonly signatureScheme: string;
}

/** Signature schemes this kernel implements. Anything else is refused at start. */
export const SUPPORTED_SIGNATURE_SCHEMES = ["hmac-sha256"] as const;

/** Reads `path` and validates it; throws an Error naming the bad field and what was expected. */
export function readConnectionFile(path: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read connection file ${path}: ${(error as Error).message}`);
  }
  return parseConnectionInfo(raw, path);
}

/** Validates an already parsed connection file (`source` is used in error messages). */
export function parseConnectionInfo(raw: unknown, source = "connection file"): ConnectionInfo {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${source}: expected a JSON object`);
  const record = raw as Record<string, unknown>;
  const port = (name: string): number => {
    const value = record[name];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 65535) {
      throw new Error(`${source}: "${name}" must be a port number (integer 0..65535), got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const text = (name: string, fallback: string): string => {
    const value = record[name] ?? fallback;
    if (typeof value !== "string") throw new Error(`${source}: "${name}" must be a string, got ${JSON.stringify(value)}`);
    return value;
  };
  const transport = text("transport", "tcp");
  if (transport !== "tcp" && transport !== "ipc") {
    throw new Error(`${source}: "transport" must be "tcp" or "ipc", got ${JSON.stringify(transport)}`);
  }
  const key = text("key", "");
  const signatureScheme = text("signature_scheme", "hmac-sha256");
  if (key !== "" && !(SUPPORTED_SIGNATURE_SCHEMES as readonly string[]).includes(signatureScheme)) {
    throw new Error(
      `${source}: unsupported "signature_scheme" ${JSON.stringify(signatureScheme)}; expected one of ${SUPPORTED_SIGNATURE_SCHEMES.join(", ")}`,
    );
  }
  return {
    transport,
    ip: text("ip", "127.0.0.1"),
    shellPort: port("shell_port"),
    controlPort: port("control_port"),
    iopubPort: port("iopub_port"),
    stdinPort: port("stdin_port"),
    hbPort: port("hb_port"),
    key,
    signatureScheme,
  };
}

/** The zeromq endpoint for `port` (for ipc, Jupyter's `<ip>-<port>` file naming). */
export function endpoint(info: ConnectionInfo, port: number): string {
  return info.transport === "tcp" ? `tcp://${info.ip}:${port}` : `ipc://${info.ip}-${port}`;
}

/** Whether only this machine can reach the endpoints (ipc, or tcp on a loopback address). */
export function isLocalOnly(info: ConnectionInfo): boolean {
  if (info.transport === "ipc") return true;
  const ip = info.ip.replace(/^\[|\]$/g, "");
  return ip === "localhost" || ip === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}

/**
 * What an empty key means for `info`: a warning (only local processes can send code, unsigned),
 * or, on an address other machines reach, a refusal unless `allowUnsignedRemote`. `undefined`
 * when the key is set.
 */
export function unsignedVerdict(info: ConnectionInfo, allowUnsignedRemote: boolean): { readonly refuse: boolean; readonly message: string } | undefined {
  if (info.key !== "") return undefined;
  if (isLocalOnly(info)) {
    return { refuse: false, message: "warning: the connection file has an empty key: messages are not signed, so any local process that reaches the ports can run code" };
  }
  const where = `${info.transport}://${info.ip}`;
  if (allowUnsignedRemote) {
    return { refuse: false, message: `warning: unsigned messages accepted on ${where} (--allow-unsigned-remote): anyone who reaches these ports can run code as this user` };
  }
  return {
    refuse: true,
    message: `refusing to listen on ${where} with an empty key: anyone who reaches these ports could run code as this user (set a key, bind to 127.0.0.1, or pass --allow-unsigned-remote)`,
  };
}

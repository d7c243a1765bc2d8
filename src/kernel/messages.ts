/**
 * Jupyter messaging protocol 5.3 wire types. `snake_case` field names appear only here, exactly
 * as the spec names them (https://jupyter-client.readthedocs.io/en/latest/messaging.html).
 */
import { randomUUID } from "node:crypto";

/** The protocol version this kernel speaks. */
export const PROTOCOL_VERSION = "5.3";

/** The five channels of a kernel. */
export type Channel = "shell" | "control" | "iopub" | "stdin" | "heartbeat";

/** A message header (spec: "General message format"). */
export interface Header {
  readonly msg_id: string;
  readonly session: string;
  readonly username: string;
  readonly date: string;
  readonly msg_type: string;
  readonly version: string;
}

/** JSON content of a message; typed per message type by the handlers. */
export type Content = Record<string, unknown>;

/** A decoded Jupyter message. `parent_header` is `{}` for messages without a parent. */
export interface Message {
  readonly header: Header;
  readonly parent_header: Header | Record<string, never>;
  readonly metadata: Record<string, unknown>;
  readonly content: Content;
  readonly buffers: readonly Uint8Array[];
}

/** A message received on a ROUTER socket together with the routing identities to reply to. */
export interface Envelope {
  readonly identities: readonly Uint8Array[];
  readonly message: Message;
}

/** Execution states published in `status` messages on iopub. */
export type ExecutionState = "starting" | "busy" | "idle";

/** `stream` content. */
export type StreamContent = {
  readonly name: "stdout" | "stderr";
  readonly text: string;
};

/** `display_data` / `update_display_data` content (an `execute_result` adds its count). */
export type DisplayDataContent = {
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly transient?: { readonly display_id?: string };
};

/** `error` content, also spread into an error reply. */
export type ErrorContent = {
  readonly ename: string;
  readonly evalue: string;
  readonly traceback: readonly string[];
};

/**
 * The content of each message type the kernel publishes on iopub.
 * @see https://jupyter-client.readthedocs.io/en/latest/messaging.html#messages-on-the-iopub-pub-sub-channel
 */
export interface IopubContents {
  readonly status: { readonly execution_state: ExecutionState };
  readonly stream: StreamContent;
  readonly display_data: DisplayDataContent;
  readonly update_display_data: DisplayDataContent;
  readonly execute_input: { readonly code: string; readonly execution_count: number };
  readonly execute_result: DisplayDataContent & { readonly execution_count: number };
  readonly error: ErrorContent;
  readonly clear_output: { readonly wait: boolean };
  readonly comm_close: { readonly comm_id: string; readonly data: Readonly<Record<string, unknown>> };
}

/** A message type the kernel publishes on iopub. */
export type IopubType = keyof IopubContents;

/** Creates a header for a new message of `msgType` in the kernel's `session`. */
function createHeader(msgType: string, session: string): Header {
  return {
    msg_id: randomUUID(),
    session,
    username: "kernel",
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/** Builds a message replying to (or caused by) `parent`; `parent` undefined gives `{}`. */
export function createMessage(
  msgType: string,
  session: string,
  content: Content,
  parent?: Header | Record<string, never>,
  metadata: Record<string, unknown> = {},
): Message {
  return { header: createHeader(msgType, session), parent_header: parent ?? {}, metadata, content, buffers: [] };
}

/** `execute_request` → `execute_reply`, and so on. */
export function replyType(requestType: string): string {
  return requestType.endsWith("_request") ? requestType.slice(0, -"_request".length) + "_reply" : `${requestType}_reply`;
}

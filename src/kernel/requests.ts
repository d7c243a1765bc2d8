/**
 * Typed request decoding: the one place where the `content` of an incoming message is read. Each
 * message type the kernel receives has a record here (camelCase, defaults applied), with a link to
 * its section of the messaging spec; {@link decodeRequest} turns content into that record or into
 * a message saying which field is wrong. Handlers receive records, never raw content.
 *
 * Fields the spec marks as required (`code` of an execute request, `comm_id` of a comm message)
 * must be present; optional ones default as ipykernel defaults them. A field of the wrong type is
 * an error, answered with {@link invalidRequestReply}.
 *
 * Spec: https://jupyter-client.readthedocs.io/en/latest/messaging.html
 */
import { describeKind } from "../common/describe";
import type { HistoryQuery } from "./history";
import type { Content, ErrorContent } from "./messages";

const SPEC = "https://jupyter-client.readthedocs.io/en/latest/messaging.html";

/**
 * `execute_request`: run `code`.
 * @see https://jupyter-client.readthedocs.io/en/latest/messaging.html#execute
 */
export interface ExecuteRequest {
  readonly code: string;
  /** No output, no execute_input, no history, no execution count change. */
  readonly silent: boolean;
  /** Record the cell in the history and count it (always false when {@link silent}). */
  readonly storeHistory: boolean;
  /** Name → expression, evaluated after a successful cell. */
  readonly userExpressions: Readonly<Record<string, string>>;
  /** Whether the code may ask for input on the stdin channel. */
  readonly allowStdin: boolean;
  /** On error, abort the execute requests already queued. */
  readonly stopOnError: boolean;
}

/**
 * `complete_request`: completions at a cursor.
 * @see https://jupyter-client.readthedocs.io/en/latest/messaging.html#completion
 */
export interface CompleteRequest {
  readonly code: string;
  /** The cursor, in Unicode code points (the end of `code` when the client omits it). */
  readonly cursorPos: number;
}

/**
 * `inspect_request`: documentation of the name at a cursor.
 * @see https://jupyter-client.readthedocs.io/en/latest/messaging.html#introspection
 */
export interface InspectRequest {
  readonly code: string;
  /** The cursor, in Unicode code points (the end of `code` when the client omits it). */
  readonly cursorPos: number;
  /** 0 for documentation, 1 for more (IPython's `x??`); this kernel answers all levels alike. */
  readonly detailLevel: number;
}

/**
 * `is_complete_request`: whether `code` is ready to run (console front ends).
 * @see https://jupyter-client.readthedocs.io/en/latest/messaging.html#code-completeness
 */
export interface IsCompleteRequest {
  readonly code: string;
}

/**
 * `history_request`: tail, range or glob search of the inputs (and outputs) of this session.
 * @see https://jupyter-client.readthedocs.io/en/latest/messaging.html#history
 */
export type HistoryRequest = HistoryQuery;

/**
 * `kernel_info_request` (no content).
 * @see https://jupyter-client.readthedocs.io/en/latest/messaging.html#kernel-info
 */
export type KernelInfoRequest = Readonly<Record<string, never>>;

/**
 * `comm_info_request`: the open comms, optionally of one target.
 * @see https://jupyter-client.readthedocs.io/en/latest/messaging.html#comm-info
 */
export interface CommInfoRequest {
  readonly targetName: string | undefined;
}

/**
 * `shutdown_request` (control channel).
 * @see https://jupyter-client.readthedocs.io/en/latest/messaging.html#kernel-shutdown
 */
export interface ShutdownRequest {
  /** Whether the client restarts the kernel afterwards (echoed in the reply). */
  readonly restart: boolean;
}

/**
 * `interrupt_request` (control channel; no content).
 * @see https://jupyter-client.readthedocs.io/en/latest/messaging.html#kernel-interrupt
 */
export type InterruptRequest = Readonly<Record<string, never>>;

/**
 * `input_reply` (stdin channel): the answer to an `input_request`.
 * @see https://jupyter-client.readthedocs.io/en/latest/messaging.html#messages-on-the-stdin-router-dealer-channel
 */
export interface InputReply {
  readonly value: string;
}

/**
 * `comm_open`: a client opens a comm to a target.
 * @see https://jupyter-client.readthedocs.io/en/latest/messaging.html#opening-a-comm
 */
export interface CommOpen {
  readonly commId: string;
  readonly targetName: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * `comm_msg`: a message on an open comm.
 * @see https://jupyter-client.readthedocs.io/en/latest/messaging.html#comm-messages
 */
export interface CommMsg {
  readonly commId: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * `comm_close`: a client closes a comm.
 * @see https://jupyter-client.readthedocs.io/en/latest/messaging.html#tearing-down-comms
 */
export type CommClose = CommMsg;

/** Every message type the kernel receives (on shell, control or stdin) → its decoded record. */
export interface Requests {
  readonly execute_request: ExecuteRequest;
  readonly complete_request: CompleteRequest;
  readonly inspect_request: InspectRequest;
  readonly is_complete_request: IsCompleteRequest;
  readonly history_request: HistoryRequest;
  readonly kernel_info_request: KernelInfoRequest;
  readonly comm_info_request: CommInfoRequest;
  readonly shutdown_request: ShutdownRequest;
  readonly interrupt_request: InterruptRequest;
  readonly input_reply: InputReply;
  readonly comm_open: CommOpen;
  readonly comm_msg: CommMsg;
  readonly comm_close: CommClose;
}

/** A message type the kernel knows. */
export type RequestType = keyof Requests;

/** The outcome of decoding: the typed record, or what is wrong with the content. */
export type Decoded<T> = { readonly ok: true; readonly request: T } | { readonly ok: false; readonly error: string };

/** Whether `type` is a message type the kernel knows (own keys only: `"constructor"` is not one). */
export function isRequestType(type: string): type is RequestType {
  return Object.prototype.hasOwnProperty.call(DECODERS, type);
}

/** Decodes the content of a `type` message; never throws. */
export function decodeRequest<T extends RequestType>(type: T, content: unknown): Decoded<Requests[T]> {
  if (typeof content !== "object" || content === null || Array.isArray(content)) {
    return { ok: false, error: `${type}: the content must be a JSON object, got ${describeKind(content)}` };
  }
  try {
    return { ok: true, request: DECODERS[type](new Fields(content as Content)) };
  } catch (error) {
    if (error instanceof InvalidField) return { ok: false, error: `${type}: ${error.message} (see ${SPEC}#${SECTIONS[type]})` };
    throw error;
  }
}

/**
 * Reads a `history_request` content into a query, or explains what is wrong (ipykernel's
 * defaults: the last 10 inputs for `tail`, session 0 = this one for `range`, `*` for `search`).
 */
export function parseHistoryQuery(content: Content): HistoryQuery | string {
  try {
    return decodeHistory(new Fields(content));
  } catch (error) {
    if (error instanceof InvalidField) return error.message;
    throw error;
  }
}

/** The error reply to a request whose content could not be decoded. */
export function invalidRequestReply(error: string): Content & ErrorContent {
  return { status: "error", ename: "InvalidRequest", evalue: error, traceback: [`InvalidRequest: ${error}`] };
}

// ---- decoders -----------------------------------------------------------------------------

/** A field of the wrong type or value; its message names the field. */
class InvalidField extends Error {}

/** Typed reads of a content object; each throws {@link InvalidField} naming the field. */
class Fields {
  constructor(private readonly content: Content) {}

  /** The field, with `null` read as absent (some clients send `null` for "not given"). */
  private get(name: string): unknown {
    const value = this.content[name];
    return value === null ? undefined : value;
  }

  private fail(name: string, expected: string, value: unknown): never {
    throw new InvalidField(`"${name}" must be ${expected}, got ${describeKind(value)}`);
  }

  string(name: string): string {
    const value = this.get(name);
    return typeof value === "string" ? value : this.fail(name, "a string", value);
  }

  optionalString(name: string): string | undefined {
    return this.get(name) === undefined ? undefined : this.string(name);
  }

  boolean(name: string, absent: boolean): boolean {
    const value = this.get(name);
    if (value === undefined) return absent;
    return typeof value === "boolean" ? value : this.fail(name, "true or false", value);
  }

  integer(name: string): number | undefined {
    const value = this.get(name);
    if (value === undefined) return undefined;
    return Number.isInteger(value) ? (value as number) : this.fail(name, "an integer", value);
  }

  /** An integer from 0 (a cursor position, a level), `absent` when not given. */
  natural(name: string, absent: number): number {
    const value = this.integer(name) ?? absent;
    if (value < 0) throw new InvalidField(`"${name}" must be 0 or more, got ${value}`);
    return value;
  }

  object(name: string): Readonly<Record<string, unknown>> {
    const value = this.get(name);
    if (value === undefined) return {};
    return typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : this.fail(name, "an object", value);
  }
}

function decodeHistory(fields: Fields): HistoryQuery {
  const output = fields.boolean("output", false);
  const access = fields.optionalString("hist_access_type");
  switch (access) {
    case "tail":
      return { kind: "tail", n: fields.integer("n") ?? 10, output };
    case "range":
      return { kind: "range", session: fields.integer("session") ?? 0, start: fields.integer("start") ?? 1, stop: fields.integer("stop"), output };
    case "search":
      return { kind: "search", pattern: fields.optionalString("pattern") ?? "*", n: fields.integer("n"), unique: fields.boolean("unique", false), output };
    default:
      throw new InvalidField(`hist_access_type must be "tail", "range" or "search", got ${JSON.stringify(access)}`);
  }
}

function decodeCommMsg(fields: Fields): CommMsg {
  return { commId: fields.string("comm_id"), data: fields.object("data") };
}

/** One decoder per message type; a type missing here does not compile. */
const DECODERS: { readonly [T in RequestType]: (fields: Fields) => Requests[T] } = {
  execute_request: (fields) => {
    const silent = fields.boolean("silent", false);
    const expressions = fields.object("user_expressions");
    const userExpressions: Record<string, string> = {};
    for (const [name, expression] of Object.entries(expressions)) {
      if (typeof expression !== "string") throw new InvalidField(`"user_expressions.${name}" must be a string, got ${describeKind(expression)}`);
      userExpressions[name] = expression;
    }
    return {
      code: fields.string("code"),
      silent,
      // The spec: silent "forces store_history to be False".
      storeHistory: fields.boolean("store_history", true) && !silent,
      userExpressions,
      allowStdin: fields.boolean("allow_stdin", false),
      stopOnError: fields.boolean("stop_on_error", true),
    };
  },
  complete_request: (fields) => {
    const code = fields.string("code");
    return { code, cursorPos: fields.natural("cursor_pos", Array.from(code).length) };
  },
  inspect_request: (fields) => {
    const code = fields.string("code");
    return { code, cursorPos: fields.natural("cursor_pos", Array.from(code).length), detailLevel: fields.natural("detail_level", 0) };
  },
  is_complete_request: (fields) => ({ code: fields.string("code") }),
  history_request: decodeHistory,
  kernel_info_request: () => ({}),
  comm_info_request: (fields) => ({ targetName: fields.optionalString("target_name") }),
  shutdown_request: (fields) => ({ restart: fields.boolean("restart", false) }),
  interrupt_request: () => ({}),
  input_reply: (fields) => ({ value: fields.string("value") }),
  comm_open: (fields) => ({ commId: fields.string("comm_id"), targetName: fields.string("target_name"), data: fields.object("data") }),
  comm_msg: decodeCommMsg,
  comm_close: decodeCommMsg,
};

/** The spec section (anchor) of each message type, named in decoding errors. */
const SECTIONS: { readonly [T in RequestType]: string } = {
  execute_request: "execute",
  complete_request: "completion",
  inspect_request: "introspection",
  is_complete_request: "code-completeness",
  history_request: "history",
  kernel_info_request: "kernel-info",
  comm_info_request: "comm-info",
  shutdown_request: "kernel-shutdown",
  interrupt_request: "kernel-interrupt",
  input_reply: "messages-on-the-stdin-router-dealer-channel",
  comm_open: "opening-a-comm",
  comm_msg: "comm-messages",
  comm_close: "tearing-down-comms",
};

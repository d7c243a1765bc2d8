/**
 * A cell's output as iopub messages (the {@link CellSink} of one `execute_request`), and the
 * `input_request`s it sends on the stdin channel with their pending answers.
 */
import type { CellSink } from "../exec/output";
import { log } from "../common/log";
import { unguardedSetImmediate } from "../exec/guard";
import { createMessage, type Envelope, type Header, type IopubContents, type IopubType, type Message } from "./messages";

/** Buffered stream text is sent once it reaches this many characters. */
const STREAM_CHUNK = 64 * 1024;

/** Publishes an iopub message whose parent is the request being answered. */
export type Publish = <T extends IopubType>(type: T, content: IopubContents[T]) => void;

/** What a cell's sink does besides publishing. */
export interface CellSinkOptions {
  /** The request's `silent`: publish nothing. */
  readonly silent: boolean;
  /** The request's `allow_stdin`: whether `input()` may ask the client. */
  readonly allowStdin: boolean;
  /** Sends an `input_request` and resolves with the answer (see {@link StdinRequests.ask}). */
  readonly ask: (prompt: string, password: boolean) => Promise<string>;
}

/**
 * The sink of one cell. Stream text is coalesced (per turn of the event loop, or every
 * {@link STREAM_CHUNK} characters) so that a loop printing thousands of lines sends a few
 * messages, not thousands; any other output sends the buffered text first, keeping the order.
 * `flush()` sends what is buffered (before the reply).
 */
export function createCellSink(publish: Publish, options: CellSinkOptions): CellSink & { flush(): void } {
  const silent = options.silent;
  let buffered: { name: "stdout" | "stderr"; text: string } | undefined;
  let flushScheduled = false;
  const flush = () => {
    if (buffered === undefined) return;
    const content = buffered;
    buffered = undefined;
    publish("stream", content);
  };
  const send: Publish = (type, content) => {
    if (silent) return;
    flush();
    publish(type, content);
  };
  const stream = (name: "stdout" | "stderr", text: string) => {
    if (silent) return;
    if (buffered !== undefined && buffered.name !== name) flush();
    buffered = { name, text: (buffered?.text ?? "") + text };
    if (buffered.text.length >= STREAM_CHUNK) flush();
    else if (!flushScheduled) {
      flushScheduled = true;
      unguardedSetImmediate(() => {
        flushScheduled = false;
        flush();
      });
    }
  };
  return {
    flush,
    stdout: (text) => stream("stdout", text),
    stderr: (text) => stream("stderr", text),
    display: (bundle, displayOptions) =>
      send("display_data", {
        data: bundle,
        metadata: displayOptions?.metadata ?? {},
        transient: displayOptions?.displayId === undefined ? {} : { display_id: displayOptions.displayId },
      }),
    updateDisplay: (displayId, bundle, metadata) =>
      send("update_display_data", { data: bundle, metadata: metadata ?? {}, transient: { display_id: displayId } }),
    clearOutput: (wait) => send("clear_output", { wait: wait === true }),
    input: (prompt, password) => {
      if (!options.allowStdin) return Promise.reject(new Error("input() is not available: this client does not allow stdin (allow_stdin is false)"));
      return options.ask(prompt, password);
    },
  };
}

/** The `input_request`s sent and not answered yet, by message id. */
export class StdinRequests {
  private readonly pending = new Map<string, { resolve(value: string): void; reject(error: Error): void }>();

  /** @param send sends a message on the stdin channel to the given identities */
  constructor(
    private readonly session: string,
    private readonly send: (identities: readonly Uint8Array[], message: Message) => void,
  ) {}

  /** Sends an `input_request` to the client of `envelope`; resolves with the `input_reply`'s value. */
  ask(envelope: Envelope, prompt: string, password: boolean): Promise<string> {
    const message = createMessage("input_request", this.session, { prompt, password }, envelope.message.header);
    return new Promise<string>((resolve, reject) => {
      this.pending.set(message.header.msg_id, { resolve, reject });
      this.send(envelope.identities, message);
    });
  }

  /** Resolves the `input()` call `message` (an `input_reply`) answers with `value`. */
  answer(value: string, message: Message): void {
    this.take(message)?.resolve(value);
  }

  /** Rejects the `input()` call `message` answers: its content was malformed (`error` says how). */
  fail(error: string, message: Message): void {
    this.take(message)?.reject(new Error(`the client's answer to input() was malformed: ${error}`));
  }

  /**
   * The pending request `message` answers, removed: the one its parent header names (some
   * clients omit it, which is unambiguous with a single pending request).
   */
  private take(message: Message): { resolve(value: string): void; reject(error: Error): void } | undefined {
    let requestId = (message.parent_header as Partial<Header>).msg_id ?? "";
    if (!this.pending.has(requestId) && this.pending.size === 1) requestId = [...this.pending.keys()][0] as string;
    const pending = this.pending.get(requestId);
    if (pending === undefined) log("input_reply without a pending input_request; ignored");
    this.pending.delete(requestId);
    return pending;
  }
}

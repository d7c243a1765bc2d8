/** Turning thrown values into text. */
import { inspect } from "node:util";

/**
 * The message of a thrown value: an `Error`'s message, or anything else as a string. Never
 * throws, whatever was thrown (a user's objective or model builder may throw anything, and its
 * trial must still be recorded with a reason): an `Error` whose `message` cannot be read is named
 * by its name; a value that `String` refuses (`Object.create(null)`, an object whose `toString`
 * throws) is shown as Node shows an uncaught one (`util.inspect`), else named by its type.
 */
export function messageOf(error: unknown): string {
  if (attempt(() => error instanceof Error) === true) {
    const failed = error as Error;
    const message = attempt(() => failed.message);
    if (typeof message === "string") return message;
    const name = attempt(() => failed.name);
    return `${typeof name === "string" ? name : "an Error"} whose message cannot be read`;
  }
  return attempt(() => String(error)) ?? attempt(() => inspect(error, { depth: 1, breakLength: Infinity })) ?? `a thrown ${typeof error} that cannot be shown`;
}

/** What `read` returns, or `undefined` when it throws. */
function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** The kernel's own log: lines on fd 2 (Jupyter shows them in its log), never routed to a cell. */
import { writeSync } from "node:fs";
import { threadId } from "node:worker_threads";

/** Writes one log line synchronously (works while the main thread is blocked, from any thread). */
export function log(text: string): void {
  try {
    writeSync(2, `[tunelab kernel${threadId === 0 ? "" : " transport"}] ${text}\n`);
  } catch {
    // Logging is best effort.
  }
}

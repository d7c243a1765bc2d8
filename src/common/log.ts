/**
 * tunelab's own log: lines on fd 2 (Jupyter shows a kernel's stderr in its log; `tunelab run`
 * passes it through), never routed to a cell's output.
 */
import { writeSync } from "node:fs";
import { threadId } from "node:worker_threads";

/**
 * Writes one log line synchronously, so it works while the main thread is blocked and from any
 * thread; lines from the kernel's transport thread say so.
 */
export function log(text: string): void {
  try {
    writeSync(2, `[tunelab kernel${threadId === 0 ? "" : " transport"}] ${text.endsWith("\n") ? text.slice(0, -1) : text}\n`);
  } catch {
    // Logging is best effort.
  }
}

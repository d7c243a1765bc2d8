/**
 * Turns a cell's iopub messages into nbformat outputs, as nbclient does: consecutive streams of
 * the same name merge, `clear_output` (with `wait`) clears, and `update_display_data` rewrites
 * every earlier output, in any cell, that was displayed with the same `display_id`.
 */
import type { Message } from "../kernel/messages";
import type { DisplayDataOutput, ErrorOutput, ExecuteResultOutput, MimeBundle, Output } from "./notebook";

/** Outputs shown with a display id, across the whole notebook: display id → outputs. */
export class DisplayRegistry {
  private readonly outputs = new Map<string, Set<DisplayDataOutput | ExecuteResultOutput>>();

  /** Remembers that `output` was displayed under `displayId`. */
  add(displayId: string, output: DisplayDataOutput | ExecuteResultOutput): void {
    let set = this.outputs.get(displayId);
    if (set === undefined) this.outputs.set(displayId, (set = new Set()));
    set.add(output);
  }

  /** Forgets `output` (it was cleared). */
  remove(output: Output): void {
    for (const set of this.outputs.values()) set.delete(output as DisplayDataOutput);
  }

  /** Replaces data and metadata of every output shown under `displayId`. */
  update(displayId: string, data: MimeBundle, metadata: Record<string, unknown>): void {
    for (const output of this.outputs.get(displayId) ?? []) {
      output.data = data;
      output.metadata = metadata;
    }
  }
}

/** Collects the outputs of one code cell from the iopub messages of its execute_request. */
export class CellOutputs {
  /** The cell's outputs, in order (the array the cell holds). */
  readonly outputs: Output[];
  /** The `error` content, if the cell published one. */
  error: ErrorOutput | undefined;
  /** Set by `status: idle`: the kernel is done with the request. */
  idle = false;
  private clearOnNextOutput = false;

  constructor(outputs: Output[], private readonly displays: DisplayRegistry) {
    this.outputs = outputs;
  }

  /** Applies one iopub message to the outputs. Unknown message types are ignored. */
  apply(message: Message): void {
    const content = message.content;
    switch (message.header.msg_type) {
      case "status":
        if (content["execution_state"] === "idle") this.idle = true;
        return;
      case "stream": {
        const name = content["name"] === "stderr" ? "stderr" : "stdout";
        const text = typeof content["text"] === "string" ? (content["text"] as string) : "";
        this.prepareForOutput();
        const last = this.outputs[this.outputs.length - 1];
        if (last !== undefined && last.output_type === "stream" && last.name === name) last.text = `${textOf(last.text)}${text}`;
        else this.outputs.push({ output_type: "stream", name, text });
        return;
      }
      case "display_data":
      case "execute_result": {
        const data = bundleOf(content["data"]);
        const metadata = bundleOf(content["metadata"]);
        const output: DisplayDataOutput | ExecuteResultOutput =
          message.header.msg_type === "execute_result"
            ? { output_type: "execute_result", execution_count: countOf(content["execution_count"]), data, metadata }
            : { output_type: "display_data", data, metadata };
        this.prepareForOutput();
        this.outputs.push(output);
        const displayId = displayIdOf(content);
        if (displayId !== undefined) this.displays.add(displayId, output);
        return;
      }
      case "update_display_data": {
        const displayId = displayIdOf(content);
        if (displayId !== undefined) this.displays.update(displayId, bundleOf(content["data"]), bundleOf(content["metadata"]));
        return;
      }
      case "clear_output":
        if (content["wait"] === true) this.clearOnNextOutput = true;
        else this.clear();
        return;
      case "error": {
        const output: ErrorOutput = {
          output_type: "error",
          ename: String(content["ename"] ?? "Error"),
          evalue: String(content["evalue"] ?? ""),
          traceback: Array.isArray(content["traceback"]) ? (content["traceback"] as unknown[]).map(String) : [],
        };
        this.prepareForOutput();
        this.outputs.push(output);
        this.error = output;
        return;
      }
      default:
        return;
    }
  }

  /** Adds an error made by the runner itself (timeout, interrupt, stdin), unless the kernel gave one. */
  addRunnerError(ename: string, evalue: string): void {
    const output: ErrorOutput = { output_type: "error", ename, evalue, traceback: [`${ename}: ${evalue}`] };
    this.outputs.push(output);
    this.error ??= output;
  }

  private prepareForOutput(): void {
    if (!this.clearOnNextOutput) return;
    this.clearOnNextOutput = false;
    this.clear();
  }

  private clear(): void {
    for (const output of this.outputs) this.displays.remove(output);
    this.outputs.length = 0;
    this.clearOnNextOutput = false;
  }
}

function textOf(text: string | string[]): string {
  return Array.isArray(text) ? text.join("") : text;
}

function bundleOf(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
}

function countOf(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) ? value : null;
}

function displayIdOf(content: Record<string, unknown>): string | undefined {
  const transient = content["transient"];
  if (typeof transient !== "object" || transient === null) return undefined;
  const id = (transient as Record<string, unknown>)["display_id"];
  return typeof id === "string" && id !== "" ? id : undefined;
}

/**
 * `%%capture [--no-stdout] [--no-stderr] [--no-display] name`: runs the cell body and keeps its
 * stdout, stderr and displays in a {@link CapturedOutput} bound to `name`, instead of showing them.
 *
 * Needs `MagicContext.redirectOutput` from the kernel (output of the evaluated body); output that
 * magics in the body write through their context is captured by `withMagicOutputTo`.
 */
import { currentMagicOutput, withMagicOutputTo } from "../context";
import { MagicError, type CellMagic, type DisplayOptions, type MimeBundle, type OutputSink } from "../types";
import { escapeHtml } from "../../common/html";

/** One display captured: its bundle, metadata and display id. */
export interface CapturedDisplay {
  readonly data: MimeBundle;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly displayId?: string;
}

/** Where {@link CapturedOutput.show} writes by default until the kernel sets a target. */
const processOutput: OutputSink = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  display: (bundle) => {
    const text = bundle["text/plain"];
    if (typeof text === "string") process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  },
  updateDisplay: () => undefined,
  clearOutput: () => undefined,
};

/** What `%%capture` kept. It renders itself (all of it) when it is a cell's last expression. */
export class CapturedOutput {
  /** Everything written to stdout. */
  stdout = "";
  /** Everything written to stderr. */
  stderr = "";
  /** The displays, in order (an update replaces the display it names). */
  readonly outputs: CapturedDisplay[] = [];
  #clearPending = false;
  readonly #currentOutput: (() => OutputSink | undefined) | undefined;

  /** @param currentOutput the running cell's output, where `show()` writes by default */
  constructor(currentOutput?: () => OutputSink | undefined) {
    this.#currentOutput = currentOutput;
  }

  private defaultTarget(): OutputSink {
    return this.#currentOutput?.() ?? processOutput;
  }

  /**
   * Re-emits the captured output: stdout, stderr, then the displays, to `sink`, else to the
   * running cell's output as given to {@link createCaptureMagic}, else streams to
   * `process.stdout`/`stderr` (which the kernel routes to the running cell) and displays as plain
   * text. A capture that is a cell's last expression renders all of it as one rich bundle.
   */
  show(sink: OutputSink = this.defaultTarget()): void {
    if (this.stdout !== "") sink.stdout(this.stdout);
    if (this.stderr !== "") sink.stderr(this.stderr);
    for (const output of this.outputs) sink.display(output.data, displayOptions(output));
  }

  /** A sink that records into this capture, passing through what `keep` excludes to `passThrough`. */
  sink(keep: { stdout: boolean; stderr: boolean; display: boolean }, passThrough: OutputSink): OutputSink {
    return {
      stdout: (text) => (keep.stdout ? this.record(() => (this.stdout += text)) : passThrough.stdout(text)),
      stderr: (text) => (keep.stderr ? this.record(() => (this.stderr += text)) : passThrough.stderr(text)),
      display: (bundle, options) =>
        keep.display ? this.record(() => this.outputs.push(captured(bundle, options))) : passThrough.display(bundle, options),
      updateDisplay: (id, bundle, metadata) => {
        const index = this.outputs.findIndex((output) => output.displayId === id);
        if (keep.display && index !== -1) {
          this.outputs[index] = captured(bundle, metadata === undefined ? { displayId: id } : { displayId: id, metadata });
        } else passThrough.updateDisplay(id, bundle, metadata);
      },
      clearOutput: (wait) => {
        if (wait === true) this.#clearPending = true;
        else this.clear();
      },
    };
  }

  private record(write: () => unknown): void {
    if (this.#clearPending) this.clear();
    write();
  }

  private clear(): void {
    this.#clearPending = false;
    this.stdout = "";
    this.stderr = "";
    this.outputs.length = 0;
  }

  /** Plain-text summary. */
  toString(): string {
    return `CapturedOutput(stdout: ${this.stdout.length} chars, stderr: ${this.stderr.length} chars, outputs: ${this.outputs.length})`;
  }

  /** All captured output as one bundle: text, and HTML with each display's richest HTML-able form. */
  [Symbol.for("Jupyter.display")](): MimeBundle {
    const plain = [this.stdout, this.stderr, ...this.outputs.map((output) => String(output.data["text/plain"] ?? ""))]
      .filter((part) => part !== "")
      .join("\n");
    const html = [
      this.stdout === "" ? "" : `<pre>${escapeHtml(this.stdout)}</pre>`,
      this.stderr === "" ? "" : `<pre style="color: #b00">${escapeHtml(this.stderr)}</pre>`,
      ...this.outputs.map((output) => {
        const rich = output.data["text/html"];
        if (typeof rich === "string") return rich;
        const text = output.data["text/plain"];
        return typeof text === "string" ? `<pre>${escapeHtml(text)}</pre>` : "";
      }),
    ].join("");
    return { "text/plain": plain === "" ? this.toString() : plain, "text/html": html };
  }
}

function captured(bundle: MimeBundle, options: DisplayOptions | undefined): CapturedDisplay {
  return {
    data: bundle,
    ...(options?.metadata === undefined ? {} : { metadata: options.metadata }),
    ...(options?.displayId === undefined ? {} : { displayId: options.displayId }),
  };
}

function displayOptions(output: CapturedDisplay): DisplayOptions {
  return {
    ...(output.metadata === undefined ? {} : { metadata: output.metadata }),
    ...(output.displayId === undefined ? {} : { displayId: output.displayId }),
  };
}

/** How `%%capture` is set up by the kernel. */
export interface CaptureMagicOptions {
  /**
   * The output of the cell running now (for `out.show()` in a later cell), or `undefined`
   * outside cells. Without it `show()` falls back to the process streams.
   */
  readonly currentOutput?: () => OutputSink | undefined;
}

/** Creates `%%capture`. */
export function createCaptureMagic(setup: CaptureMagicOptions = {}): CellMagic {
  return {
    kind: "cell",
    name: "capture",
    summary: "Run the cell body, keeping its stdout, stderr and displays in a variable instead of showing them.",
    positionals: [{ name: "name", description: "the variable to bind the CapturedOutput to", required: true }],
    options: [
      { name: "stdout", type: "boolean", default: true, description: "capture stdout" },
      { name: "stderr", type: "boolean", default: true, description: "capture stderr" },
      { name: "display", type: "boolean", default: true, description: "capture displays (rich output)" },
    ],
    help:
      "The variable holds .stdout and .stderr (strings), .outputs (the displays) and .show(), which\n" +
      "re-emits them. Example:\n  %%capture --no-stderr out\n  console.log(\"hidden\")\n" +
      "then, in a later cell: out.stdout",
    async run(args, body, context) {
      const name = String(args["name"]);
      if (!/^[A-Za-z_$][\w$]*$/.test(name)) {
        throw new MagicError(`%%capture: the variable name must be an identifier, got "${name}"`);
      }
      if (context.redirectOutput === undefined) {
        throw new MagicError("%%capture needs a kernel whose MagicContext implements redirectOutput; this one does not");
      }
      const capture = new CapturedOutput(setup.currentOutput);
      const keep = { stdout: args["stdout"] === true, stderr: args["stderr"] === true, display: args["display"] === true };
      const sink = capture.sink(keep, currentMagicOutput(context));
      try {
        await withMagicOutputTo(sink, () => context.redirectOutput!(sink, () => context.evaluate(body)));
      } finally {
        context.assign(name, capture); // what ran before an error is kept too
      }
      return undefined;
    },
  };
}
